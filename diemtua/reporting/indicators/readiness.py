"""School readiness: a counseling team, a private room and a plan (Circular 18/2025 Art. 11 and
13; the 2024 pilot's supervision checklist), as the latest supervision visit found them."""

from decimal import Decimal

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from diemtua.visits.models import ChecklistVersion, VisitScore, VisitStatus

from .base import Indicator, in_units, register

SECTION = _("Điều kiện của nhà trường")


def _max_scores(criterion: str) -> dict[int, int]:
    """The full mark of the criterion in each checklist version that has it."""
    marks = {}
    for version_id, definition in ChecklistVersion.objects.values_list("pk", "definition"):
        for item in definition.get("criteria", []):
            if item.get("code") == criterion:
                marks[version_id] = item.get("max_score")
    return marks


def latest_scores(criterion: str, day, unit_ids=None):
    """For each school, the score of `criterion` on its latest completed visit on or before
    `day` that scored it (latest by visit day, then completion time, then number)."""
    scored = VisitScore.objects.filter(
        criterion=criterion,
        score__isnull=False,
        visit__status=VisitStatus.COMPLETED,
        visit__visited_on__lte=day,
    )
    latest = scored.filter(visit__school_id=OuterRef("visit__school_id")).order_by(
        "-visit__visited_on", "-visit__completed_at", "-visit_id"
    )
    qs = in_units(scored, "visit__school_id", unit_ids).filter(pk=Subquery(latest.values("pk")[:1]))
    return qs.values_list(
        "visit__school_id", "visit__checklist_id", "score", "visit__school__school_level"
    )


def _schools_meeting(criterion: str):
    def compute(period, unit_ids):
        marks = _max_scores(criterion)
        rows = []
        for school, version, score, level in latest_scores(criterion, period.ends_on, unit_ids):
            if marks.get(version) is not None and score >= marks[version]:
                rows.append((school, "", Decimal(1)))
                rows.append((school, f"school_level={level or 'unknown'}", Decimal(1)))
        return rows

    return compute


# Described in full for each (a lazy string cannot be formatted at import time).
DEFINITIONS = [
    (
        "schools_with_team",
        "team",
        _("Trường có tổ tư vấn"),
        _(
            "Mỗi trường tính 1 nếu đợt kiểm tra, giám sát đã hoàn thành gần nhất có ngày làm "
            "việc đến hết ngày cuối kỳ (không cần trong kỳ) và có chấm tiêu chí “tổ tư vấn” "
            "(mã team: đã thành lập tổ tư vấn) cho tiêu chí này điểm tối đa (mức “Đạt”). Trường "
            "chưa có đợt nào chấm tiêu chí này không được tính. Theo cấp học của trường."
        ),
    ),
    (
        "schools_with_private_room",
        "room",
        _("Trường có phòng tư vấn riêng"),
        _(
            "Mỗi trường tính 1 nếu đợt kiểm tra, giám sát đã hoàn thành gần nhất có ngày làm "
            "việc đến hết ngày cuối kỳ (không cần trong kỳ) và có chấm tiêu chí “phòng tư vấn” "
            "(mã room: phòng tư vấn riêng, bảo đảm kín đáo) cho tiêu chí này điểm tối đa (mức "
            "“Đạt”). Trường chưa có đợt nào chấm tiêu chí này không được tính. Theo cấp học của "
            "trường."
        ),
    ),
    (
        "schools_with_plan",
        "plan",
        _("Trường có kế hoạch tư vấn"),
        _(
            "Mỗi trường tính 1 nếu đợt kiểm tra, giám sát đã hoàn thành gần nhất có ngày làm "
            "việc đến hết ngày cuối kỳ (không cần trong kỳ) và có chấm tiêu chí “kế hoạch” (mã "
            "plan: nhà trường đã ban hành kế hoạch) cho tiêu chí này điểm tối đa (mức “Đạt”). "
            "Trường chưa có đợt nào chấm tiêu chí này không được tính. Theo cấp học của trường."
        ),
    ),
]

for code, criterion, name, description in DEFINITIONS:
    register(
        Indicator(
            code=code,
            name=name,
            description=description,
            section=SECTION,
            compute=_schools_meeting(criterion),
            dimensions=("school_level",),
            sensitive=False,
        )
    )
