"""Demo directives (idempotent: a second run adds nothing). See docs/directives.md.

1. The Ministry's 2024 pilot plan, sent by bo.vu to the six pilot Departments as they were in
   2024 (Hà Giang and Hòa Bình before they merged into Tuyên Quang and Phú Thọ), linked to the
   program "thi-diem-2024" when the programs demo made it. Two tasks: choose 3 schools at 3
   levels with 1 staff member each (by 29/02/2024), and report the pilot's results (by
   15/09/2024). Most Departments answered: Hà Giang chose its schools late; Hòa Bình never sent
   its results report.
2. Quảng Ngãi's letter 4576/UBND-KGVX of 13/09/2022, signed by the Provincial People's Committee
   and tracked by the Department of Education: "build and issue an implementation plan, report
   by 31/10/2022". In 2022 it went to the districts; districts no longer exist (01/07/2025), so
   five of today's communes of Quảng Ngãi stand in for them. Two answered on time, one late,
   two never did.
3. A current letter of Hà Nội's Department to its three demo schools, due in ten days: Lĩnh Nam
   has answered; Trung Tự and Minh Phú can answer it in the demo (tv.trungtu, bgh.trungtu).

Everything goes through the services (checked, audited); records of the past are then moved
back to their dates, as the survey demo does.
"""

import datetime

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from diemtua.accounts.models import User
from diemtua.accounts.roles import Role
from diemtua.orgs.admin_units import MERGER_LAST_DAY, MINISTRY_CODE
from diemtua.orgs.models import OrgKind, OrgUnit

from . import services
from .models import Assignment, Directive, Submission

PILOT_NUMBER = "1255/KH-BGDĐT"
PILOT_SUBJECT = (
    "Kế hoạch thí điểm mô hình cung cấp dịch vụ công tác xã hội và tư vấn tâm lý trường học "
    "trong việc hỗ trợ, bảo vệ học sinh"
)
PILOT_ISSUED = datetime.date(2024, 1, 31)
PILOT_TASKS = [
    (
        "Lựa chọn 3 cơ sở giáo dục ở 3 cấp học, mỗi trường 1 cán bộ phụ trách — báo cáo trước "
        "29/02/2024",
        datetime.date(2024, 2, 29),
    ),
    ("Báo cáo kết quả thí điểm trước 15/09/2024", datetime.date(2024, 9, 15)),
]
# Department code (as in 2024) → (officer who answers today, day answered per task; None: not).
PILOT_ANSWERS = {
    "01": ("so.hanoi", [datetime.date(2024, 2, 26), datetime.date(2024, 9, 10)]),
    "79": ("so.hcm", [datetime.date(2024, 2, 27), datetime.date(2024, 9, 12)]),
    "02": ("so.tuyenquang", [datetime.date(2024, 3, 6), datetime.date(2024, 9, 13)]),
    "08": ("so.tuyenquang", [datetime.date(2024, 2, 28), datetime.date(2024, 9, 11)]),
    "17": ("so.phutho", [datetime.date(2024, 2, 29), None]),
    "38": ("so.thanhhoa", [datetime.date(2024, 2, 23), datetime.date(2024, 9, 14)]),
}

