"""The building blocks of indicator definitions (see reporting/indicators/__init__.py)."""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

# One computed number: (unit id, disaggregation key, value). The key is "" for the total,
# "gender=female" for one value of one dimension, "bucket=3" for a distribution bucket.
Row = tuple[int, str, Decimal]


class Kind:
    COUNT = "count"  # summed up the tree; 1–4 suppressed above the school when sensitive
    AMOUNT = "amount"  # money or hours: summed, never suppressed (not a count of people)
    DISTRIBUTION = "distribution"  # bucket rows; shown as the median of the summed buckets


@dataclass(frozen=True)
class Dimension:
    """A disaggregation. `additive`: every record falls in exactly one value, so the values
    add up to the total (a subtraction could then reveal a hidden cell: see suppression.py).
    Content groups are not additive: a request may touch several."""

    code: str
    label: str
    additive: bool
    labels: Callable[[], dict[str, str]] = field(default=dict, compare=False)


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    description: str
    section: str
    compute: Callable  # (period, unit_ids: list[int] | None) -> Iterable[Row]
    kind: str = Kind.COUNT
    dimensions: tuple[str, ...] = ()
    # Counts of children, families or help-seeking are suppressed from 1 to 4 above the
    # school. Counts of schools, staff, documents or visits are not about children.
    sensitive: bool = True
    unit_label: str = ""


_REGISTRY: dict[str, Indicator] = {}


def register(indicator: Indicator) -> Indicator:
    if indicator.code in _REGISTRY:
        raise ValueError(f"indicator {indicator.code} defined twice")
    for dimension in indicator.dimensions:
        if dimension not in DIMENSIONS:
            raise ValueError(f"indicator {indicator.code}: unknown dimension {dimension}")
    _REGISTRY[indicator.code] = indicator
    return indicator


def get(code: str) -> Indicator:
    return _REGISTRY[code]


def all_indicators() -> list[Indicator]:
    return list(_REGISTRY.values())


def _choices(text_choices) -> Callable[[], dict[str, str]]:
    return lambda: {value: label for value, label in text_choices.choices}


def _content_groups() -> dict[str, str]:
    from diemtua.cases.models import ContentGroup

    return {str(g.pk): g.plain_label or g.name for g in ContentGroup.objects.all()}


def _grades() -> dict[str, str]:
    return {str(g): _("Lớp %(grade)s") % {"grade": g} for g in range(1, 13)}


def _instruments() -> dict[str, str]:
    from diemtua.screening.models import Instrument

    labels = {}
    for instrument in Instrument.objects.prefetch_related("versions"):
        latest = max(instrument.versions.all(), key=lambda v: v.number, default=None)
        labels[instrument.code] = latest.title if latest else instrument.code
    return labels


def _yes_no(yes, no) -> Callable[[], dict[str, str]]:
    return lambda: {"yes": str(yes), "no": str(no)}


