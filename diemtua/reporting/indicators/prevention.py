"""Preventive and awareness activities and communication campaigns (Circular 18/2025 Art. 7;
the Quảng Ngãi 2022 letter's communication to families, schools and society). Activities are
counted where they were organised (a school, a commune, a Department) on their first day, as
the activities app's own totals do."""

from decimal import Decimal

from django.db.models import F, Sum
from django.utils.translation import gettext_lazy as _

from diemtua.activities.models import CAMPAIGN_KINDS, Activity

from .base import Indicator, between, counted, in_units, register, summed_by

SECTION = _("Hoạt động phòng ngừa, truyền thông")


def _held(period, unit_ids):
    return in_units(Activity.objects.all(), "org_unit_id", unit_ids).filter(
        **between("held_on", period)
    )


def _activities(period, unit_ids):
    return counted(
        _held(period, unit_ids),
        "org_unit_id",
        {
            "activity_kind": "kind",
            "target_group": "target_group",
            "content_group": "content_groups",
        },
    )


# School levels are columns of Activity: the participants not counted under a level (parents,
# teachers, the community, or a level nobody filled in) are "unknown", so levels add up.
LEVELS = {
    "primary": "primary_count",
    "lower_secondary": "lower_secondary_count",
    "upper_secondary": "upper_secondary_count",
}


def _participants(period, unit_ids):
    qs = _held(period, unit_ids)
    people = F("male_count") + F("female_count")
    rows = []
    sums = {"male": Sum("male_count"), "female": Sum("female_count")}
    sums.update({level: Sum(column) for level, column in LEVELS.items()})
    for item in qs.values("org_unit_id").annotate(**sums).order_by():
        unit = item["org_unit_id"]
        total = (item["male"] or 0) + (item["female"] or 0)
        if not total:
            continue
        rows.append((unit, "", Decimal(total)))
        for gender in ("male", "female"):
            if item[gender]:
                rows.append((unit, f"gender={gender}", Decimal(item[gender])))
        known = 0
        for level in LEVELS:
            if item[level]:
                known += item[level]
                rows.append((unit, f"school_level={level}", Decimal(item[level])))
        if total - known:
            rows.append((unit, "school_level=unknown", Decimal(total - known)))
    dims = {"activity_kind": "kind", "content_group": "content_groups"}
    rows += [row for row in summed_by(qs, "org_unit_id", people, dims) if row[1]]
    return rows


def _reach(period, unit_ids):
    qs = _held(period, unit_ids).filter(kind__in=CAMPAIGN_KINDS, reach__isnull=False)
    return summed_by(
        qs, "org_unit_id", "reach", {"reach_measure": "reach_measure", "activity_kind": "kind"}
    )


register(
    Indicator(
        code="activities_held",
        name=_("Hoạt động phòng ngừa, truyền thông đã tổ chức"),
        description=_(
            "Số hoạt động (chuyên đề, tiết học, sinh hoạt dưới cờ, câu lạc bộ, diễn đàn, họp "
            "cha mẹ học sinh, sinh hoạt nhóm, chiến dịch truyền thông) có ngày bắt đầu trong "
            "kỳ, tính cho đơn vị tổ chức; theo loại hoạt động, đối tượng và nhóm nội dung."
        ),
        section=SECTION,
        compute=_activities,
        dimensions=("activity_kind", "target_group", "content_group"),
        sensitive=False,
    )
)

register(
    Indicator(
        code="activity_participants",
        name=_("Lượt người tham gia hoạt động"),
        description=_(
            "Tổng số lượt người tham gia (nam + nữ) các hoạt động có ngày bắt đầu trong kỳ, theo "
            "giới tính, cấp học của học sinh tham gia (người không phải học sinh hoặc không ghi "
            "cấp học: “không rõ”), loại hoạt động và nhóm nội dung."
        ),
        section=SECTION,
        compute=_participants,
        dimensions=("gender", "school_level", "activity_kind", "content_group"),
    )
)

register(
    Indicator(
        code="campaign_reach",
        name=_("Lượt tiếp cận của truyền thông"),
        description=_(
            "Tổng số lượt tiếp cận (lượt xem, lượt nghe ước tính, bản in, người được tiếp cận) "
            "do đơn vị ghi cho các hoạt động truyền thông có ngày bắt đầu trong kỳ; theo đơn vị "
            "tính và kênh truyền thông. Các đơn vị tính khác nhau được cộng vào tổng."
        ),
        section=SECTION,
        compute=_reach,
        dimensions=("reach_measure", "activity_kind"),
        sensitive=False,
    )
)
