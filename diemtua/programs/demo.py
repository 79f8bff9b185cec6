"""Demo programs: the Ministry's 2024 pilot, fully populated with its history, and Hà Nội's
2025–2026 plan under Circular 18/2025, still running (some tasks overdue, one school without its
designated staff member, so the rule check shows the gap).

Idempotent: a program is identified by its code and seeded whole, in one transaction, or not at
all; a second run adds nothing. Everything goes through services.py, so the audit trail holds the
seeding like any other work. Needs core.demo's world (units, tv.* counselors, bo.vu, so.hanoi);
without it nothing is seeded.
"""

import datetime

from django.db import transaction
from django.db.models import F, Q

from diemtua.accounts.models import User
from diemtua.core.demo import school_code
from diemtua.core.demo_data import LOCALITIES
from diemtua.orgs import services as org_services
from diemtua.orgs.admin_units import MINISTRY_CODE
from diemtua.orgs.models import OrgKind, OrgUnit, SchoolLevel

from . import services
from .models import (
    Employment,
    Enrolment,
    Program,
    ProgramStatus,
    Qualification,
    TaskStatus,
)

PILOT_CODE = "thi-diem-2024"
TT18_CODE = "tt18-2025-2026"
PILOT_START, PILOT_END = datetime.date(2024, 2, 1), datetime.date(2024, 8, 31)
TRAINED_ON = datetime.date(2024, 6, 13)
LEVELS = [SchoolLevel.PRIMARY, SchoolLevel.LOWER_SECONDARY, SchoolLevel.UPPER_SECONDARY]
D = datetime.date

# Who each pilot school designated: (employment, qualification, position), by school level.
# Cities had full-time psychology or social-work staff at secondary level; elsewhere a teacher
# took the work on part-time, as the plan allowed ("1 cán bộ, giáo viên").
STAFF_PROFILES = {
    "01": [
        (Employment.PART_TIME, Qualification.EDUCATION, "Giáo viên, Tổng phụ trách Đội"),
        (Employment.FULL_TIME, Qualification.PSYCHOLOGY, "Cán bộ tư vấn tâm lý"),
        (Employment.FULL_TIME, Qualification.SOCIAL_WORK, "Cán bộ công tác xã hội"),
    ],
    "79": [
        (Employment.FULL_TIME, Qualification.PSYCHOLOGY, "Cán bộ tư vấn tâm lý"),
        (Employment.FULL_TIME, Qualification.PSYCHOLOGY, "Cán bộ tư vấn tâm lý"),
        (Employment.FULL_TIME, Qualification.SOCIAL_WORK, "Cán bộ công tác xã hội"),
    ],
    "default": [
        (Employment.PART_TIME, Qualification.EDUCATION, "Giáo viên chủ nhiệm"),
        (Employment.PART_TIME, Qualification.OTHER, "Giáo viên Giáo dục công dân"),
        (Employment.PART_TIME, Qualification.EDUCATION, "Bí thư Đoàn trường"),
    ],
}

# Illustrative decision numbers of each Department's selection (not real documents).
SELECTION_DECISIONS = {
    "01": "Quyết định số 512/QĐ-SGDĐT ngày 26/02/2024",
    "79": "Quyết định số 634/QĐ-SGDĐT ngày 27/02/2024",
    "02": "Quyết định số 301/QĐ-SGDĐT ngày 23/02/2024",
    "08": "Quyết định số 288/QĐ-SGDĐT ngày 26/02/2024",
    "17": "Quyết định số 245/QĐ-SGDĐT ngày 28/02/2024",
    "38": "Quyết định số 476/QĐ-SGDĐT ngày 27/02/2024",
}


def _department_2024(code: str) -> OrgUnit | None:
    """The Department as it was in 2024: Hà Giang (02) and Hòa Bình (17) are the merged,
    ended units (valid_to 30/06/2025); the others still exist."""
    return (
        OrgUnit.objects.filter(kind=OrgKind.DEPARTMENT, code=code)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=PILOT_START))
        .order_by(F("valid_to").asc(nulls_last=True))
        .first()
    )