QN_NUMBER = "4576/UBND-KGVX"
QN_SUBJECT = "V/v tăng cường triển khai công tác hỗ trợ, tư vấn tâm lý cho học sinh phổ thông"
QN_ISSUED = datetime.date(2022, 9, 13)
QN_TASK = (
    "Xây dựng và ban hành Kế hoạch triển khai công tác hỗ trợ tư vấn tâm lý cho học sinh phổ "
    "thông; báo cáo UBND tỉnh trước ngày 31/10/2022"
)
QN_DEADLINE = datetime.date(2022, 10, 31)
# Days the stand-in communes answered (by their order among the five); None: never.
QN_ANSWERS = [
    datetime.date(2022, 10, 20),
    datetime.date(2022, 10, 28),
    datetime.date(2022, 11, 9),
    None,
    None,
]
QN_LETTER = [
    "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI",
    "Số: 4576/UBND-KGVX — Quảng Ngãi, ngày 13 tháng 9 năm 2022",
    "V/v tăng cường triển khai công tác hỗ trợ, tư vấn tâm lý cho học sinh phổ thông",
    "Kính gửi: Các Sở: Giáo dục và Đào tạo, Tài chính, Kế hoạch và Đầu tư, Nội vụ, Y tế, Thông "
    "tin và Truyền thông; UBND các huyện, thị xã, thành phố.",
    "Thực hiện Công văn số 4252/BGDĐT-GDCTHSSV ngày 31/8/2022 của Bộ Giáo dục và Đào tạo về việc "
    "tăng cường triển khai công tác hỗ trợ, tư vấn tâm lý cho học sinh phổ thông, Chủ tịch UBND "
    "tỉnh yêu cầu các cơ quan, đơn vị, địa phương tập trung thực hiện một số nhiệm vụ sau:",
    "1. Sở Giáo dục và Đào tạo, UBND các huyện, thị xã, thành phố: Xây dựng và ban hành Kế hoạch "
    "triển khai công tác hỗ trợ tư vấn tâm lý cho học sinh phổ thông (quy trình, nguyên tắc, "
    "hình thức, nội dung tư vấn tâm lý học đường; đánh giá, khen thưởng; bồi dưỡng năng lực "
    "cho đội ngũ). Thời gian hoàn thành, báo cáo UBND tỉnh trước ngày 31/10/2022. Phối hợp tăng "
    "cường công tác truyền thông; phối hợp với Sở Nội vụ bố trí cán bộ, giáo viên, nhân viên phụ "
    "trách tư vấn tâm lý học đường.",
    "2. Sở Giáo dục và Đào tạo chủ trì tăng cường theo dõi, hướng dẫn, kiểm tra, đánh giá; tổng "
    "hợp, báo cáo UBND tỉnh, Bộ Giáo dục và Đào tạo theo quy định.",
    "3. Các Sở: Nội vụ, Tài chính, Thông tin và Truyền thông phối hợp sắp xếp, bố trí cán bộ; "
    "đảm bảo kinh phí, huy động nguồn lực ngoài ngân sách; tuyên truyền nâng cao nhận thức.",
    "4. Ngành Y tế và các tổ chức chính trị - xã hội phối hợp phòng ngừa, hỗ trợ, can thiệp đối "
    "với học sinh có khó khăn về tâm lý, đảm bảo kịp thời và hiệu quả./.",
    "KT. CHỦ TỊCH — PHÓ CHỦ TỊCH — Võ Phiên",
    "(Bản trình bày lại để minh họa trên hệ thống Điểm Tựa.)",
]

HANOI_NUMBER = "215/SGDĐT-CTHSSV"
HANOI_SUBJECT = "V/v báo cáo việc bố trí phòng tư vấn và cán bộ tư vấn học đường"
HANOI_TASK = (
    "Báo cáo hiện trạng phòng tư vấn, tổ tư vấn học đường và cán bộ phụ trách theo Thông tư "
    "18/2025/TT-BGDĐT (kèm danh sách, biểu mẫu Excel)"
)


def _pdf(lines: list[str]) -> bytes:
    """A small A4 letter in Be Vietnam Pro (the font package ships with the app: no network)."""
    from fpdf import FPDF

    from diemtua.cases.poster import FONT, _fonts

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_creator("Điểm Tựa")
    for style, path in _fonts().items():
        pdf.add_font(FONT, style=style, fname=path)
    pdf.add_page()
    pdf.set_margins(20, 20, 20)
    for index, line in enumerate(lines):
        pdf.set_font(FONT, "B" if index < 3 else "", 12 if index < 3 else 11)
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    return bytes(pdf.output())


def _file(name: str, lines: list[str]) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, _pdf(lines), content_type="application/pdf")


def _user(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), timezone.get_current_timezone())


def _backdate(directive: Directive, *, issued_on: datetime.date, sent_on: datetime.date) -> None:
    Directive.objects.filter(pk=directive.pk).update(issued_on=issued_on, sent_at=_at(sent_on, 9))


def _submit(assignment: Assignment, actor, day: datetime.date, note: str, accept_by=None) -> None:
    """A report through the service, then moved back to the day it came."""
    submission = services.submission_create(actor=actor, assignment=assignment, note=note)
    when = _at(day, 15)
    Submission.objects.filter(pk=submission.pk).update(submitted_at=when)
    Assignment.objects.filter(pk=assignment.pk).update(submitted_at=when, submitted_on=day)
    if accept_by is not None:
        services.assignment_accept(actor=accept_by, assignment=assignment)
        Assignment.objects.filter(pk=assignment.pk).update(
            accepted_at=_at(day + datetime.timedelta(days=2), 9)
        )


def _ensure_user(username: str, full_name: str, role: str, unit: OrgUnit) -> User:
    from diemtua.core.demo import _ensure_user as ensure

    ensure(username, full_name, role, unit, settings.DIEMTUA_DEMO_PASSWORD)
    return User.objects.get(username=username)