def _lazy_dimensions() -> dict[str, Dimension]:
    from diemtua.activities.models import ActivityKind, ReachMeasure, TargetGroup
    from diemtua.cases.models import (
        AlertLevel,
        AlertReason,
        Outcome,
        RequestChannel,
        Requester,
        SessionForm,
    )
    from diemtua.funding.models import Purpose, Source
    from diemtua.orgs.models import SchoolLevel
    from diemtua.programs.models import Employment, Qualification
    from diemtua.referrals.models import Urgency
    from diemtua.students.models import Gender
    from diemtua.trainings.models import Mode
    from diemtua.visits.models import VisitKind

    return {
        "gender": Dimension("gender", _("Giới tính"), True, _choices(Gender)),
        "grade": Dimension("grade", _("Khối lớp"), True, _grades),
        "ethnicity": Dimension("ethnicity", _("Dân tộc"), True, dict),
        "school_level": Dimension("school_level", _("Cấp học"), True, _choices(SchoolLevel)),
        "content_group": Dimension("content_group", _("Nhóm nội dung"), False, _content_groups),
        "channel": Dimension("channel", _("Kênh tiếp nhận"), True, _choices(RequestChannel)),
        "requester": Dimension("requester", _("Người hỏi"), True, _choices(Requester)),
        "urgency": Dimension(
            "urgency",
            _("Mức độ"),
            True,
            lambda: {"urgent": str(_("Gấp")), "normal": str(_("Không gấp"))},
        ),
        "anonymous": Dimension(
            "anonymous", _("Ẩn danh"), True, _yes_no(_("Ẩn danh"), _("Có danh tính"))
        ),
        "form": Dimension("form", _("Hình thức"), True, _choices(SessionForm)),
        "referral_urgency": Dimension(
            "referral_urgency", _("Mức độ khẩn"), True, _choices(Urgency)
        ),
        # Added with the indicator definitions (issue 8).
        "outcome": Dimension("outcome", _("Kết quả hỗ trợ"), True, _choices(Outcome)),
        "alert_reason": Dimension("alert_reason", _("Lý do cảnh báo"), True, _choices(AlertReason)),
        "alert_level": Dimension(
            "alert_level",
            _("Cấp phải xác nhận"),
            True,
            lambda: {str(value): str(label) for value, label in AlertLevel.choices},
        ),
        "activity_kind": Dimension(
            "activity_kind", _("Loại hoạt động"), True, _choices(ActivityKind)
        ),
        "target_group": Dimension("target_group", _("Đối tượng"), True, _choices(TargetGroup)),
        "reach_measure": Dimension(
            "reach_measure", _("Đơn vị tính lượt tiếp cận"), True, _choices(ReachMeasure)
        ),
        "instrument": Dimension("instrument", _("Bảng hỏi"), True, _instruments),
        "employment": Dimension(
            "employment", _("Chuyên trách/kiêm nhiệm"), True, _choices(Employment)
        ),
        "qualification": Dimension("qualification", _("Chuyên môn"), True, _choices(Qualification)),
        "training_mode": Dimension("training_mode", _("Hình thức tập huấn"), True, _choices(Mode)),
        "visit_kind": Dimension("visit_kind", _("Hình thức làm việc"), True, _choices(VisitKind)),
        "funding_source": Dimension("funding_source", _("Nguồn kinh phí"), True, _choices(Source)),
        "funding_purpose": Dimension("funding_purpose", _("Mục đích chi"), True, _choices(Purpose)),
    }


class _Dimensions(dict):
    """Dimension definitions, built on first use (their labels read other apps' models)."""

    def _load(self):
        if not super().__len__():
            self.update(_lazy_dimensions())

    def __getitem__(self, key):
        self._load()
        return super().__getitem__(key)

    def __contains__(self, key):
        self._load()
        return super().__contains__(key)

    def get(self, key, default=None):
        self._load()
        return super().get(key, default)


DIMENSIONS = _Dimensions()


# --- helpers for compute functions -------------------------------------------------------


def in_units(qs: QuerySet, unit_field: str, unit_ids: list[int] | None) -> QuerySet:
    return qs if unit_ids is None else qs.filter(**{f"{unit_field}__in": unit_ids})


def between(field_name: str, period) -> dict:
    """Filter kwargs for a date (or datetime, by local date) field inside the period."""
    return {f"{field_name}__range": (period.starts_on, period.ends_on)}


def datetime_between(field_name: str, period) -> dict:
    from django.utils import timezone

    tz = timezone.get_current_timezone()
    first = datetime.datetime.combine(period.starts_on, datetime.time.min, tzinfo=tz)
    after = datetime.datetime.combine(
        period.ends_on + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
    )
    return {f"{field_name}__gte": first, f"{field_name}__lt": after}


def counted(
    qs: QuerySet,
    unit_field: str,
    dimensions: dict[str, str] | None = None,
    *,
    distinct: str = "pk",
    total: bool = True,
) -> list[Row]:
    """Total count per unit plus one row per value of each dimension.

    `dimensions` maps a dimension code to the field (or annotation) holding its value;
    `distinct` is what is counted (e.g. "student" to count students, not sessions).
    Empty values are filed under "unknown" so additive dimensions still add up.
    """
    rows: list[Row] = []
    measure = Count(distinct, distinct=True)
    if total:
        for item in qs.values(unit_field).annotate(n=measure).order_by():
            if item["n"]:
                rows.append((item[unit_field], "", Decimal(item["n"])))
    for code, expression in (dimensions or {}).items():
        grouped = qs.annotate(_dim=F(expression)).values(unit_field, "_dim").annotate(n=measure)
        for item in grouped.order_by():
            if not item["n"]:
                continue
            value = item["_dim"]
            if isinstance(value, bool):
                value = "yes" if value else "no"
            key = "unknown" if value in (None, "") else str(value)
            rows.append((item[unit_field], f"{code}={key}", Decimal(item["n"])))
    return rows


