"""Tasks given by directives (công văn) and whether each unit reported on time, as the
directives app's tracker counts them: on time = first submitted on or before the deadline."""

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from diemtua.directives.models import Assignment, DirectiveStatus

from .base import Indicator, between, counted, in_units, register

SECTION = _("Thực hiện văn bản chỉ đạo")


def _assignments(period, unit_ids):
    # A draft directive assigns nothing yet.
    qs = Assignment.objects.filter(
        task__directive__status=DirectiveStatus.SENT, **between("task__deadline", period)
    )
    return in_units(qs, "unit_id", unit_ids)


def _due(period, unit_ids):
    return counted(_assignments(period, unit_ids), "unit_id")


def _on_time(period, unit_ids):
    qs = _assignments(period, unit_ids).filter(
        submitted_on__isnull=False, submitted_on__lte=F("task__deadline")
    )
    return counted(qs, "unit_id")


register(
    Indicator(
        code="directive_tasks_due",
        name=_("Nhiệm vụ theo văn bản chỉ đạo đến hạn"),
        description=_(
            "Số nhiệm vụ (mỗi nhiệm vụ giao cho một đơn vị) của các công văn đã gửi có hạn hoàn "
            "thành, báo cáo rơi vào kỳ, tính cho đơn vị được giao."
        ),
        section=SECTION,
        compute=_due,
        sensitive=False,
    )
)

register(
    Indicator(
        code="directive_tasks_on_time",
        name=_("Nhiệm vụ theo văn bản chỉ đạo báo cáo đúng hạn"),
        description=_(
            "Trong số nhiệm vụ có hạn rơi vào kỳ: số nhiệm vụ đơn vị đã nộp báo cáo lần đầu vào "
            "hoặc trước ngày hạn (nộp lại để bổ sung không làm thay đổi)."
        ),
        section=SECTION,
        compute=_on_time,
        sensitive=False,
    )
)
