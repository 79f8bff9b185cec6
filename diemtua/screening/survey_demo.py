"""Demo surveys (idempotent: a second run adds nothing).

1. The Ministry's school-readiness survey of the 2024 pilot (SS_TRUONG), sent in February 2024
   to the 18 pilot schools, answered by 15 of them, closed in March 2024. Answers are believable:
   city schools better equipped than mountain schools, where rooms and budgets were missing.
2. Hà Nội's Department asks its schools' counselors and leadership about their training needs
   (NC_TAPHUAN), due in ten days: Lĩnh Nam and Minh Phú answered, Trung Tự not yet, so
   tv.trungtu and bgh.trungtu can answer it in the demo.

Everything goes through survey_services (audited, checked); the 2024 survey is then moved back
to its dates.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from diemtua.accounts.models import User
from diemtua.accounts.roles import Role
from diemtua.core.demo_data import LOCALITIES
from diemtua.orgs.admin_units import MINISTRY_CODE
from diemtua.orgs.models import OrgKind, OrgUnit

from . import survey_services
from .models import Instrument, Response, Survey, SurveyRecipient

PILOT_TITLE = "Khảo sát điều kiện triển khai mô hình thí điểm tư vấn tâm lý và CTXH năm 2024"
PILOT_SENT = datetime.date(2024, 2, 26)
PILOT_DEADLINE = datetime.date(2024, 3, 15)
PILOT_CLOSED = datetime.date(2024, 3, 22)
# Pilot schools that never sent their form back (by login suffix).
PILOT_SILENT = {"dongvan", "maichau", "bathuoc"}
# Mountain schools of Hà Giang and Hòa Bình (2024): fewer rooms and budgets.
REMOTE = {"lungcu", "dongvan", "chuyenhagiang", "dongtien", "maichau", "hoangvanthu"}
DIFFICULTIES = [
    "Chưa có phòng tư vấn riêng, đang dùng chung phòng thư viện.",
    "Cán bộ tư vấn kiêm nhiệm, thiếu thời gian; đề nghị bồi dưỡng chuyên môn.",
    "Học sinh dân tộc thiểu số ngại chia sẻ; cần tài liệu, tờ rơi bằng tiếng dân tộc.",
    "Chưa có kinh phí riêng cho hoạt động tư vấn, phải lồng ghép vào hoạt động Đội, Đoàn.",
    "Cha mẹ học sinh đi làm ăn xa, khó phối hợp khi học sinh cần hỗ trợ.",
    "",
]

NEEDS_TITLE = "Khảo sát nhu cầu bồi dưỡng cán bộ tư vấn học đường, Hà Nội"
NEEDS_ANSWERED = {
    "tv.linhnam": {
        "role": 2,
        "years": 3,
        "trained": 1,
        "topics": [2, 3, 6],
        "format": 3,
        "comment": "Mong có buổi thực hành xử lý tình huống học sinh tự gây thương tích.",
    },
    "tv.minhphu": {
        "role": 1,
        "years": 6,
        "trained": 1,
        "topics": [3, 5, 7],
        "format": 1,
        "comment": "Cần hướng dẫn cách ghi hồ sơ chuyển gửi sang bệnh viện.",
    },
}


def _user(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()


def _readiness(slug: str, level: str) -> dict:
    """Believable answers of one pilot school, the same on every run."""
    rng = random.Random(f"SS_TRUONG:{slug}")  # noqa: S311 (demo data, not secrets)
    remote = slug in REMOTE
    has = lambda chance: 1 if rng.random() < chance else 0  # noqa: E731
    team = has(0.7 if remote else 0.95)
    staff = has(0.75 if remote else 0.95)
    answers = {
        "team": team,
        "room": has(0.25 if remote else 0.75),
        "staff": staff,
        "staffing": (1 if level == "upper_secondary" and not remote else 2) if staff else 3,
        "staff_count": rng.randint(1, 2) if remote else rng.randint(2, 5),
        "plan": has(0.6 if remote else 0.9),
        "records": has(0.5 if remote else 0.85),
        "budget": has(0.15 if remote else 0.5),
        "channels": sorted(
            {1, *([2] if rng.random() < 0.6 else []), *([3] if rng.random() < 0.5 else [])}
            | ({4} if not remote and rng.random() < 0.5 else set())
        ),
    }
    difficulty = DIFFICULTIES[rng.randrange(len(DIFFICULTIES))]
    if remote and not difficulty:
        difficulty = DIFFICULTIES[2]
    if difficulty:
        answers["difficulties"] = difficulty
    return answers


def _pilot_schools() -> list[tuple[OrgUnit, str]]:
    codes = {
        f"{locality.code_2024}-{school.slug.upper()}": school.slug
        for locality in LOCALITIES
        for school in locality.schools
    }
    units = OrgUnit.objects.filter(kind=OrgKind.SCHOOL, code__in=codes, valid_to__isnull=True)
    return sorted(((u, codes[u.code]) for u in units), key=lambda pair: pair[0].code)


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), timezone.get_current_timezone())


def _seed_pilot_survey() -> int:
    ministry = OrgUnit.objects.filter(kind=OrgKind.MINISTRY, code=MINISTRY_CODE).first()
    officer = _user("bo.vu")
    schools = _pilot_schools()
    if ministry is None or officer is None or not schools:
        return 0
    if Survey.objects.filter(owner=ministry, title=PILOT_TITLE).exists():
        return 0
    version = Instrument.objects.get(code="SS_TRUONG").current_version()
    survey = survey_services.survey_create(
        actor=officer,
        owner=ministry,
        version=version,
        title=PILOT_TITLE,
        instructions=(
            "Đề nghị nhà trường trả lời theo tình hình thực tế tại thời điểm bắt đầu thí điểm. "
            "Kết quả dùng để Bộ GD&ĐT chuẩn bị nội dung tập huấn tháng 6/2024."
        ),
        deadline=timezone.localdate(),
        schools=[unit for unit, _slug in schools],
    )
    recipients = {r.unit_id: r for r in survey.recipients.all()}
    for offset, (unit, slug) in enumerate(schools):
        respondent = _user(f"tv.{slug}")
        if slug in PILOT_SILENT or respondent is None:
            continue
        response = survey_services.survey_respond(
            actor=respondent,
            recipient=recipients[unit.pk],
            answers=_readiness(slug, unit.school_level),
        )
        answered = _at(PILOT_SENT + datetime.timedelta(days=3 + offset % 14), 9 + offset % 7)
        Response.objects.filter(pk=response.pk).update(submitted_at=answered)
        SurveyRecipient.objects.filter(pk=response.recipient_id).update(responded_at=answered)
    # The reminders the Ministry sent before the deadline, and the survey's own dates.
    survey.recipients.filter(responded_at__isnull=True).update(
        last_reminded_at=_at(PILOT_DEADLINE - datetime.timedelta(days=3), 8)
    )
    Survey.objects.filter(pk=survey.pk).update(
        deadline=PILOT_DEADLINE,
        created_at=_at(PILOT_SENT, 10),
        closed_at=_at(PILOT_CLOSED, 16),
    )
    return 1


def _seed_training_needs() -> int:
    department = OrgUnit.objects.filter(
        kind=OrgKind.DEPARTMENT, code="01", valid_to__isnull=True
    ).first()
    officer = _user("so.hanoi")
    if department is None or officer is None:
        return 0
    if Survey.objects.filter(owner=department, title=NEEDS_TITLE).exists():
        return 0
    survey = survey_services.survey_create(
        actor=officer,
        owner=department,
        version=Instrument.objects.get(code="NC_TAPHUAN").current_version(),
        title=NEEDS_TITLE,
        instructions="Mỗi thầy/cô trả lời một phiếu, để Sở xây dựng nội dung tập huấn hè.",
        deadline=timezone.localdate() + datetime.timedelta(days=10),
        schools=list(
            OrgUnit.objects.filter(
                kind=OrgKind.SCHOOL,
                valid_to__isnull=True,
                ancestor_links__ancestor=department,
            )
        ),
        staff_roles=[Role.SCHOOL_LEAD],
    )
    for username, answers in NEEDS_ANSWERED.items():
        recipient = survey.recipients.filter(user__username=username).first()
        if recipient is not None:
            survey_services.survey_respond(
                actor=recipient.user, recipient=recipient, answers=answers
            )
    return 1


@transaction.atomic
def seed_surveys() -> int:
    """The demo's two surveys; returns how many were added (0 on a second run)."""
    return _seed_pilot_survey() + _seed_training_needs()
