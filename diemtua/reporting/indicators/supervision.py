"""Supervision visits to schools and the follow-up actions they left (the pilot plan's
supervision; Circular 18/2025 Art. 15 on the Departments' inspection and guidance). Counted at
the visited school, so a Department's total is the visits its schools received."""

from django.utils.translation import gettext_lazy as _

from diemtua.visits.models import ActionStatus, FollowUpAction, Visit, VisitStatus

from .base import Indicator, between, counted, in_units, register

SECTION = _("Kiểm tra, giám sát")


def _visits(period, unit_ids):
    qs = Visit.objects.filter(status=VisitStatus.COMPLETED, **between("visited_on", period))
    return counted(in_units(qs, "school_id", unit_ids), "school_id", {"visit_kind": "kind"})


def _followups(period, unit_ids):
    # Actions of a draft visit are not yet sent to the school.
    qs = FollowUpAction.objects.filter(
        visit__status=VisitStatus.COMPLETED, **between("due_on", period)
    )
    return in_units(qs, "visit__school_id", unit_ids)


def _due(period, unit_ids):
    return counted(_followups(period, unit_ids), "visit__school_id")


def _resolved(period, unit_ids):
    qs = _followups(period, unit_ids).filter(status=ActionStatus.VERIFIED)
    return counted(qs, "visit__school_id")


register(
    Indicator(
        code="visits_held",
        name=_("Đợt kiểm tra, giám sát tại trường"),
        description=_(
            "Số đợt khảo sát, kiểm tra, giám sát, hỗ trợ đã hoàn thành có ngày làm việc trong "
            "kỳ, tính cho trường được đến làm việc; theo hình thức."
        ),
        section=SECTION,
        compute=_visits,
        dimensions=("visit_kind",),
        sensitive=False,
    )
)

register(
    Indicator(
        code="followups_due",
        name=_("Việc cần khắc phục đến hạn"),
        description=_(
            "Số việc cần khắc phục sau các đợt làm việc đã hoàn thành, có hạn hoàn thành (hạn "
            "hiện tại, kể cả khi đã gia hạn) rơi vào kỳ, tính cho trường được đến làm việc."
        ),
        section=SECTION,
        compute=_due,
        sensitive=False,
    )
)

register(
    Indicator(
        code="followups_resolved",
        name=_("Việc cần khắc phục đã hoàn thành"),
        description=_(
            "Trong số việc cần khắc phục có hạn rơi vào kỳ: số việc đoàn đã xác nhận hoàn thành "
            "(tính đến lúc cập nhật số liệu, dù xác nhận trước hay sau hạn)."
        ),
        section=SECTION,
        compute=_resolved,
        sensitive=False,
    )
)
