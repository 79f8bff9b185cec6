"""Safeguarding alerts and child-protection reporting (Law on Children 2016 Art. 54; Decree
56/2017; Circular 33/2018: the school reports a suspected case of abuse, violence or neglect to
the 111 hotline or the competent authority within 12 working hours)."""

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from diemtua.cases.models import ChildProtectionReport, SafeguardingAlert

from .base import Indicator, Kind, counted, datetime_between, distribution, in_units, register

SECTION = _("An toàn, bảo vệ trẻ em")


def _alerts(unit_ids):
    return in_units(SafeguardingAlert.objects.all(), "school_id", unit_ids)


def _raised(period, unit_ids):
    qs = _alerts(unit_ids).filter(**datetime_between("raised_at", period))
    return counted(qs, "school_id", {"alert_reason": "reason", "alert_level": "level"})


def _hours_to_acknowledge(period, unit_ids):
    qs = _alerts(unit_ids).filter(
        acknowledged_at__isnull=False, **datetime_between("raised_at", period)
    )
    pairs = []
    for unit_id, raised, acknowledged in qs.values_list(
        "school_id", "raised_at", "acknowledged_at"
    ):
        seconds = (acknowledged - raised).total_seconds()
        pairs.append((unit_id, max(int(seconds // 3600), 0)))
    return distribution(pairs)


def _reports_due(period, unit_ids):
    qs = _alerts(unit_ids).filter(**datetime_between("report_due_at", period))
    return counted(qs, "school_id")


def _reports_on_time(period, unit_ids):
    in_time = ChildProtectionReport.objects.filter(
        alert=OuterRef("pk"), reported_at__lte=OuterRef("report_due_at")
    )
    qs = (
        _alerts(unit_ids)
        .filter(**datetime_between("report_due_at", period))
        .filter(Exists(in_time))
    )
    return counted(qs, "school_id")


register(
    Indicator(
        code="safeguarding_alerts",
        name=_("Cảnh báo an toàn"),
        description=_(
            "Số cảnh báo an toàn được nêu trong kỳ (theo thời điểm báo): nguy cơ cao, nguy hiểm "
            "tức thời, nghi bị xâm hại, bạo lực hoặc bỏ mặc, hoặc sàng lọc có ý nghĩ tự hại; "
            "theo lý do và cấp cao nhất cảnh báo đã phải chuyển lên (trường, Ban giám hiệu, "
            "Sở) vì chưa được xác nhận kịp."
        ),
        section=SECTION,
        compute=_raised,
        dimensions=("alert_reason", "alert_level"),
    )
)

register(
    Indicator(
        code="hours_to_acknowledge",
        name=_("Số giờ đến khi cảnh báo được xác nhận"),
        description=_(
            "Với các cảnh báo an toàn nêu trong kỳ (theo thời điểm báo) đã được xác nhận: số "
            "giờ tròn (làm tròn xuống) từ lúc báo đến lúc có người xác nhận; dưới một giờ là 0. "
            "Hiển thị trung vị; cảnh báo chưa được xác nhận không được tính."
        ),
        section=SECTION,
        compute=_hours_to_acknowledge,
        kind=Kind.DISTRIBUTION,
        unit_label=_("giờ"),
    )
)

register(
    Indicator(
        code="cp_reports_due",
        name=_("Trường hợp phải báo cáo bảo vệ trẻ em"),
        description=_(
            "Số cảnh báo nghi bị xâm hại, bạo lực hoặc bỏ mặc mà trường phải báo cáo cho Tổng "
            "đài 111 hoặc cơ quan có thẩm quyền, có hạn báo cáo (12 giờ làm việc sau khi nêu "
            "cảnh báo) rơi vào kỳ."
        ),
        section=SECTION,
        compute=_reports_due,
    )
)

register(
    Indicator(
        code="cp_reports_on_time",
        name=_("Báo cáo bảo vệ trẻ em đúng hạn"),
        description=_(
            "Trong số các trường hợp phải báo cáo có hạn rơi vào kỳ: số trường hợp đã có ít "
            "nhất một báo cáo gửi cơ quan có thẩm quyền vào lúc hoặc trước hạn báo cáo."
        ),
        section=SECTION,
        compute=_reports_on_time,
    )
)