def _seed_pilot_plan() -> int:
    ministry = OrgUnit.objects.filter(kind=OrgKind.MINISTRY, code=MINISTRY_CODE).first()
    officer = _user("bo.vu")
    if ministry is None or officer is None:
        return 0
    if Directive.objects.filter(owner=ministry, number_symbol=PILOT_NUMBER).exists():
        return 0
    from diemtua.programs.models import Program

    program = Program.objects.filter(code="thi-diem-2024").first()
    departments = {}
    for code in PILOT_ANSWERS:
        # The units as they were in 2024: Hà Giang (02) and Hòa Bình (17) ended on 30/06/2025.
        unit = (
            OrgUnit.objects.filter(
                kind=OrgKind.DEPARTMENT, code=code, valid_to=MERGER_LAST_DAY
            ).first()
            or OrgUnit.objects.filter(
                kind=OrgKind.DEPARTMENT, code=code, valid_to__isnull=True
            ).first()
        )
        if unit is not None:
            departments[code] = unit
    if not departments:
        return 0
    directive = services.directive_create(
        actor=officer,
        owner=ministry,
        number_symbol=PILOT_NUMBER,
        issued_on=PILOT_ISSUED,
        subject=PILOT_SUBJECT,
        summary=(
            "Thí điểm 6 tháng (02–08/2024) tại 6 địa phương: Hà Nội, TP. Hồ Chí Minh, Hà Giang, "
            "Tuyên Quang, Hòa Bình, Thanh Hóa. Sở GD&ĐT lựa chọn 3 cơ sở giáo dục phổ thông ở 3 "
            "cấp học; mỗi cơ sở chọn 1 cán bộ, giáo viên phụ trách. Tháng 6/2024 Bộ tập huấn, "
            "bồi dưỡng; cuối đợt đánh giá, báo cáo kết quả."
        ),
        program=program,
        document=_file(
            "ke-hoach-thi-diem-2024.pdf",
            [
                "BỘ GIÁO DỤC VÀ ĐÀO TẠO",
                f"Kế hoạch số {PILOT_NUMBER}",
                PILOT_SUBJECT,
                "Thời gian thí điểm: 6 tháng, từ tháng 2 đến tháng 8/2024, tại 6 địa phương.",
                "Từ tháng 2/2024, Sở GD&ĐT lựa chọn 3 cơ sở giáo dục phổ thông ở 3 cấp học; mỗi "
                "cơ sở lựa chọn 1 cán bộ, giáo viên phụ trách công tác xã hội, tư vấn tâm lý.",
                "Tháng 6/2024: tập huấn, bồi dưỡng nghiệp vụ; trao đổi kinh nghiệm.",
                "Khảo sát, kiểm tra, giám sát, hỗ trợ; đánh giá và báo cáo kết quả thí điểm.",
                "(Bản tóm tắt để minh họa trên hệ thống Điểm Tựa.)",
            ],
        ),
        recipients=list(departments.values()),
    )
    tasks = [
        services.task_create(actor=officer, directive=directive, description=text, deadline=day)
        for text, day in PILOT_TASKS
    ]
    services.directive_send(actor=officer, directive=directive)
    _backdate(directive, issued_on=PILOT_ISSUED, sent_on=PILOT_ISSUED)
    notes = [
        "Đã lựa chọn 3 trường (tiểu học, THCS, THPT), mỗi trường 1 cán bộ phụ trách; gửi kèm "
        "quyết định của Sở.",
        "Báo cáo kết quả thí điểm: các trường đã tổ chức tư vấn cá nhân, chuyên đề, sinh hoạt "
        "lớp; kiến nghị duy trì mô hình.",
    ]
    for code, (username, days) in PILOT_ANSWERS.items():
        unit, actor = departments.get(code), _user(username)
        if unit is None or actor is None:
            continue
        for task, day, note in zip(tasks, days, notes, strict=True):
            if day is not None:
                assignment = Assignment.objects.get(task=task, unit=unit)
                _submit(assignment, actor, day, note, accept_by=officer)
    return 1


def _qn_communes(department: OrgUnit) -> list[OrgUnit]:
    return list(
        OrgUnit.objects.filter(
            kind=OrgKind.COMMUNE, parent=department, valid_to__isnull=True
        ).order_by("code")[: len(QN_ANSWERS)]
    )