def _school(locality, school) -> OrgUnit | None:
    return OrgUnit.objects.filter(
        kind=OrgKind.SCHOOL, code=school_code(locality.code_2024, school.slug), valid_to=None
    ).first()


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _rules(program, localities) -> None:
    services.program_configure(
        actor=None,
        program=program,
        localities=localities,
        schools_per_locality=3,
        levels=LEVELS,
        staff_per_school=1,
        staff_trained=True,
    )


def _task(program, title, unit, start, due, *, deps=(), milestone=False, description=""):
    return services.task_create(
        actor=None,
        program=program,
        title=title,
        responsible=unit,
        starts_on=start,
        due_on=due,
        milestone=milestone,
        description=description,
        depends_on=deps,
    )


def _done(task, day: datetime.date, note: str) -> None:
    services.task_status_set(
        actor=None, task=task, status=TaskStatus.DONE, done_on=day, evidence_note=note
    )


def _seed_pilot(ministry: OrgUnit, officer: User) -> int:
    program = services.program_create(
        actor=officer,
        owner=ministry,
        code=PILOT_CODE,
        title="Thí điểm mô hình cung cấp dịch vụ công tác xã hội và tư vấn tâm lý trường học",
        # Illustrative: the plan's number and date are not in our source (a news report of
        # early 2024); the months and contents below are.
        legal_basis="Kế hoạch số 1255/KH-BGDĐT",
        legal_basis_date=D(2024, 1, 29),
        starts_on=PILOT_START,
        ends_on=PILOT_END,
        status=ProgramStatus.ACTIVE,
        description=(
            "Nghiên cứu thí điểm mô hình cung cấp dịch vụ công tác xã hội và tư vấn tâm lý tại "
            "các cơ sở giáo dục trong 6 tháng (02–08/2024) tại 6 địa phương. Mỗi Sở GD&ĐT lựa "
            "chọn 3 cơ sở giáo dục phổ thông ở 3 cấp học; mỗi trường cử 1 cán bộ, giáo viên phụ "
            "trách. Vụ Giáo dục Chính trị và Công tác học sinh, sinh viên chủ trì."
        ),
    )
    departments = {loc.code_2024: _department_2024(loc.code_2024) for loc in LOCALITIES}
    _rules(program, [d for d in departments.values() if d is not None])
    count = 1
    enrolled: dict[str, list] = {}
    for index, locality in enumerate(LOCALITIES):
        department = departments[locality.code_2024]
        profiles = STAFF_PROFILES.get(locality.code_2024, STAFF_PROFILES["default"])
        for level_index, school in enumerate(locality.schools):
            unit = _school(locality, school)
            if unit is None or department is None:
                continue
            enrolment = services.enrolment_create(
                actor=None,
                program=program,
                school=unit,
                locality=department,
                enrolled_on=D(2024, 2, 26 + index % 3),
                note=SELECTION_DECISIONS.get(locality.code_2024, ""),
            )
            enrolled.setdefault(locality.code_2024, []).append(enrolment)
            counselor = _user(f"tv.{school.slug}")
            employment, qualification, position = profiles[level_index]
            services.staff_create(
                actor=None,
                enrolment=enrolment,
                user=counselor,
                full_name=counselor.full_name if counselor else "Cán bộ phụ trách",
                position=position,
                employment=employment,
                qualification=qualification,
                trained=True,
                trained_on=TRAINED_ON,
                since=D(2024, 3, 1),
            )
            count += 2

    plan = _task(
        program,
        "Xây dựng tài liệu hướng dẫn tổ chức hoạt động công tác xã hội, tư vấn tâm lý",
        ministry,
        D(2024, 2, 1),
        D(2024, 5, 31),
        description="Nội dung, quy trình, biểu mẫu cho các trường thí điểm.",
    )
    selection = _task(
        program,
        "Lựa chọn 3 trường ở 3 cấp học và cán bộ phụ trách tại 6 địa phương",
        ministry,
        D(2024, 2, 1),
        D(2024, 2, 29),
        milestone=True,
    )
    local_selection, local_reports, school_reports = [], [], []
    for locality in LOCALITIES:
        department = departments[locality.code_2024]
        if department is None:
            continue
        local_selection.append(
            (
                locality,
                _task(
                    program,
                    f"{department.name}: lựa chọn trường thí điểm và cử cán bộ phụ trách",
                    department,
                    D(2024, 2, 1),
                    D(2024, 2, 29),
                ),
            )
        )
    training = _task(
        program,
        "Tập huấn, bồi dưỡng nghiệp vụ cho cán bộ, giáo viên các trường thí điểm",
        ministry,
        D(2024, 6, 10),
        D(2024, 6, 14),
        deps=[plan, selection],
        milestone=True,
        description="Hỗ trợ, bảo vệ học sinh; quy trình công tác xã hội; kỹ năng tư vấn.",
    )
    exchange = _task(
        program,
        "Giao lưu, trao đổi kinh nghiệm giữa các trường thí điểm",
        ministry,
        D(2024, 6, 15),
        D(2024, 7, 31),
        deps=[training],
    )
    supervision = _task(
        program,
        "Khảo sát, kiểm tra, giám sát, hỗ trợ triển khai thí điểm",
        ministry,
        D(2024, 3, 1),
        D(2024, 8, 15),
        deps=[selection],
    )
    for locality, local in local_selection:
        for enrolment in enrolled.get(locality.code_2024, []):
            school_reports.append(
                (
                    enrolment,
                    _task(
                        program,
                        f"{enrolment.school.name}: báo cáo kết quả thí điểm của trường",
                        enrolment.school,
                        D(2024, 8, 1),
                        D(2024, 8, 20),
                        deps=[local],
                    ),
                )
            )
        department = departments[locality.code_2024]
        local_reports.append(
            (
                locality,
                _task(
                    program,
                    f"{department.name}: báo cáo kết quả thí điểm của địa phương",
                    department,
                    D(2024, 8, 21),
                    D(2024, 8, 31),
                    deps=[t for e, t in school_reports if e.locality_id == department.pk],
                ),
            )
        )
    end = _task(
        program,
        "Kết thúc thời gian thí điểm",
        ministry,
        D(2024, 8, 31),
        D(2024, 8, 31),
        deps=[exchange, supervision],
        milestone=True,
    )
    evaluation = _task(
        program,
        "Đánh giá và xây dựng báo cáo kết quả triển khai thí điểm mô hình",
        ministry,
        D(2024, 9, 1),
        D(2024, 9, 30),
        deps=[end, *(t for _loc, t in local_reports)],
        milestone=True,
    )
    count += 8 + len(local_selection) + len(local_reports) + len(school_reports)

    _done(plan, D(2024, 5, 24), "Tài liệu hướng dẫn gửi các Sở GD&ĐT kèm công văn ngày 24/5/2024.")
    for locality, local in local_selection:
        _done(local, D(2024, 2, 28), SELECTION_DECISIONS.get(locality.code_2024, ""))
    _done(selection, D(2024, 2, 29), "18 trường ở 6 địa phương, mỗi trường 1 cán bộ phụ trách.")
    _done(
        supervision,
        D(2024, 8, 14),
        "Khảo sát đầu kỳ (03/2024); kiểm tra, giám sát trực tiếp tại 6 địa phương (04–08/2024).",
    )
    _done(
        training,
        D(2024, 6, 14),
        "Tập huấn 12–14/6/2024 cho 18 cán bộ, giáo viên phụ trách; danh sách và biên bản lưu tại "
        "Vụ GDCT&CTHSSV.",
    )
    _done(
        exchange,
        D(2024, 7, 26),
        "Hội thảo trao đổi kinh nghiệm trực tuyến giữa 18 trường thí điểm ngày 26/7/2024.",
    )
    for _enrolment, task in school_reports:
        _done(task, D(2024, 8, 16), "Báo cáo của trường gửi Sở GD&ĐT.")
    for _locality, task in local_reports:
        _done(task, D(2024, 8, 30), "Báo cáo của Sở GD&ĐT gửi Bộ GD&ĐT.")
    _done(end, D(2024, 8, 31), "Các trường kết thúc thí điểm theo kế hoạch.")
    _done(
        evaluation,
        D(2024, 9, 27),
        "Báo cáo đánh giá kết quả thí điểm: 18/18 trường vận hành mô hình; đề xuất hoàn thiện "
        "quy định về công tác xã hội và tư vấn học đường (cơ sở của Thông tư 18/2025).",
    )
    services.program_update(actor=officer, program=program, status=ProgramStatus.CLOSED)
    return count


