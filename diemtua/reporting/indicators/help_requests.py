"""Help requests received at a school (Circular 18/2025 Art. 6: the ways students ask for help)."""

from django.db.models import Case, CharField, Value, When
from django.utils.translation import gettext_lazy as _

from diemtua.cases.models import HelpRequest

from .base import Indicator, counted, datetime_between, in_units, register

SECTION = _("Tiếp nhận yêu cầu hỗ trợ")


def _received(period, unit_ids):
    qs = in_units(HelpRequest.objects.all(), "school_id", unit_ids).filter(
        **datetime_between("created_at", period)
    )
    qs = qs.annotate(
        _urgency=Case(
            When(is_urgent=True, then=Value("urgent")),
            default=Value("normal"),
            output_field=CharField(),
        )
    )
    return counted(
        qs,
        "school_id",
        {
            "channel": "channel",
            "urgency": "_urgency",
            "anonymous": "is_anonymous",
            "requester": "requester",
            "content_group": "content_groups",
        },
    )


register(
    Indicator(
        code="help_requests",
        name=_("Yêu cầu hỗ trợ đã nhận"),
        description=_(
            "Số yêu cầu hỗ trợ trường nhận được trong kỳ qua mọi kênh (trang xin giúp đỡ qua "
            "mã QR hoặc đường dẫn, giáo viên báo, cán bộ tư vấn ghi nhận, kết quả sàng lọc), "
            "theo ngày nhận; theo kênh, mức độ gấp, ẩn danh hay không, người hỏi và nhóm nội "
            "dung (một yêu cầu có thể thuộc nhiều nhóm nội dung)."
        ),
        section=SECTION,
        compute=_received,
        dimensions=("channel", "urgency", "anonymous", "requester", "content_group"),
    )
)
