"""Demo visits: the 2024 pilot's supervision by the Ministry and the Departments, and a visit
of this school year by the Hà Nội Department with its follow-up actions in every state.

Idempotent: a pilot visit is identified by its unit, school, kind and day (fixed dates in 2024);
this year's visit by its unit, school and kind within the school year, so a second run (even
on another day) adds nothing. Everything goes through services.py, as a person would do it, so
the audit trail and the notifications are those of real use. The photo is a small PNG made by
code (nothing is downloaded), stored under a fixed name.
"""

import datetime
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from diemtua.accounts.models import User
from diemtua.activities.demo import _png
from diemtua.core import uploads
from diemtua.orgs.models import OrgKind, OrgUnit, OrgUnitAncestor
from diemtua.programs.models import Program

from . import services
from .models import Checklist, Visit, VisitKind, VisitPhoto


@dataclass(frozen=True)
class PilotVisit:
    visitor: str  # login of the officer who records it
    unit: tuple[str, str]  # (kind, code) of the visiting unit
    school: str  # school code
    counselor: str  # login of the school's counselor, who answers the actions
    kind: str
    day: datetime.date
    scores: dict
    findings: str
    recommendations: str
    actions: tuple[tuple[str, int], ...]  # (description, days after the visit)
    photo: bool = False


FULL = dict.fromkeys(
    ("team", "staff", "room", "plan", "activities", "records", "reports", "partners"), 2
)

PILOT_VISITS = [
    PilotVisit(
        "bo.vu", ("ministry", "BGDDT"), "01-LINHNAM", "tv.linhnam", VisitKind.SUPERVISION,
        datetime.date(2024, 5, 14), {**FULL, "room": 1, "records": 1},
        "Nhà trường đã thành lập tổ tư vấn, phân công 01 giáo viên kiêm nhiệm phụ trách; tổ chức "
        "chuyên đề và câu lạc bộ kỹ năng sống đều đặn. Phòng tư vấn dùng chung với phòng y tế, "
        "chưa bảo đảm kín đáo; sổ theo dõi tư vấn ghi chưa đầy đủ.",
        "Bố trí phòng tư vấn riêng; hoàn thiện sổ theo dõi theo mẫu; niêm yết số 111.",
        (("Bố trí phòng tư vấn riêng, kín đáo, có lịch mở cửa", 45),
         ("Hoàn thiện sổ theo dõi tư vấn theo mẫu của kế hoạch thí điểm", 30)),
        photo=True,
    ),
    PilotVisit(
        "so.hanoi", ("department", "01"), "01-MINHPHU", "tv.minhphu", VisitKind.SUPERVISION,
        datetime.date(2024, 4, 9), {**FULL, "plan": 1, "partners": 1},
        "Cán bộ phụ trách nhiệt tình, học sinh biết đến phòng tư vấn. Kế hoạch thí điểm chưa "
        "phân công cụ thể; chưa có đầu mối phối hợp với trạm y tế và công an xã.",
        "Bổ sung phân công trong kế hoạch; ký quy chế phối hợp với trạm y tế, công an xã.",
        (("Bổ sung phân công cụ thể vào kế hoạch thí điểm", 21),
         ("Thống nhất đầu mối phối hợp với trạm y tế, công an xã", 40)),
    ),
    PilotVisit(
        "so.hcm", ("department", "79"), "79-KIMDONG", "tv.kimdong", VisitKind.SUPPORT,
        datetime.date(2024, 3, 20), {**FULL, "activities": 1, "reports": 1},
        "Trường mới bắt đầu thí điểm; đoàn hướng dẫn cách ghi sổ theo dõi, cách tổ chức sinh "
        "hoạt nhóm cho học sinh tiểu học. Báo cáo tháng 3 gửi chậm.",
        "Tổ chức ít nhất 02 chuyên đề mỗi tháng; gửi báo cáo đúng hạn.",
        (("Xây dựng lịch chuyên đề tháng 4–5/2024", 14),),
    ),
    PilotVisit(
        "so.thanhhoa", ("department", "38"), "38-TRANMAININH", "tv.tranmaininh",
        VisitKind.INSPECTION, datetime.date(2024, 6, 25), FULL,
        "Nhà trường thực hiện đầy đủ các nội dung của kế hoạch thí điểm; hồ sơ lưu giữ, bảo mật "
        "tốt; đã phối hợp với Bệnh viện Tâm thần tỉnh trong 02 trường hợp.",
        "Chia sẻ kinh nghiệm với các trường thí điểm khác của tỉnh.",
        (("Chuẩn bị báo cáo chia sẻ kinh nghiệm tại hội nghị sơ kết của Sở", 30),),
    ),
]  # fmt: skip