def _seed_tt18(hanoi: OrgUnit, officer: User) -> int:
    program = services.program_create(
        actor=officer,
        owner=hanoi,
        code=TT18_CODE,
        title=(
            "Triển khai tư vấn học đường và công tác xã hội trong trường học năm học 2025–2026 "
            "theo Thông tư 18/2025/TT-BGDĐT"
        ),
        # Illustrative number; Circular 18/2025 itself was issued 15/09/2025, in force 31/10/2025.
        legal_basis="Kế hoạch số 3418/KH-SGDĐT",
        legal_basis_date=D(2025, 10, 24),
        starts_on=D(2025, 11, 1),
        ends_on=D(2026, 12, 31),
        status=ProgramStatus.ACTIVE,
        description=(
            "Kiện toàn tổ tư vấn học đường và phòng tư vấn; mỗi trường tham gia cử ít nhất 1 cán "
            "bộ phụ trách được tập huấn; thực hiện 7 nhóm nội dung tư vấn theo Thông tư 18/2025."
        ),
    )
    _rules(program, [hanoi])
    hanoi_2024 = next(loc for loc in LOCALITIES if loc.code_2024 == "01")
    staff_plan = {
        "trungtu": (Employment.FULL_TIME, Qualification.PSYCHOLOGY, "Cán bộ tư vấn tâm lý", None),
        "linhnam": (Employment.PART_TIME, Qualification.EDUCATION, "Giáo viên kiêm nhiệm", None),
        # Moved to another school at the end of the school year: nobody designated since.
        "minhphu": (
            Employment.FULL_TIME,
            Qualification.SOCIAL_WORK,
            "Cán bộ công tác xã hội",
            D(2026, 6, 30),
        ),
    }
    enrolments = []
    count = 1
    for school in hanoi_2024.schools:
        unit = _school(hanoi_2024, school)
        if unit is None:
            continue
        enrolment = services.enrolment_create(
            actor=None, program=program, school=unit, locality=hanoi, enrolled_on=D(2025, 11, 20)
        )
        enrolments.append(enrolment)
        counselor = _user(f"tv.{school.slug}")
        employment, qualification, position, until = staff_plan[school.slug]
        services.staff_create(
            actor=None,
            enrolment=enrolment,
            user=counselor,
            full_name=counselor.full_name if counselor else "Cán bộ phụ trách",
            position=position,
            employment=employment,
            qualification=qualification,
            trained=school.slug != "linhnam",
            trained_on=D(2026, 3, 20) if school.slug != "linhnam" else None,
            since=D(2025, 11, 20),
            until=until,
        )
        count += 2

    plan = _task(
        program,
        "Ban hành kế hoạch triển khai Thông tư 18/2025/TT-BGDĐT",
        hanoi,
        D(2025, 10, 20),
        D(2025, 11, 5),
        milestone=True,
    )
    selection = _task(
        program,
        "Rà soát, lựa chọn trường và cán bộ phụ trách tư vấn học đường",
        hanoi,
        D(2025, 11, 5),
        D(2025, 11, 30),
        deps=[plan],
    )
    setup = {
        e.school_id: _task(
            program,
            f"{e.school.name}: kiện toàn tổ tư vấn học đường, bố trí phòng tư vấn",
            e.school,
            D(2025, 12, 1),
            D(2026, 1, 15),
            deps=[selection],
        )
        for e in enrolments
    }
    training = _task(
        program,
        "Tập huấn cán bộ phụ trách tư vấn học đường, công tác xã hội",
        hanoi,
        D(2026, 3, 1),
        D(2026, 3, 31),
        deps=[selection],
        milestone=True,
    )
    supervision = _task(
        program,
        "Kiểm tra, giám sát việc thực hiện tại các trường",
        hanoi,
        D(2026, 4, 1),
        D(2026, 10, 31),
        deps=[training],
    )
    reports = {
        e.school_id: _task(
            program,
            f"{e.school.name}: báo cáo sơ kết năm học 2025–2026",
            e.school,
            D(2026, 5, 15),
            D(2026, 6, 15),
            deps=[setup[e.school_id]],
        )
        for e in enrolments
    }
    _task(
        program,
        "Tổng kết, báo cáo UBND Thành phố và Bộ GD&ĐT; đề xuất Sở Nội vụ bố trí nhân sự",
        hanoi,
        D(2026, 11, 1),
        D(2026, 12, 15),
        deps=[supervision],
        milestone=True,
    )
    count += 6 + len(setup) + len(reports)

    _done(plan, D(2025, 10, 24), "Kế hoạch số 3418/KH-SGDĐT ngày 24/10/2025 (minh họa).")
    _done(selection, D(2025, 11, 20), "Danh sách 3 trường và cán bộ phụ trách kèm công văn.")
    by_slug = {e.school.code.split("-", 1)[1].lower(): e.school_id for e in enrolments}
    for slug in ("trungtu", "linhnam"):
        if slug in by_slug:
            _done(setup[by_slug[slug]], D(2026, 1, 10), "Quyết định thành lập tổ tư vấn học đường.")
    if "minhphu" in by_slug:
        # Started, never finished: overdue since 15/01/2026.
        services.task_status_set(
            actor=None,
            task=setup[by_slug["minhphu"]],
            status=TaskStatus.IN_PROGRESS,
            evidence_note="Đã bố trí phòng; chưa có quyết định thành lập tổ tư vấn.",
        )
    _done(training, D(2026, 3, 20), "Tập huấn ngày 20/3/2026; 2/3 cán bộ phụ trách tham dự.")
    services.task_status_set(actor=None, task=supervision, status=TaskStatus.IN_PROGRESS)
    if "trungtu" in by_slug:
        _done(reports[by_slug["trungtu"]], D(2026, 6, 10), "Báo cáo sơ kết gửi Sở ngày 10/6/2026.")
    return count