def _seed_quang_ngai() -> int:
    department = OrgUnit.objects.filter(
        kind=OrgKind.DEPARTMENT, code="51", valid_to__isnull=True
    ).first()
    if department is None:
        return 0
    if Directive.objects.filter(owner=department, number_symbol=QN_NUMBER).exists():
        return 0
    communes = _qn_communes(department)
    if not communes:
        return 0
    officer = _ensure_user("so.quangngai", "Phạm Thị Thu Hà", Role.DEPARTMENT_OFFICER, department)
    # Today's communes cannot receive a letter dated before they existed (01/07/2025): the letter
    # is recorded with today's date, then moved back to 2022 (see the module's docstring).
    today = timezone.localdate()
    directive = services.directive_create(
        actor=officer,
        owner=department,
        number_symbol=QN_NUMBER,
        issued_on=today,
        subject=QN_SUBJECT,
        issuer_name="UBND tỉnh Quảng Ngãi",
        summary=(
            "Thực hiện Công văn số 4252/BGDĐT-GDCTHSSV ngày 31/8/2022 của Bộ GD&ĐT. Ví dụ minh "
            "họa: năm 2022 văn bản gửi UBND các huyện, thị xã, thành phố; từ 01/07/2025 không "
            "còn cấp huyện, nên một số xã, phường hiện nay của tỉnh đứng thay."
        ),
        document=_file("4576-UBND-KGVX.pdf", QN_LETTER),
        recipients=communes,
    )
    task = services.task_create(
        actor=officer, directive=directive, description=QN_TASK, deadline=today
    )
    services.directive_send(actor=officer, directive=directive)
    _backdate(directive, issued_on=QN_ISSUED, sent_on=QN_ISSUED)
    type(task).objects.filter(pk=task.pk).update(deadline=QN_DEADLINE)
    for index, (commune, day) in enumerate(zip(communes, QN_ANSWERS, strict=False)):
        if day is None:
            continue
        actor = _ensure_user(
            f"xa.qn{commune.code}", f"Cán bộ {commune.name}", Role.COMMUNE_OFFICER, commune
        )
        assignment = Assignment.objects.get(task=task, unit=commune)
        _submit(
            assignment,
            actor,
            day,
            "Đã ban hành Kế hoạch triển khai công tác hỗ trợ tư vấn tâm lý cho học sinh trên "
            "địa bàn; gửi kèm kế hoạch."
            if index != 2
            else "Gửi kế hoạch (chậm do bão số 4).",
            accept_by=officer,
        )
    return 1


def _seed_hanoi_schools() -> int:
    department = OrgUnit.objects.filter(
        kind=OrgKind.DEPARTMENT, code="01", valid_to__isnull=True
    ).first()
    officer = _user("so.hanoi")
    schools = list(
        OrgUnit.objects.filter(
            kind=OrgKind.SCHOOL,
            code__in=["01-TRUNGTU", "01-LINHNAM", "01-MINHPHU"],
            valid_to__isnull=True,
        ).order_by("code")
    )
    if department is None or officer is None or not schools:
        return 0
    if Directive.objects.filter(owner=department, number_symbol=HANOI_NUMBER).exists():
        return 0
    today = timezone.localdate()
    directive = services.directive_create(
        actor=officer,
        owner=department,
        number_symbol=HANOI_NUMBER,
        issued_on=today - datetime.timedelta(days=5),
        subject=HANOI_SUBJECT,
        document=_file(
            "215-SGDDT-CTHSSV.pdf",
            [
                "SỞ GIÁO DỤC VÀ ĐÀO TẠO HÀ NỘI",
                f"Số: {HANOI_NUMBER}",
                HANOI_SUBJECT,
                "Kính gửi: Hiệu trưởng các trường Tiểu học Trung Tự, THCS Lĩnh Nam, THPT Minh Phú.",
                "Đề nghị các trường báo cáo hiện trạng phòng tư vấn, tổ tư vấn học đường và cán "
                "bộ phụ trách theo Thông tư 18/2025/TT-BGDĐT.",
                "(Văn bản minh họa trên hệ thống Điểm Tựa.)",
            ],
        ),
        recipients=schools,
    )
    task = services.task_create(
        actor=officer,
        directive=directive,
        description=HANOI_TASK,
        deadline=today + datetime.timedelta(days=10),
    )
    services.directive_send(actor=officer, directive=directive)
    counselor = _user("tv.linhnam")
    linhnam = next((s for s in schools if s.code == "01-LINHNAM"), None)
    if counselor is not None and linhnam is not None:
        services.submission_create(
            actor=counselor,
            assignment=Assignment.objects.get(task=task, unit=linhnam),
            note="Trường có phòng tư vấn riêng (tầng 2 nhà B), tổ tư vấn 7 thành viên, 1 cán bộ "
            "chuyên trách.",
        )
    return 1


@transaction.atomic
def seed_directives() -> int:
    """Seed the three demo directives; returns how many were created this run."""
    # Nobody is told about the records of the past: the services tell only about tasks still
    # open and reports just sent, and these were moved back before the transaction commits.
    return _seed_pilot_plan() + _seed_quang_ngai() + _seed_hanoi_schools()