CURRENT = {
    "visitor": "so.hanoi",
    "unit": ("department", "01"),
    "school": "01-TRUNGTU",
    "counselor": "tv.trungtu",
    "scores": {"team": 2, "room": 2, "staff_trained": 1, "plan": 2, "activities": 1,
               "records": 2, "reports": 1, "partners": 1},
    "findings": "Nhà trường đã kiện toàn tổ tư vấn học đường theo Thông tư 18/2025, phòng tư vấn "
                "riêng, có lịch mở cửa và số 111. Cán bộ tư vấn kiêm nhiệm chưa được bồi dưỡng "
                "theo chương trình mới; hoạt động nhóm nội dung hướng nghiệp, chính sách pháp "
                "luật còn ít; báo cáo học kỳ gửi chậm.",
    "recommendations": "Cử cán bộ tham gia bồi dưỡng; bổ sung chuyên đề theo 7 nhóm nội dung; "
                       "gửi báo cáo học kỳ I đúng hạn; ký kết phối hợp với Trạm y tế phường.",
}  # fmt: skip
# (description, days from today for the deadline, answered)
CURRENT_ACTIONS = [
    ("Cử cán bộ tư vấn tham gia lớp bồi dưỡng theo Thông tư 18/2025", 10, True),
    ("Gửi báo cáo công tác tư vấn học đường tháng 10 còn thiếu", -5, False),
    ("Tổ chức chuyên đề hướng nghiệp, chính sách pháp luật cho học sinh khối 5", 25, False),
]
PHOTO = ("anh-giam-sat-phong-tu-van.png", "visits/demo-giam-sat-phong-tu-van.png")


def _unit(kind: str, code: str) -> OrgUnit | None:
    return OrgUnit.objects.filter(kind=kind, code=code, valid_to__isnull=True).first()


def _program(code: str, school: OrgUnit) -> Program | None:
    """The demo program, when it exists and applies to the school (its owner is above it)."""
    program = Program.objects.filter(code=code).first()
    if (
        program
        and OrgUnitAncestor.objects.filter(
            ancestor_id=program.owner_id, descendant_id=school.pk
        ).exists()
    ):
        return program
    return None


def _checklist(day: datetime.date):
    for code in ("TT18_2025", "THIDIEM_2024"):
        checklist = Checklist.objects.filter(code=code).first()
        version = checklist.current_version() if checklist else None
        if version and version.applies_on(day):
            return version
    return None


def _photo(visit: Visit, actor) -> None:
    """A loader, not a user action: a fixed name, so seeding again reuses the file."""
    original, stored = PHOTO
    content = _png()
    kind = uploads.check_upload(SimpleUploadedFile(original, content), allowed={"png"})
    storage = uploads.storage()
    if not storage.exists(stored):
        stored = storage.save(stored, SimpleUploadedFile(original, content))
    if VisitPhoto.objects.filter(stored_name=stored).exists():
        return
    VisitPhoto.objects.create(
        visit=visit, stored_name=stored, original_name=original, file_kind=kind.code,
        content_type=kind.content_type, size=len(content), uploaded_by=actor,
        caption="Phòng tư vấn dùng chung với phòng y tế",
    )  # fmt: skip