GAP_SCHOOLS = ("01-KIMLIEN", "01-PHUONGMAI")


def _ensure_gap_schools(hanoi: OrgUnit) -> int:
    """Two Hà Nội schools with nobody in place yet, so the staffing overview shows gaps."""
    created = 0
    commune = OrgUnit.objects.filter(kind=OrgKind.COMMUNE, code="00235", valid_to=None).first()
    if commune is None:
        return 0
    for code, name, level in (
        ("01-KIMLIEN", "Trường Tiểu học Kim Liên", SchoolLevel.PRIMARY),
        ("01-PHUONGMAI", "Trường THCS Phương Mai", SchoolLevel.LOWER_SECONDARY),
    ):
        if OrgUnit.objects.filter(kind=OrgKind.SCHOOL, code=code, valid_to=None).exists():
            continue
        org_services.org_unit_create(
            actor=None,
            kind=OrgKind.SCHOOL,
            name=name,
            code=code,
            parent=commune,
            school_level=level,
            commune=commune,
            address=commune.name,
            audit_reason="seed_demo",
        )
        created += 1
    return created


@transaction.atomic
def seed_programs() -> int:
    """Seed both programs when missing; returns how many rows were added."""
    ministry = OrgUnit.objects.filter(
        kind=OrgKind.MINISTRY, code=MINISTRY_CODE, valid_to=None
    ).first()
    hanoi = OrgUnit.objects.filter(kind=OrgKind.DEPARTMENT, code="01", valid_to=None).first()
    if ministry is None or hanoi is None:
        return 0
    count = 0
    ministry_officer = _user("bo.vu")
    hanoi_officer = _user("so.hanoi")
    if ministry_officer and not Program.objects.filter(code=PILOT_CODE).exists():
        count += _seed_pilot(ministry, ministry_officer)
    if hanoi_officer and not Program.objects.filter(code=TT18_CODE).exists():
        count += _seed_tt18(hanoi, hanoi_officer)
    count += _ensure_gap_schools(hanoi)
    return count


def pilot_enrolments():
    """The pilot's enrolments (for sibling seeders: trainings, visits)."""
    return Enrolment.objects.filter(program__code=PILOT_CODE).select_related("school", "locality")