def summed(qs: QuerySet, unit_field: str, amount: str) -> list[Row]:
    rows = []
    for item in qs.values(unit_field).annotate(total=Sum(amount)).order_by():
        if item["total"]:
            rows.append((item[unit_field], "", Decimal(item["total"])))
    return rows


def distribution(pairs: Iterable[tuple[int, int]]) -> list[Row]:
    """Bucket rows from (unit id, whole-number measure) pairs: one row per unit and bucket,
    plus the unit's count as its total row, so medians stay exact at every level."""
    buckets: dict[tuple[int, int], int] = {}
    totals: dict[int, int] = {}
    for unit_id, measure in pairs:
        buckets[(unit_id, measure)] = buckets.get((unit_id, measure), 0) + 1
        totals[unit_id] = totals.get(unit_id, 0) + 1
    rows: list[Row] = [(unit, "", Decimal(n)) for unit, n in totals.items()]
    rows += [(unit, f"bucket={m}", Decimal(n)) for (unit, m), n in buckets.items()]
    return rows


def median_of_buckets(buckets: dict[int, Decimal]) -> Decimal | None:
    """The median of a distribution given as {measure: count}."""
    n = sum(buckets.values())
    if not n:
        return None
    ordered = sorted(buckets.items())

    def nth(position: int) -> int:  # 0-based position in the sorted measures
        seen = 0
        for measure, count in ordered:
            seen += count
            if position < seen:
                return measure
        return ordered[-1][0]

    if n % 2:
        return Decimal(nth(int(n // 2)))
    return (Decimal(nth(int(n // 2) - 1)) + Decimal(nth(int(n // 2)))) / 2


def flag(field_name: str, yes: str = "yes", no: str = "no"):
    """An annotation turning a boolean field into a dimension value ("urgent"/"normal")."""
    from django.db.models import Case, CharField, Value, When

    return Case(
        When(**{field_name: True}, then=Value(yes)), default=Value(no), output_field=CharField()
    )


def local_day(value: datetime.datetime | datetime.date | None) -> datetime.date | None:
    """The day a timestamp falls on where the school is (settings.TIME_ZONE)."""
    from django.utils import timezone

    if value is None or not isinstance(value, datetime.datetime):
        return value
    return timezone.localdate(value) if timezone.is_aware(value) else value.date()


def day_end(day: datetime.date) -> datetime.datetime:
    """The first instant after `day`, local time: "on or before day" is `< day_end(day)`."""
    from django.utils import timezone

    tz = timezone.get_current_timezone()
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)


def summed_by(
    qs: QuerySet, unit_field: str, amount, dimensions: dict[str, str] | None = None
) -> list[Row]:
    """Like `summed`, plus one row per value of each dimension (empty values → "unknown").

    `amount` is a field name or an expression (e.g. the hours a participation credits)."""
    measure = Sum(amount) if not isinstance(amount, str) else Sum(F(amount))
    rows: list[Row] = []
    for item in qs.values(unit_field).annotate(total=measure).order_by():
        if item["total"]:
            rows.append((item[unit_field], "", Decimal(item["total"])))
    for code, expression in (dimensions or {}).items():
        grouped = qs.annotate(_dim=F(expression)).values(unit_field, "_dim").annotate(total=measure)
        for item in grouped.order_by():
            if not item["total"]:
                continue
            key = "unknown" if item["_dim"] in (None, "") else str(item["_dim"])
            rows.append((item[unit_field], f"{code}={key}", Decimal(item["total"])))
    return rows


def tallied(items: Iterable[tuple[int, dict[str, str]]]) -> list[Row]:
    """Rows from records already read into Python: (unit id, {dimension: value}) per record,
    one record counting once in the total and once under each of its dimensions' values."""
    counts: dict[tuple[int, str], int] = {}
    for unit_id, dims in items:
        counts[(unit_id, "")] = counts.get((unit_id, ""), 0) + 1
        for code, value in dims.items():
            key = f"{code}={'unknown' if value in (None, '') else value}"
            counts[(unit_id, key)] = counts.get((unit_id, key), 0) + 1
    return [(unit, key, Decimal(n)) for (unit, key), n in counts.items()]


def added(*parts: Iterable[Row]) -> list[Row]:
    """Rows of several computations for the same indicator, summed by unit and key."""
    totals: dict[tuple[int, str], Decimal] = {}
    for part in parts:
        for unit_id, key, value in part:
            totals[(unit_id, key)] = totals.get((unit_id, key), Decimal(0)) + value
    return [(unit, key, value) for (unit, key), value in totals.items() if value]