def _record(*, visitor, unit, school, kind, day, scores, findings, recommendations, program):
    checklist = _checklist(day)
    if checklist is None:
        return None
    visit = services.visit_create(
        actor=visitor, visiting_unit=unit, school=school, kind=kind, visited_on=day,
        checklist=checklist, program=program,
        team=f"{visitor.full_name} (trưởng đoàn)" if getattr(visitor, "full_name", "") else "",
    )  # fmt: skip
    codes = [c["code"] for c in checklist.criteria]
    services.visit_update(
        actor=visitor,
        visit=visit,
        scores={code: (scores.get(code, 1), "") for code in codes},
        findings=findings,
        recommendations=recommendations,
    )
    return visit


def _seed_pilot(users) -> int:
    created = 0
    for spec in PILOT_VISITS:
        unit, school = _unit(*spec.unit), _unit(OrgKind.SCHOOL, spec.school)
        visitor, counselor = users.get(spec.visitor), users.get(spec.counselor)
        if None in (unit, school, visitor, counselor):
            continue
        if Visit.objects.filter(
            visiting_unit=unit, school=school, kind=spec.kind, visited_on=spec.day
        ).exists():
            continue
        visit = _record(
            visitor=visitor, unit=unit, school=school, kind=spec.kind, day=spec.day,
            scores=spec.scores, findings=spec.findings, recommendations=spec.recommendations,
            program=_program("thi-diem-2024", school),
        )  # fmt: skip
        if visit is None:
            continue
        actions = [
            services.action_create(
                actor=visitor,
                visit=visit,
                description=text,
                due_on=spec.day + datetime.timedelta(days=days),
            )  # fmt: skip
            for text, days in spec.actions
        ]
        if spec.photo:
            _photo(visit, visitor)
        services.visit_complete(actor=visitor, visit=visit)
        for action in actions:
            services.action_answer(
                actor=counselor, action=action,
                text="Nhà trường đã thực hiện xong; minh chứng lưu tại hồ sơ tổ tư vấn.",
            )  # fmt: skip
            services.action_verify(actor=visitor, action=action, comment="Đã kiểm tra minh chứng.")
        created += 1
    return created


def _school_year_start(today: datetime.date) -> datetime.date:
    return datetime.date(today.year if today.month >= 9 else today.year - 1, 9, 1)


def _seed_current(users) -> int:
    today = timezone.localdate()
    unit, school = _unit(*CURRENT["unit"]), _unit(OrgKind.SCHOOL, CURRENT["school"])
    visitor, counselor = users.get(CURRENT["visitor"]), users.get(CURRENT["counselor"])
    if None in (unit, school, visitor, counselor):
        return 0
    if Visit.objects.filter(
        visiting_unit=unit, school=school, kind=VisitKind.SUPERVISION,
        visited_on__gte=_school_year_start(today),
    ).exists():  # fmt: skip
        return 0
    day = today - datetime.timedelta(days=30)
    visit = _record(
        visitor=visitor, unit=unit, school=school, kind=VisitKind.SUPERVISION, day=day,
        scores=CURRENT["scores"], findings=CURRENT["findings"],
        recommendations=CURRENT["recommendations"],
        program=_program("tt18-2025-2026", school),
    )  # fmt: skip
    if visit is None:
        return 0
    actions = [
        (
            services.action_create(
                actor=visitor,
                visit=visit,
                description=text,
                due_on=today + datetime.timedelta(days=days),
                owner_name="Tổ tư vấn học đường",
            ),
            answered,
        )  # fmt: skip
        for text, days, answered in CURRENT_ACTIONS
    ]
    services.visit_complete(actor=visitor, visit=visit)
    for action, answered in actions:
        if answered:
            services.action_answer(
                actor=counselor, action=action,
                text="Nhà trường đã cử cô phụ trách tư vấn đăng ký lớp bồi dưỡng của Sở; "
                     "gửi kèm quyết định cử cán bộ.",
            )  # fmt: skip
    return 1


def seed_visits() -> int:
    """Pilot visits of 2024 and this school year's Hà Nội visit; returns how many were added."""
    users = {u.username: u for u in User.objects.filter(username__in=_logins())}
    return _seed_pilot(users) + _seed_current(users)


def _logins() -> set[str]:
    names = {CURRENT["visitor"], CURRENT["counselor"]}
    for spec in PILOT_VISITS:
        names |= {spec.visitor, spec.counselor}
    return names
