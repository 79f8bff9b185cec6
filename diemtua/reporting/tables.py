"""Dashboard tables: what a reader sees for a unit or a program, built once for the page and
again, identically, for the page's xlsx export (issue 8, "the xlsx has the same totals as the
dashboard").

Values come from reporting.aggregate (exact). Unless the reader sees the unit exactly
(access.sees_exact: the school's own counselors and leadership), every count of a sensitive
indicator then goes through reporting.suppression:
- a group of cells that add up to a shown total is protected together (`protect`): the units
  of a drill-down column with the unit's total, the values of an additive disaggregation with
  the total, the months of a trend with the period's total; content groups are not additive
  (a request may touch several), so their cells are protected one by one (`single`);
- one total belongs to several groups on a page (headline, drill-down, each disaggregation,
  trend). It is shown only when every group can show it: if one group had to hide it, it is
  hidden everywhere (hiding more never reveals more). All groups of every indicator are
  computed whatever section or indicator the reader picked, so a figure looks the same in
  every view of the page and in its exports;
- a distribution (days to first contact…) is shown as its median with its count n; the median
  is hidden whenever its n is hidden, "—" when n is 0;
- the comparison period is protected the same way (the same function, as if its own page were
  open), and a change is shown only when both sides are;
- amounts (money, hours) and counts that are not about children are shown as they are.
Charts carry exactly the numbers of the table they draw (null where a cell is hidden).
"""

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from diemtua.core.local_cache import LocalCache
from diemtua.orgs.models import OrgKind, OrgUnit

from . import aggregate, suppression
from . import subtree as subtree_totals
from .history import TreeOnDay
from .indicators import DIMENSIONS, all_indicators
from .indicators.base import Indicator, Kind, median_of_buckets
from .models import IndicatorValue, Period, PeriodKind, SubtreeTotal
from .periods import (
    get_period,
    month_code,
    period_label,
    previous_period,
    program_period,
    school_year_code,
    school_year_of,
    semester_code,
    semester_of,
)
from .suppression import COMPLEMENTARY, PRIMARY, Cell

ZERO = Decimal(0)
# How many indicators of a section the drill-down shows side by side.
MAX_COLUMNS = 6
# The platform's data start with the 2024 pilot (school year 2023-2024).
FIRST_SCHOOL_YEAR = 2023
BORDERS = ("then", "today")


# --- sections and indicators ----------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """Indicators shown together. The key is the code of the section's first indicator: it
    stays the same in every language, unlike the section's label."""

    key: str
    label: str
    indicators: tuple[Indicator, ...]

    @property
    def columns(self) -> tuple[Indicator, ...]:
        return self.indicators[:MAX_COLUMNS]


def sections() -> list[Section]:
    grouped: dict[str, list[Indicator]] = {}
    for indicator in all_indicators():
        grouped.setdefault(str(indicator.section), []).append(indicator)
    return [
        Section(key=items[0].code, label=label, indicators=tuple(items))
        for label, items in grouped.items()
    ]


def is_protected(indicator: Indicator, exact: bool) -> bool:
    """Whether this indicator's counts go through suppression for this reader."""
    return not exact and indicator.sensitive and indicator.kind != Kind.AMOUNT


# --- periods -------------------------------------------------------------------------------

# re.ASCII: without it \d also matches "２０２６" (full-width digits), which int() reads, so
# "２０２６-１０" made a second Period for October 2026 on a plain GET (security review).
_MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
_SEMESTER = re.compile(r"(\d{4})-(\d{4})-HK([12])", re.ASCII)
_YEAR = re.compile(r"(\d{4})-(\d{4})", re.ASCII)
_PROGRAM = re.compile(r"program-(\d{1,18})", re.ASCII)


class BadPeriod(ValueError):
    pass


def _year_ok(year: int, today: datetime.date) -> bool:
    return 2000 <= year <= school_year_of(today) + 1


def period_for_code(code: str, *, today: datetime.date, programs: Mapping[int, object]) -> Period:
    """The period a code names (created on first use); BadPeriod for anything else.

    Program periods are accepted only for the programs offered on the page."""
    code = (code or "").strip()
    if match := _PROGRAM.fullmatch(code):
        program = programs.get(int(match[1]))
        if program is None:
            raise BadPeriod(code)
        return program_period(program)
    if match := _SEMESTER.fullmatch(code):
        first = int(match[1])
        if int(match[2]) == first + 1 and _year_ok(first, today):
            return get_period(PeriodKind.SEMESTER, code)
    elif match := _YEAR.fullmatch(code):
        first = int(match[1])
        if int(match[2]) == first + 1 and _year_ok(first, today):
            return get_period(PeriodKind.SCHOOL_YEAR, code)
    elif match := _MONTH.fullmatch(code):
        year, month = int(match[1]), int(match[2])
        if 1 <= month <= 12 and _year_ok(year, today):
            return get_period(PeriodKind.MONTH, code)
    raise BadPeriod(code)


def default_period(today: datetime.date, unit: OrgUnit | None = None) -> Period:
    """The current semester, or the school year in the summer break. For a unit that ended
    (a merged province), the last school year it worked in."""
    if unit is not None and unit.valid_to and unit.valid_to < today:
        return get_period(PeriodKind.SCHOOL_YEAR, school_year_code(school_year_of(unit.valid_to)))
    semester = semester_of(today)
    if semester:
        return get_period(PeriodKind.SEMESTER, semester)
    return get_period(PeriodKind.SCHOOL_YEAR, school_year_code(school_year_of(today)))


def period_options(today: datetime.date, programs=()) -> list[tuple[str, list[tuple[str, str]]]]:
    """The period select: semesters and school years since 2023-2024, the months of this and
    the previous school year, and program periods. Labels only: no period is created."""
    this_year = school_year_of(today)
    semesters, years, months = [], [], []
    for start in range(this_year, FIRST_SCHOOL_YEAR - 1, -1):
        years.append(
            (school_year_code(start), _label(PeriodKind.SCHOOL_YEAR, school_year_code(start)))
        )
        for number in (2, 1):
            code = semester_code(start, number)
            first = datetime.date(start, 9, 1) if number == 1 else datetime.date(start + 1, 1, 16)
            if first <= today:
                semesters.append((code, _label(PeriodKind.SEMESTER, code)))
    day = datetime.date(today.year, today.month, 1)
    while day >= datetime.date(this_year - 1, 9, 1):
        months.append((month_code(day), _label(PeriodKind.MONTH, month_code(day), day)))
        day = (day - datetime.timedelta(days=1)).replace(day=1)
    groups = [
        (_("Học kỳ"), semesters),
        (_("Năm học"), years),
        (_("Tháng"), months),
    ]
    program_rows = [
        (
            f"program-{program.pk}",
            str(
                period_label(
                    Period(
                        kind=PeriodKind.PROGRAM,
                        code=f"program-{program.pk}",
                        starts_on=program.starts_on,
                        ends_on=program.ends_on,
                        program=program,
                    )
                )
            ),
        )
        for program in programs
    ]
    if program_rows:
        groups.append((_("Chương trình"), program_rows))
    return groups


def _label(kind: str, code: str, first: datetime.date | None = None) -> str:
    return str(period_label(Period(kind=kind, code=code, starts_on=first)))


def months_of(period: Period) -> list[Period]:
    """The months a semester, school year or program spans (the trend's points)."""
    if period.kind == PeriodKind.MONTH:
        return []
    codes = []
    day = period.starts_on.replace(day=1)
    while day <= period.ends_on:
        codes.append(month_code(day))
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    known = {p.code: p for p in Period.objects.filter(code__in=codes)}
    return [known.get(code) or get_period(PeriodKind.MONTH, code) for code in codes]


# --- reading the page's choices -------------------------------------------------------------


@dataclass
class Params:
    """What the reader chose (period, comparison, borders, section, indicator), validated."""

    period: Period
    compare: Period | None
    borders: str
    section: Section
    indicator: Indicator
    errors: list[str] = field(default_factory=list)
    # "" when comparing with the period just before (the default), "none", or a period code.
    compare_choice: str = ""

    @property
    def as_today(self) -> bool:
        return self.borders == "today"

    def values(self, **changes) -> dict[str, str]:
        values = {
            "period": self.period.code,
            "compare": self.compare_choice,
            "borders": self.borders,
            "section": self.section.key,
            "indicator": self.indicator.code,
        }
        values.update(changes)
        return values

    def query(self, **changes) -> str:
        return urlencode(self.values(**changes))


def _text(query: Mapping, name: str) -> str:
    value = query.get(name, "")
    return str(value if value is not None else "").strip()[:64]


def parse_params(
    query: Mapping,
    *,
    today: datetime.date,
    programs: Mapping[int, object],
    default: Period,
) -> Params:
    """Read the GET parameters (or an export job's params). Anything unknown falls back to the
    default with a Vietnamese message; nothing here raises."""
    errors: list[str] = []
    period = default
    code = _text(query, "period")
    if code:
        try:
            period = period_for_code(code, today=today, programs=programs)
        except BadPeriod:
            errors.append(
                _("Không có kỳ báo cáo “%(code)s”. Đang hiển thị %(default)s.")
                % {"code": code, "default": period_label(default)}
            )
    compare_code = _text(query, "compare")
    compare_choice = compare_code
    compare = previous_period(period) if not compare_code else None
    if compare_code and compare_code != "none":
        try:
            compare = period_for_code(compare_code, today=today, programs=programs)
            compare_choice = compare.code
        except BadPeriod:
            compare, compare_choice = previous_period(period), ""
            errors.append(
                _("Không có kỳ so sánh “%(code)s”; so sánh với kỳ liền trước.")
                % {"code": compare_code}
            )
    borders = _text(query, "borders") or "then"
    if borders not in BORDERS:
        errors.append(_("Cách tính địa giới không hợp lệ; dùng địa giới tại thời điểm đó."))
        borders = "then"
    all_sections = sections()
    by_key = {s.key: s for s in all_sections}
    indicators = {i.code: i for s in all_sections for i in s.indicators}
    section_key = _text(query, "section")
    indicator_code = _text(query, "indicator")
    section = by_key.get(section_key)
    if section is None and section_key in indicators:
        # A section may be named by any of its indicators (a link from a report, a bookmark).
        section = next(s for s in all_sections if indicators[section_key] in s.indicators)
    if section_key and section is None:
        errors.append(_("Không có nhóm chỉ số “%(key)s”.") % {"key": section_key})
    indicator = indicators.get(indicator_code)
    if indicator_code and indicator is None:
        errors.append(_("Không có chỉ số “%(code)s”.") % {"code": indicator_code})
    if section is None:
        section = next((s for s in all_sections if indicator in s.indicators), all_sections[0])
    if indicator not in section.indicators:
        indicator = section.indicators[0]
    return Params(period, compare, borders, section, indicator, errors, compare_choice)


# --- what a table holds ---------------------------------------------------------------------


@dataclass
class Shown:
    """One displayed cell. `number` is what the xlsx writes and the chart draws; it is None
    whenever the cell is hidden or empty. `kind`: count, n, median, amount, delta, text."""

    text: str
    number: Decimal | None = None
    marker: str = ""
    kind: str = "count"
    sensitive: bool = False

    @property
    def hidden(self) -> bool:
        return bool(self.marker)

    @property
    def chart_value(self) -> float | None:
        return None if self.number is None else float(self.number)


@dataclass
class Column:
    label: str
    kind: str = "count"
    code: str = ""


@dataclass
class Row:
    label: str
    cells: list[Shown]
    url: str = ""
    note: str = ""
    total: bool = False
    heading: bool = False
    level: int = 0
    extra: list[str] = field(default_factory=list)  # text columns after the numbers


@dataclass
class Table:
    key: str
    title: str
    label_header: str
    columns: list[Column]
    rows: list[Row]
    note: str = ""
    extra_headers: list[str] = field(default_factory=list)


def _from_cell(cell: Cell, *, kind: str, sensitive: bool) -> Shown:
    if cell.marker:
        return Shown(cell.display(), None, cell.marker, kind, sensitive)
    if cell.value is None:
        return Shown("—", None, "", kind, sensitive)
    return Shown(cell.display(), cell.value, "", kind, sensitive)


def _format(value: Decimal) -> str:
    return suppression.exact(value).display()


def _delta(current: Shown, previous: Shown | None) -> Shown:
    """The change between two shown values: only when both are shown."""
    if previous is None or current.number is None or previous.number is None:
        return Shown("", None, "", "delta")
    change = current.number - previous.number
    if change > 0:
        text = "+" + _format(change)
    elif change < 0:
        text = "−" + _format(-change)
    else:
        text = "0"
    # Written as text ("+3") in exports: it is a difference of two shown figures, not a count.
    return Shown(text, change, "", "delta")


# --- protecting the figures of one unit and period ------------------------------------------


def _hidden_total(total: Decimal) -> Cell:
    return Cell(None, PRIMARY if suppression.is_small(total) else COMPLEMENTARY)


def _group(indicator: Indicator, exact: bool, values: list, total, *, additive=True):
    """Cells of one group plus its total, protected as this reader needs."""
    if not is_protected(indicator, exact):
        return [suppression.exact(v) for v in values], suppression.exact(total)
    if additive:
        return suppression.protect(values, total)
    return [suppression.single(v) for v in values], suppression.single(total)


def protect_with_hidden(values: list, total, hidden: set[int]) -> tuple[list[Cell], Cell]:
    """suppression.protect() when some cells must be hidden anyway (they are hidden in another
    table: a locality's subtotal that its own group hid). A forced cell of 5 or more counts as
    a complementary one. More cells (or the total) are hidden, smallest first as in protect(),
    until neither a small cell nor a forced one can be recovered by subtraction: recovering
    the forced one would undo its own group's protection."""
    numbers = [Decimal(v or 0) for v in values]
    cells, total_cell = suppression.protect(numbers, total)
    if not hidden:
        return cells, total_cell
    markers = [c.marker for c in cells]
    for index in hidden:
        if not markers[index] and numbers[index] > 0:
            markers[index] = PRIMARY if suppression.is_small(numbers[index]) else COMPLEMENTARY
    total_marker = total_cell.marker if total_cell else ""

    def pinned() -> bool:
        # What a reader can still deduce of each hidden cell.
        ranges = suppression.deducible_ranges(numbers, markers, Decimal(total))
        return any(
            low == high and (markers[i] == PRIMARY or i in hidden)
            for i, (low, high) in ranges.items()
        )

    while not total_marker and pinned():
        candidates = [i for i, m in enumerate(markers) if not m and numbers[i] > 0]
        if not candidates:
            total_marker = COMPLEMENTARY
            break
        markers[min(candidates, key=lambda i: numbers[i])] = COMPLEMENTARY
    cells = [Cell(None, m) if m else Cell(n) for n, m in zip(numbers, markers, strict=True)]
    total_cell = Cell(None, total_marker) if total_marker else Cell(Decimal(total))
    return cells, total_cell


def _buckets(values: Mapping, code: str) -> dict[int, Decimal]:
    found = {}
    for (indicator, key), value in values.items():
        if indicator == code and key.startswith("bucket="):
            try:
                found[int(key[7:])] = value
            except ValueError:
                continue
    return found


def _median(cell: Cell, values: Mapping, code: str) -> Shown:
    """A distribution's median, shown only where its n is shown and is not 0."""
    if cell.marker:
        return Shown(cell.display(), None, cell.marker, "median")
    if not cell.value:
        return Shown("—", None, "", "median")
    median = median_of_buckets(_buckets(values, code))
    if median is None:
        return Shown("—", None, "", "median")
    return Shown(_format(median), median, "", "median")


def dimension_keys(indicator: Indicator, *value_maps: Mapping) -> dict[str, list[str]]:
    """dimension → its values present in any of the maps, sorted (a stable order, so the same
    cells are chosen for complementary hiding on the page and in its export)."""
    found: dict[str, set[str]] = {d: set() for d in indicator.dimensions}
    for values in value_maps:
        for code, key in values:
            if code != indicator.code or "=" not in key:
                continue
            dim, value = key.split("=", 1)
            if dim in found:
                found[dim].add(value)
    return {dim: sorted(present) for dim, present in found.items()}


def dimension_labels(dim: str) -> dict[str, str]:
    labels = {str(k): str(v) for k, v in DIMENSIONS[dim].labels().items()}
    labels.setdefault("unknown", _("Không rõ"))
    return labels


@dataclass
class Figures:
    """Exact values of one unit for one period, everything a page may show."""

    unit: OrgUnit
    period: Period
    tree: TreeOnDay
    totals: dict
    children: list[OrgUnit] = field(default_factory=list)
    own_row: bool = False
    child_values: dict = field(default_factory=dict)
    months: list[Period] = field(default_factory=list)
    month_values: list[dict] = field(default_factory=list)
    # {child id: {month period id: {(indicator, ""): value}}}: each child's own trend, and
    # {child id: {unit under it: {(indicator, ""): value}}}: its own drill-down, to know what
    # the child's own page hides (_hidden_on_own_pages).
    child_month_values: dict = field(default_factory=dict)
    grandchild_values: dict = field(default_factory=dict)

    @property
    def drill_ids(self) -> list[int]:
        return [c.pk for c in self.children] + ([self.unit.pk] if self.own_row else [])


def gather(
    unit: OrgUnit, period: Period, *, as_today: bool, today: datetime.date | None = None
) -> Figures:
    """Read the values of a unit's page for one period (a bounded number of queries)."""
    tree = aggregate.tree_for(period, as_today=as_today)
    figures = Figures(
        unit=unit,
        period=period,
        tree=tree,
        totals=aggregate.unit_totals(unit, period, disaggregations=None, tree=tree),
    )
    if unit.kind != OrgKind.SCHOOL:
        # Every disaggregation of every child (one query): the drill-down reads the totals
        # and the buckets, and _hidden_on_own_pages the rest (what each child's page hides).
        values = aggregate.child_totals(unit, period, disaggregations=None, tree=tree)
        children = aggregate.children_on(unit, period, tree)
        known = {c.pk for c in children} | {unit.pk}
        # A unit with values that is not a child on record (dates at the edge of the
        # period): it stays a row, so the column still adds up to the total.
        missing = [pk for pk in values if pk not in known]
        if missing:
            children += list(OrgUnit.objects.filter(pk__in=missing).order_by("search_name"))
        figures.children = children
        figures.own_row = bool(values.get(unit.pk))
        figures.child_values = values
    months = months_of(period)
    moved_itself = unit.pk in tree.parent_then or unit.pk in tree.moved_ids()
    if figures.children and months and not moved_itself:
        # The children's trends add up to the unit's: one query for both.
        figures.child_month_values = child_month_totals(unit, months, tree)
        unit_months = [
            _sum_values([trend.get(m.pk, {}) for trend in figures.child_month_values.values()])
            for m in months
        ]
    else:
        unit_months = month_totals(unit, months, tree)
    for month, values in zip(months, unit_months, strict=True):
        if today is not None and month.starts_on > today and not any(values.values()):
            continue  # a month still to come, with nothing in it: not a point of the trend
        figures.months.append(month)
        figures.month_values.append(values)
    if figures.children and tree.is_today and any(c.kind != OrgKind.SCHOOL for c in children):
        figures.grandchild_values = grandchild_totals(unit, period)
    return figures


def grandchild_totals(unit: OrgUnit, period: Period) -> dict:
    """{child id: {unit under the child (or the child's own records): {(indicator, ""):
    value}}} in one query, today's tree only (a period with moved units leaves it out:
    _hidden_on_own_pages then works without the child's drill-down)."""
    from django.db.models import Sum

    from diemtua.orgs.models import OrgUnitAncestor

    result: dict[int, dict[int, dict]] = {}
    own = IndicatorValue.objects.filter(
        org_unit__parent=unit, period=period, disaggregation=""
    ).values_list("org_unit_id", "indicator", "value")
    for child_id, code, value in own:
        result.setdefault(child_id, {}).setdefault(child_id, {})[(code, "")] = value
    if subtree_totals.usable([period], None):
        below = SubtreeTotal.objects.filter(
            org_unit__parent__parent=unit, period=period, disaggregation=""
        ).values_list("org_unit__parent_id", "org_unit_id", "indicator", "value")
        for child_id, grandchild_id, code, value in below:
            result.setdefault(child_id, {}).setdefault(grandchild_id, {})[(code, "")] = value
        return result
    links = OrgUnitAncestor.objects.filter(
        ancestor__parent__parent=unit,
        descendant__indicator_values__period=period,
        descendant__indicator_values__disaggregation="",
    )
    rows = links.values(
        "ancestor__parent_id", "ancestor_id", "descendant__indicator_values__indicator"
    ).annotate(v=Sum("descendant__indicator_values__value"))
    for row in rows.order_by():
        cells = result.setdefault(row["ancestor__parent_id"], {}).setdefault(row["ancestor_id"], {})
        key = (row["descendant__indicator_values__indicator"], "")
        cells[key] = cells.get(key, ZERO) + row["v"]
    return result


def child_month_totals(unit: OrgUnit, months: list[Period], tree: TreeOnDay) -> dict:
    """{child id: {month id: {(indicator, key): value}}}: the trend of each unit of the
    drill-down (totals and distribution buckets), the same rule as aggregate.child_totals,
    in one query plus one per unit that moved (the unit itself has not moved)."""
    from django.db.models import Q, Sum

    from diemtua.orgs.models import OrgUnitAncestor

    ids = [m.pk for m in months]
    result: dict[int, dict[int, dict]] = {}

    def add(child_id, period_id, code, key, value):
        cell = result.setdefault(child_id, {}).setdefault(period_id, {})
        cell[(code, key)] = cell.get((code, key), ZERO) + value

    wanted = Q(disaggregation="") | Q(disaggregation__startswith="bucket=")
    moved = tree.moved_ids()
    if unit.pk not in moved:
        own = IndicatorValue.objects.filter(wanted, org_unit=unit, period_id__in=ids)
        for row in own.values_list("period_id", "indicator", "disaggregation", "value"):
            add(unit.pk, *row)
    if subtree_totals.usable(months, tree):
        below = SubtreeTotal.objects.filter(wanted, org_unit__parent=unit, period_id__in=ids)
        for row in below.values_list(
            "org_unit_id", "period_id", "indicator", "disaggregation", "value"
        ):
            add(*row)
        return result
    links = OrgUnitAncestor.objects.filter(
        Q(descendant__indicator_values__disaggregation="")
        | Q(descendant__indicator_values__disaggregation__startswith="bucket="),
        ancestor__parent=unit,
        descendant__indicator_values__period_id__in=ids,
    )
    if moved:
        links = links.exclude(descendant_id__in=moved).exclude(ancestor_id__in=moved)
    rows = links.values(
        "ancestor_id",
        "descendant__indicator_values__period_id",
        "descendant__indicator_values__indicator",
        "descendant__indicator_values__disaggregation",
    ).annotate(v=Sum("descendant__indicator_values__value"))
    for row in rows.order_by():
        add(
            row["ancestor_id"],
            row["descendant__indicator_values__period_id"],
            row["descendant__indicator_values__indicator"],
            row["descendant__indicator_values__disaggregation"],
            row["v"],
        )
    for moved_unit, child_id in tree.moved_units_under(unit.pk).items():
        subtree = tree.moved_subtrees.get(moved_unit, {moved_unit})
        extra = IndicatorValue.objects.filter(wanted, period_id__in=ids, org_unit_id__in=subtree)
        grouped = extra.values("period_id", "indicator", "disaggregation").annotate(v=Sum("value"))
        for row in grouped.order_by():
            add(child_id, row["period_id"], row["indicator"], row["disaggregation"], row["v"])
    return result


def month_totals(unit: OrgUnit, months: list[Period], tree: TreeOnDay) -> list[dict]:
    """aggregate.unit_totals() of each month, totals and distribution buckets only, in two
    queries instead of two per month. The same rule as aggregate.unit_totals (everything under
    the unit through the closure table, units that moved counted where they sat in `tree`);
    test_tables checks both agree."""
    if not months:
        return []
    from django.db.models import Q, Sum

    by_period: dict[int, dict] = {m.pk: {} for m in months}
    wanted = Q(disaggregation="") | Q(disaggregation__startswith="bucket=")
    if subtree_totals.usable(months, tree):
        rows = SubtreeTotal.objects.filter(wanted, org_unit=unit, period__in=months)
        for period_id, code, key, value in rows.values_list(
            "period_id", "indicator", "disaggregation", "value"
        ):
            by_period[period_id][(code, key)] = value
        return [by_period[m.pk] for m in months]
    base = IndicatorValue.objects.filter(
        Q(disaggregation="") | Q(disaggregation__startswith="bucket="), period__in=months
    )
    current = base.filter(org_unit__ancestor_links__ancestor=unit)
    moved = tree.moved_ids()
    if moved:
        current = current.exclude(org_unit_id__in=moved)
    extra: set[int] = set()
    for moved_unit in tree.moved_units_under(unit.pk):
        extra |= tree.moved_subtrees.get(moved_unit, {moved_unit})
    if unit.pk in tree.parent_then or unit.pk in moved:
        extra |= tree.moved_subtrees.get(unit.pk, {unit.pk})
    queries = [current] + ([base.filter(org_unit_id__in=extra)] if extra else [])
    for rows in queries:
        grouped = rows.values("period_id", "indicator", "disaggregation").annotate(v=Sum("value"))
        for row in grouped.order_by():
            values = by_period[row["period_id"]]
            key = (row["indicator"], row["disaggregation"])
            values[key] = values.get(key, ZERO) + row["v"]
    return [by_period[m.pk] for m in months]


@dataclass
class Protected:
    """The protected cells of one indicator in one period."""

    indicator: Indicator
    total: Cell
    children: dict[int, Cell] = field(default_factory=dict)
    dims: dict[str, dict[str, Cell]] = field(default_factory=dict)
    months: list[Cell] = field(default_factory=list)


def protect_figures(
    figures: Figures, exact: bool, *, own_pages: bool = True
) -> dict[str, Protected]:
    """Every indicator's cells for one period, with one visibility per total (module doc).

    `own_pages`: a unit of the drill-down whose own page hides its total is hidden in the
    drill-down too (_hidden_on_own_pages)."""
    result = {}
    forced = _hidden_on_own_pages(figures) if own_pages and not exact else {}
    keys_by_indicator = {}
    for indicator in all_indicators():
        keys_by_indicator[indicator.code] = dimension_keys(indicator, figures.totals)
    for indicator in all_indicators():
        code = indicator.code
        total = figures.totals.get((code, ""), ZERO)
        totals_shown = [suppression.single(total) if is_protected(indicator, exact) else None]
        entry = Protected(indicator=indicator, total=suppression.exact(total))
        if figures.children or figures.own_row:
            ids = figures.drill_ids
            values = [figures.child_values.get(pk, {}).get((code, ""), ZERO) for pk in ids]
            hidden = {i for i, pk in enumerate(ids) if pk in forced.get(code, ())}
            if hidden and is_protected(indicator, exact):
                cells, total_cell = protect_with_hidden(values, total, hidden)
            else:
                cells, total_cell = _group(indicator, exact, values, total)
            entry.children = dict(zip(ids, cells, strict=True))
            totals_shown.append(total_cell)
        for dim, dim_keys in keys_by_indicator[code].items():
            values = [figures.totals.get((code, f"{dim}={k}"), ZERO) for k in dim_keys]
            additive = DIMENSIONS[dim].additive
            cells, total_cell = _group(indicator, exact, values, total, additive=additive)
            entry.dims[dim] = dict(zip(dim_keys, cells, strict=True))
            totals_shown.append(total_cell)
        if figures.months:
            values = [m.get((code, ""), ZERO) for m in figures.month_values]
            cells, total_cell = _group(indicator, exact, values, total)
            entry.months = cells
            totals_shown.append(total_cell)
        if any(cell is not None and cell.hidden for cell in totals_shown):
            entry.total = _hidden_total(total)
        result[code] = entry
    if not exact:
        _small_not_broken_down(result)
        settle_page(figures, result, forced)
    return result


def _hidden_on_own_pages(figures: Figures) -> dict[str, set[int]]:
    """{indicator code: ids of the drill-down's units whose own page hides their total}.

    Security review: a school's page hid its total ("×") so that its "<5" rows stay unknown,
    while the department's drill-down showed the same total in the school's row — open
    both pages and the "<5" is back (50 such pairs on the demo, e.g. Hà Nội → THPT Minh
    Phú, open cases at the end of 2026-2027 HK I). Each child's page is worked out here from
    the figures already read (its disaggregations, months and drill-down) and its hidden
    totals are hidden in the drill-down as well, protected like any hidden cell.
    Known limits (docs/reporting.md): the child's page is worked out without what its own
    children's pages hide in turn; a period with moved units leaves its drill-down out; a
    child's page hiding a total only because the parent's page does is not covered."""
    forced: dict[str, set[int]] = {}
    months = figures.months
    for child in figures.children:
        values = figures.child_values.get(child.pk)
        if not values:
            continue
        trend = figures.child_month_values.get(child.pk, {})
        below = figures.grandchild_values.get(child.pk, {})
        page = Figures(
            unit=child,
            period=figures.period,
            tree=figures.tree,
            totals=values,
            children=[OrgUnit(pk=pk) for pk in below if pk != child.pk],
            own_row=child.pk in below,
            child_values=below,
            months=list(months),
            month_values=[trend.get(m.pk, {}) for m in months],
        )
        for code, entry in protect_figures(page, False, own_pages=False).items():
            if entry.total.marker == COMPLEMENTARY:
                forced.setdefault(code, set()).add(child.pk)
    return forced


def _small_not_broken_down(result: dict[str, Protected]) -> None:
    """No disaggregation of a total under the threshold, for readers who do not see exact
    figures. Its cells can only be 0 or "<5", so the table says no more than which
    categories the few children fall in — and with as many non-empty categories as the
    total (four "<5" of a "<5" total) each is exactly 1: the demo's Đồng Văn commune showed
    its four closed cases as one Dao, one Giáy, one Kinh and one Tày child (security review).
    """
    for entry in result.values():
        if entry.total.marker == PRIMARY and is_protected(entry.indicator, False):
            entry.dims = {}


# Indicators whose months do not add up to the period (security review): a stock is the
# count on one day (open at the start or the end of the period equals the first or last
# month's), the others count children or cases once per period however many months they
# appear in, so the months add up to at least the period's figure.
STOCK_AT_START = "cases_open_at_start"
STOCK_AT_END = "cases_open_at_end"
# open at start + opened = closed + open at end, for every unit, month and disaggregation.
CASE_BALANCE = ("cases_open_at_start", "cases_opened", "cases_closed", "cases_open_at_end")


def settle_page(
    figures: Figures, result: dict[str, Protected], forced: dict[str, set[int]] | None = None
) -> None:
    """Check the protected cells of a whole page together and hide more where one table
    would undo another (suppression.Linked): a total hidden by the drill-down must not come
    back as the sum of the months or of a disaggregation, nor through the case balance.

    Found in the security review: TQ's officer saw, for 2025-2026, a province total hidden
    ("×") over six communes and schools each "<5", and the months right below adding up to
    6 — so every one of them was exactly 1."""
    protected = [i for i in all_indicators() if is_protected(i, False)]
    balance = [code for code in CASE_BALANCE if code in result]
    groups = [[i.code] for i in protected if i.code not in balance]
    if len(balance) == len(CASE_BALANCE) and all(
        is_protected(result[c].indicator, False) for c in balance
    ):
        groups.append(balance)
    else:
        groups += [[code] for code in balance if is_protected(result[code].indicator, False)]
    for codes in groups:
        entries = [result[code] for code in codes]
        if not any(_any_hidden(entry) for entry in entries):
            continue  # nothing hidden: nothing to recover
        model = suppression.Linked()
        places = {
            code: _model_indicator(model, figures, result[code], (forced or {}).get(code, set()))
            for code in codes
        }
        if len(codes) > 1:
            _model_balance(model, figures, places)
        model.settle()
        for code, where in places.items():
            _write_back(model, result[code], where)


def _any_hidden(entry: Protected) -> bool:
    cells = [entry.total, *entry.children.values(), *entry.months]
    cells += [cell for cells in entry.dims.values() for cell in cells.values()]
    return any(cell.hidden for cell in cells)


def _model_indicator(model, figures: Figures, entry: Protected, kept=frozenset()) -> dict:
    """The cells of one indicator as variables of `model`, with the sums a reader knows.
    `kept`: units hidden because their own page hides them; they must stay unknown."""
    code = entry.indicator.code
    total = figures.totals.get((code, ""), ZERO)
    where = {"total": model.cell(total, entry.total.marker, rank=1)}
    t = where["total"]
    children = {}
    for pk, cell in entry.children.items():
        value = figures.child_values.get(pk, {}).get((code, ""), ZERO)
        children[pk] = model.cell(value, cell.marker, keep=pk in kept)
    if children:
        model.equal([t], list(children.values()))
    where["children"] = children
    dims = {}
    for dim, cells in entry.dims.items():
        ids = {
            key: model.cell(figures.totals.get((code, f"{dim}={key}"), ZERO), cell.marker)
            for key, cell in cells.items()
        }
        dims[dim] = ids
        if DIMENSIONS[dim].additive:
            model.equal([t], list(ids.values()))
        else:  # a case in several groups: each group is at most the total
            for var in ids.values():
                model.at_least([t], [var])
    where["dims"] = dims
    months = [
        model.cell(values.get((code, ""), ZERO), cell.marker)
        for values, cell in zip(figures.month_values, entry.months, strict=True)
    ]
    where["months"] = months
    if months:
        first, last = figures.months[0], figures.months[-1]
        if code == STOCK_AT_START:
            if first.starts_on == figures.period.starts_on:
                model.equal([t], [months[0]])
        elif code == STOCK_AT_END:
            if last.ends_on == figures.period.ends_on:
                model.equal([t], [months[-1]])
        else:
            if not model.equal([t], months):
                model.at_least(months, [t])
            for month, var in zip(figures.months, months, strict=True):
                inside = (
                    month.starts_on >= figures.period.starts_on
                    and month.ends_on <= figures.period.ends_on
                )
                if inside:
                    model.at_least([t], [var])
    return where


def _model_balance(model, figures: Figures, places: dict) -> None:
    """open at start + opened = closed + open at end, wherever it holds: the totals, each unit
    of the drill-down, each month (and a month's end is the next month's start), each value of
    a shared disaggregation. Three figures shown would give away a hidden fourth."""
    start, opened, closed, end = (places[code] for code in CASE_BALANCE)
    model.equal([start["total"], opened["total"]], [closed["total"], end["total"]])
    for pk in start["children"]:
        if all(pk in p["children"] for p in (opened, closed, end)):
            model.equal(
                [start["children"][pk], opened["children"][pk]],
                [closed["children"][pk], end["children"][pk]],
            )
    count = len(start["months"])
    if all(len(p["months"]) == count for p in (opened, closed, end)):
        for i in range(count):
            model.equal(
                [start["months"][i], opened["months"][i]],
                [closed["months"][i], end["months"][i]],
            )
            if i + 1 < count:
                model.equal([end["months"][i]], [start["months"][i + 1]])
    for dim in set(start["dims"]) & set(opened["dims"]) & set(closed["dims"]) & set(end["dims"]):
        keys = set().union(*(p["dims"][dim] for p in (start, opened, closed, end)))
        for key in keys:
            # A value absent from an indicator's table is a zero the reader sees as "0".
            ids = [p["dims"][dim].get(key) for p in (start, opened, closed, end)]
            ids = [model.cell(0) if var is None else var for var in ids]
            model.equal([ids[0], ids[1]], [ids[2], ids[3]])


def _remarked(model, var: int, old: Cell) -> Cell:
    """The cell as `model` left it: unchanged, or newly hidden."""
    marker = model.markers[var]
    return old if marker == old.marker else Cell(None, marker)


def _write_back(model, entry: Protected, where: dict) -> None:
    def cell(var: int, old: Cell) -> Cell:
        return _remarked(model, var, old)

    entry.total = cell(where["total"], entry.total)
    entry.children = {pk: cell(where["children"][pk], c) for pk, c in entry.children.items()}
    entry.dims = {
        dim: {key: cell(where["dims"][dim][key], c) for key, c in cells.items()}
        for dim, cells in entry.dims.items()
    }
    entry.months = [cell(var, c) for var, c in zip(where["months"], entry.months, strict=True)]


# --- the unit dashboard ---------------------------------------------------------------------


@dataclass
class Link:
    label: str
    url: str
    active: bool = False


def switch_links(params: Params) -> tuple[list[Link], list[Link]]:
    """Links that switch the section (and its first indicator) or the indicator shown in
    detail, keeping every other choice."""
    section_links = [
        Link(s.label, f"?{params.query(section=s.key, indicator='')}", s == params.section)
        for s in sections()
    ]
    indicator_links = [
        Link(
            indicator_name(i),
            f"?{params.query(indicator=i.code)}",
            i.code == params.indicator.code,
        )
        for i in params.section.indicators
    ]
    return section_links, indicator_links


def listed(options, code: str) -> bool:
    return any(code == value for _group, choices in options for value, _label in choices)


@dataclass
class Crumb:
    label: str
    url: str = ""


@dataclass
class UnitDashboard:
    unit: OrgUnit
    params: Params
    exact: bool
    figures: Figures
    compare_figures: Figures | None
    tables: dict[str, Table]
    charts: list[dict]
    sections: list[Section]
    options: list
    crumbs: list[Crumb] = field(default_factory=list)
    computed_at: datetime.datetime | None = None
    stale_units: int = 0
    successor: OrgUnit | None = None
    successor_from: datetime.date | None = None

    @property
    def section_links(self) -> list[Link]:
        return switch_links(self.params)[0]

    @property
    def indicator_links(self) -> list[Link]:
        return switch_links(self.params)[1]

    @property
    def period_listed(self) -> bool:
        return listed(self.options, self.params.period.code)

    @property
    def headline(self) -> Table:
        return self.tables["headline"]

    @property
    def drilldown(self) -> Table | None:
        return self.tables.get("drilldown")

    @property
    def trend(self) -> Table | None:
        return self.tables.get("trend")

    @property
    def disaggregations(self) -> list[Table]:
        return [t for k, t in self.tables.items() if k.startswith("dim-")]


def unit_label(unit: OrgUnit) -> str:
    if unit.valid_to:
        return _("%(name)s (đến %(day)s)") % {
            "name": unit.name,
            "day": unit.valid_to.strftime("%d/%m/%Y"),
        }
    return unit.name


def _unit_url(unit_id: int, params: Params, **changes) -> str:
    return f"{reverse('dashboard_unit', args=[unit_id])}?{params.query(**changes)}"


def _value_cells(indicator: Indicator, protected: Protected, values: Mapping, exact: bool):
    """The headline cells of an indicator: [value] or, for a distribution, [median, n]."""
    sensitive = is_protected(indicator, exact)
    if indicator.kind == Kind.DISTRIBUTION:
        return [
            _median(protected.total, values, indicator.code),
            _from_cell(protected.total, kind="n", sensitive=sensitive),
        ]
    kind = "amount" if indicator.kind == Kind.AMOUNT else "count"
    return [_from_cell(protected.total, kind=kind, sensitive=sensitive)]


def indicator_name(indicator: Indicator) -> str:
    name = str(indicator.name)
    if indicator.unit_label:
        name = f"{name} ({indicator.unit_label})"
    return name


def headline_table(
    params: Params,
    current: dict[str, Protected],
    previous: dict[str, Protected] | None,
    figures: Figures,
    compare_figures: Figures | None,
    exact: bool,
) -> Table:
    columns = [Column(str(period_label(params.period)), "value")]
    if params.compare:
        columns += [
            Column(str(period_label(params.compare)), "value"),
            Column(_("Thay đổi"), "delta"),
        ]
    rows = []
    for section in sections():
        rows.append(Row(section.label, [], heading=True))
        for indicator in section.indicators:
            now = _value_cells(indicator, current[indicator.code], figures.totals, exact)
            then = (
                _value_cells(indicator, previous[indicator.code], compare_figures.totals, exact)
                if previous is not None and compare_figures is not None
                else None
            )
            labels = [indicator_name(indicator)]
            if indicator.kind == Kind.DISTRIBUTION:
                labels = [
                    _("%(name)s — trung vị") % {"name": indicator_name(indicator)},
                    _("%(name)s — số trường hợp (n)") % {"name": indicator.name},
                ]
            for position, label in enumerate(labels):
                cells = [now[position]]
                if params.compare:
                    other = then[position] if then else Shown("—", kind=now[position].kind)
                    cells += [other, _delta(now[position], other if then else None)]
                rows.append(
                    Row(
                        label,
                        cells,
                        url=f"?{params.query(section=section.key, indicator=indicator.code)}",
                        note=str(indicator.description) if position == 0 else "",
                    )
                )
    return Table(
        key="headline",
        title=_("Số liệu chính"),
        label_header=_("Chỉ số"),
        columns=columns,
        rows=rows,
    )


def _drill_columns(section: Section, chosen: Indicator) -> list[tuple[Indicator, str]]:
    """(indicator, kind) of each column: the section's first indicators, always including the
    one chosen for detail (the chart draws its column); a distribution gives median and n."""
    shown = list(section.columns)
    if chosen in section.indicators and chosen not in shown:
        shown[-1] = chosen
    columns = []
    for indicator in shown:
        if indicator.kind == Kind.DISTRIBUTION:
            columns += [(indicator, "median"), (indicator, "n")]
        else:
            columns.append((indicator, "amount" if indicator.kind == Kind.AMOUNT else "count"))
    return columns


def _column_label(indicator: Indicator, kind: str) -> str:
    if kind == "median":
        return _("%(name)s: trung vị") % {"name": indicator_name(indicator)}
    if kind == "n":
        return _("%(name)s: số trường hợp") % {"name": indicator.name}
    return indicator_name(indicator)


def _drill_cell(indicator, kind, cell: Cell, values: Mapping, exact: bool) -> Shown:
    if kind == "median":
        return _median(cell, values, indicator.code)
    return _from_cell(cell, kind=kind, sensitive=is_protected(indicator, exact))


def drilldown_table(
    params: Params, figures: Figures, current: dict[str, Protected], exact: bool
) -> Table | None:
    if not figures.children and not figures.own_row:
        return None
    columns = _drill_columns(params.section, params.indicator)
    rows = []
    for child in figures.children:
        values = figures.child_values.get(child.pk, {})
        raw = [values.get((ind.code, ""), ZERO) for ind, _kind in columns]
        if not any(raw):
            continue  # nothing to show for this unit in this section: kept out of the list
        cells = [
            _drill_cell(ind, kind, current[ind.code].children[child.pk], values, exact)
            for ind, kind in columns
        ]
        rows.append(Row(unit_label(child), cells, url=_unit_url(child.pk, params)))
    if figures.own_row:
        values = figures.child_values.get(figures.unit.pk, {})
        cells = [
            _drill_cell(ind, kind, current[ind.code].children[figures.unit.pk], values, exact)
            for ind, kind in columns
        ]
        if any(values.get((ind.code, ""), ZERO) for ind, _kind in columns):
            rows.append(
                Row(_("Số liệu do chính %(unit)s ghi nhận") % {"unit": figures.unit.name}, cells)
            )
    hidden_rows = len(figures.children) - len([r for r in rows if r.url])
    total_cells = [
        _drill_cell(ind, kind, current[ind.code].total, figures.totals, exact)
        for ind, kind in columns
    ]
    rows.append(Row(_("Tổng"), total_cells, total=True))
    note = ""
    if hidden_rows > 0:
        note = _("%(n)s đơn vị khác không có số liệu của nhóm chỉ số này trong kỳ.") % {
            "n": hidden_rows
        }
    return Table(
        key="drilldown",
        title=_("Theo đơn vị trực thuộc: %(section)s") % {"section": params.section.label},
        label_header=_("Đơn vị"),
        columns=[Column(_column_label(ind, kind), kind, ind.code) for ind, kind in columns],
        rows=rows,
        note=note,
    )


def disaggregation_tables(
    params: Params,
    figures: Figures,
    compare_figures: Figures | None,
    current: dict[str, Protected],
    previous: dict[str, Protected] | None,
    exact: bool,
) -> list[Table]:
    indicator = params.indicator
    if indicator.kind == Kind.AMOUNT:
        kind = "amount"
    else:
        kind = "n" if indicator.kind == Kind.DISTRIBUTION else "count"
    sensitive = is_protected(indicator, exact)
    mine, theirs = current[indicator.code], previous[indicator.code] if previous else None
    if sensitive and any(p is not None and p.total.marker == PRIMARY for p in (mine, theirs)):
        # A total under the threshold is not broken down (see _small_not_broken_down).
        return []
    tables = []
    for dim in indicator.dimensions:
        keys = set(mine.dims.get(dim, {}))
        if theirs:
            keys |= set(theirs.dims.get(dim, {}))
        if not keys:
            continue
        labels = dimension_labels(dim)
        order = list(labels)
        keys = sorted(keys, key=lambda k: (order.index(k) if k in order else len(order), k))
        columns = [Column(str(period_label(params.period)), kind, indicator.code)]
        if params.compare:
            columns += [
                Column(str(period_label(params.compare)), kind, indicator.code),
                Column(_("Thay đổi"), "delta"),
            ]
        rows = []
        for key, total in [(k, False) for k in keys] + [(None, True)]:
            if total:
                now, before = mine.total, theirs.total if theirs else None
            else:
                now = mine.dims.get(dim, {}).get(key, suppression.exact(ZERO))
                before = (
                    theirs.dims.get(dim, {}).get(key, suppression.exact(ZERO)) if theirs else None
                )
            cells = [_from_cell(now, kind=kind, sensitive=sensitive)]
            if params.compare:
                other = (
                    _from_cell(before, kind=kind, sensitive=sensitive)
                    if before is not None
                    else Shown("—", kind=kind, sensitive=sensitive)
                )
                cells += [other, _delta(cells[0], other if before is not None else None)]
            label = _("Tổng") if total else labels.get(key, key)
            rows.append(Row(label, cells, total=total))
        note = ""
        if not DIMENSIONS[dim].additive:
            note = _(
                "Một trường hợp có thể thuộc nhiều nhóm, nên cộng các dòng có thể lớn hơn tổng."
            )
        tables.append(
            Table(
                key=f"dim-{dim}",
                title=_("%(indicator)s theo %(dimension)s")
                % {
                    "indicator": indicator_name(indicator),
                    "dimension": str(DIMENSIONS[dim].label).lower(),
                },
                label_header=str(DIMENSIONS[dim].label),
                columns=columns,
                rows=rows,
                note=note,
            )
        )
    return tables


def trend_table(
    params: Params, figures: Figures, current: dict[str, Protected], exact: bool
) -> Table | None:
    if not figures.months:
        return None
    indicator = params.indicator
    protected = current[indicator.code]
    sensitive = is_protected(indicator, exact)
    if indicator.kind == Kind.DISTRIBUTION:
        columns = [
            Column(_("Trung vị"), "median", indicator.code),
            Column(_("Số trường hợp"), "n", indicator.code),
        ]
    else:
        kind = "amount" if indicator.kind == Kind.AMOUNT else "count"
        columns = [Column(indicator_name(indicator), kind, indicator.code)]
    rows = []
    for month, cell, values in zip(
        figures.months, protected.months, figures.month_values, strict=True
    ):
        rows.append(
            Row(month.starts_on.strftime("%m/%Y"), _trend_cells(indicator, cell, values, sensitive))
        )
    rows.append(
        Row(
            _("Cả kỳ"),
            _trend_cells(indicator, protected.total, figures.totals, sensitive),
            total=True,
        )
    )
    note = ""
    if params.period.kind == PeriodKind.SEMESTER:
        note = _("Tháng đầu và tháng cuối học kỳ được tính cả tháng.")
    return Table(
        key="trend",
        title=_("%(indicator)s theo tháng") % {"indicator": indicator_name(indicator)},
        label_header=_("Tháng"),
        columns=columns,
        rows=rows,
        note=note,
    )


def _trend_cells(indicator, cell: Cell, values: Mapping, sensitive: bool) -> list[Shown]:
    if indicator.kind == Kind.DISTRIBUTION:
        return [
            _median(cell, values, indicator.code),
            _from_cell(cell, kind="n", sensitive=sensitive),
        ]
    kind = "amount" if indicator.kind == Kind.AMOUNT else "count"
    return [_from_cell(cell, kind=kind, sensitive=sensitive)]


def chart_column(table: Table, code: str) -> int:
    """Which column of a table the chart draws: the median of a distribution, else its value."""
    for index, column in enumerate(table.columns):
        if column.code == code and column.kind != "n":
            return index
    return 0


def chart_of(table: Table, *, chart_id: str, chart_type: str, code: str, label: str) -> dict:
    """Chart data taken from the table's own cells (hidden ones as null), never raw values."""
    index = chart_column(table, code)
    body = [row for row in table.rows if not row.total and not row.heading]
    return {
        "id": chart_id,
        "type": chart_type,
        "title": table.title,
        "kind": table.columns[index].kind if table.columns else "count",
        "sensitive": any(row.cells[index].sensitive for row in body if row.cells),
        "labels": [row.label for row in body],
        "series": [{"label": label, "data": [row.cells[index].chart_value for row in body]}],
    }


DASHBOARD_CACHE_SECONDS = 600
_figures_cache = LocalCache(max_entries=24, seconds=DASHBOARD_CACHE_SECONDS)


def protected_figures(unit, period, as_today: bool, today, exact: bool):
    """gather() and protect_figures() of a unit's period, from the cache when possible.

    Both depend only on these arguments, not on who reads, and adding up and protecting a
    nation's figures is most of a national dashboard's time (issue 9). Cached only while the
    subtree totals are in use (today's tree), keyed by their version, which changes with every
    refresh, approval freeze or tree change, so cached figures are never older than the totals
    they were built from. The cache is per process (the figures hold objects that do not
    pickle, and an app server recomputes a page at most once per version)."""
    key = None
    if period.totals_at is not None:
        key = (
            unit.pk,
            period.pk,
            as_today,
            today,
            exact,
            get_language(),
            subtree_totals.version(),
        )
        cached = _figures_cache.get(key)
        if cached is not None:
            return cached
    figures = gather(unit, period, as_today=as_today, today=today)
    result = (figures, protect_figures(figures, exact))
    if key is not None and figures.tree.is_today:
        _figures_cache.set(key, result)
    return result


def unit_dashboard(
    *,
    user,
    unit: OrgUnit,
    query: Mapping,
    today: datetime.date,
    exact: bool,
    programs=(),
) -> UnitDashboard:
    """Everything the unit's dashboard shows (the view adds breadcrumb and status)."""
    programs = list(programs)
    params = parse_params(
        query,
        today=today,
        programs={p.pk: p for p in programs},
        default=default_period(today, unit),
    )
    figures, current = protected_figures(unit, params.period, params.as_today, today, exact)
    compare_figures = previous = None
    if params.compare:
        compare_figures, previous = protected_figures(
            unit, params.compare, params.as_today, today, exact
        )
    tables = {
        "headline": headline_table(params, current, previous, figures, compare_figures, exact)
    }
    charts = []
    drill = drilldown_table(params, figures, current, exact)
    if drill is not None:
        tables["drilldown"] = drill
        charts.append(
            chart_of(
                drill,
                chart_id="chart-drilldown",
                chart_type="bar",
                code=params.indicator.code,
                label=str(period_label(params.period)),
            )
        )
    for table in disaggregation_tables(params, figures, compare_figures, current, previous, exact):
        tables[table.key] = table
    trend = trend_table(params, figures, current, exact)
    if trend is not None:
        tables["trend"] = trend
        charts.append(
            chart_of(
                trend,
                chart_id="chart-trend",
                chart_type="line",
                code=params.indicator.code,
                label=indicator_name(params.indicator),
            )
        )
    return UnitDashboard(
        unit=unit,
        params=params,
        exact=exact,
        figures=figures,
        compare_figures=compare_figures,
        tables=tables,
        charts=charts,
        sections=sections(),
        options=period_options(today, programs),
    )


# --- the program view -----------------------------------------------------------------------


def report_status_text(status: str | None) -> str:
    labels = {
        "approved": _("Đã duyệt"),
        "submitted": _("Chờ duyệt"),
        "returned": _("Bị trả lại"),
        "draft": _("Đang soạn"),
    }
    return labels.get(status or "", _("Chưa có"))


@dataclass
class ProgramDashboard:
    program: object
    params: Params
    table: Table
    charts: list[dict]
    options: list
    sections: list[Section]
    full: bool

    @property
    def tables(self) -> dict[str, Table]:
        return {"program": self.table}

    @property
    def section_links(self) -> list[Link]:
        return switch_links(self.params)[0]

    @property
    def indicator_links(self) -> list[Link]:
        return switch_links(self.params)[1]

    @property
    def period_listed(self) -> bool:
        return listed(self.options, self.params.period.code)


@dataclass
class _Place:
    """A school row of the program view and how its viewer may see it."""

    enrolment: object
    exact: bool


def _school_values(period: Period, school_ids: list[int]) -> dict[int, dict]:
    """{school id: {(indicator, key): value}} — totals, buckets and disaggregations (one
    query; the disaggregations tell what each school's own page hides)."""
    rows = IndicatorValue.objects.filter(period=period, org_unit_id__in=school_ids)
    values: dict[int, dict] = {pk: {} for pk in school_ids}
    for unit_id, code, key, value in rows.values_list(
        "org_unit_id", "indicator", "disaggregation", "value"
    ):
        values[unit_id][(code, key)] = value
    return values


def _schools_hidden_on_own_pages(period: Period, values: dict[int, dict]) -> dict:
    """{indicator code: schools whose own page hides their total} (one query for the
    schools' months): the program table hides them too, as a drill-down does
    (_hidden_on_own_pages). Security review: 30 such rows on the demo's pilot view."""
    months = months_of(period)
    trends: dict[int, dict[int, dict]] = {}
    if months:
        from django.db.models import Q

        rows = IndicatorValue.objects.filter(
            Q(disaggregation="") | Q(disaggregation__startswith="bucket="),
            period__in=months,
            org_unit_id__in=list(values),
        ).values_list("org_unit_id", "period_id", "indicator", "disaggregation", "value")
        for unit_id, period_id, code, key, value in rows:
            trends.setdefault(unit_id, {}).setdefault(period_id, {})[(code, key)] = value
    forced: dict[str, set[int]] = {}
    for school_id, totals in values.items():
        if not totals:
            continue
        trend = trends.get(school_id, {})
        page = Figures(
            unit=OrgUnit(pk=school_id, kind=OrgKind.SCHOOL),
            period=period,
            tree=TreeOnDay(day=None),
            totals=totals,
            months=list(months),
            month_values=[trend.get(m.pk, {}) for m in months],
        )
        for code, entry in protect_figures(page, False, own_pages=False).items():
            if entry.total.marker == COMPLEMENTARY:
                forced.setdefault(code, set()).add(school_id)
    return forced


def _sum_values(maps: list[dict]) -> dict:
    total: dict = {}
    for values in maps:
        for key, value in values.items():
            total[key] = total.get(key, ZERO) + value
    return total


def program_dashboard(
    *,
    program,
    scope,
    query: Mapping,
    today: datetime.date,
    statuses_for,
    exact_for,
) -> ProgramDashboard:
    """The program's localities and their schools, for the chosen period.

    `scope` (programs.access.ProgramScope) says which rows the reader sees: everything
    (officers at or above the owner), whole localities (their officers), or single schools
    (a school's staff: their own school, exactly; a commune officer: suppressed).
    `statuses_for(period)`: {school id: text} of the schools' semester reports;
    `exact_for(school)`: whether the reader sees that school's figures exactly.
    """
    from diemtua.orgs.models import SchoolLevel
    from diemtua.programs.models import Enrolment

    params = parse_params(
        query,
        today=today,
        programs={program.pk: program},
        default=program_period(program),
    )
    level_order = {level: i for i, level in enumerate(SchoolLevel.values)}
    enrolments = sorted(
        Enrolment.objects.filter(program=program).select_related(
            "school", "locality", "locality__successor"
        ),
        key=lambda e: (
            e.locality.search_name,
            level_order.get(e.school.school_level, 9),
            e.school.search_name,
        ),
    )
    localities: dict[int, list] = {}
    names: dict[int, OrgUnit] = {}
    for enrolment in enrolments:
        whole = scope.full or enrolment.locality_id in scope.visible_localities
        if not whole and enrolment.school_id not in scope.school_ids:
            continue
        names[enrolment.locality_id] = enrolment.locality
        localities.setdefault(enrolment.locality_id, []).append(
            _Place(enrolment, bool(exact_for(enrolment.school)))
        )
    school_ids = [p.enrolment.school_id for places in localities.values() for p in places]
    values = _school_values(params.period, school_ids)
    hidden_elsewhere = _schools_hidden_on_own_pages(params.period, values)
    statuses = statuses_for(params.period)
    columns = _drill_columns(params.section, params.indicator)
    rows: list[Row] = []
    charts = []
    # Protect each column: per locality (schools + subtotal), then localities + total.
    protected_columns = {
        indicator.code: _program_column(
            indicator,
            localities,
            values,
            scope.full,
            scope.visible_localities,
            hidden_elsewhere.get(indicator.code, set()),
        )
        for indicator in _program_indicators(columns)
    }
    settle_program(protected_columns, localities, values, scope, hidden_elsewhere)
    per_column = [protected_columns[indicator.code] for indicator, _kind in columns]
    for locality_id, places in localities.items():
        whole = scope.full or locality_id in scope.visible_localities
        locality = names[locality_id]
        subtotal_values = _sum_values([values[p.enrolment.school_id] for p in places])
        if whole:
            cells = [
                _drill_cell(
                    ind, kind, per_column[i]["subtotals"][locality_id], subtotal_values, False
                )
                for i, (ind, kind) in enumerate(columns)
            ]
            rows.append(
                Row(
                    unit_label(locality),
                    cells,
                    total=True,
                    extra=[""],
                )
            )
        for place in places:
            school = place.enrolment.school
            school_values = values[school.pk]
            cells = []
            for i, (ind, kind) in enumerate(columns):
                cell = per_column[i]["schools"][school.pk]
                if place.exact:
                    raw = school_values.get((ind.code, ""), ZERO)
                    cell = suppression.exact(raw)
                cells.append(_drill_cell(ind, kind, cell, school_values, place.exact))
            rows.append(
                Row(
                    school.name,
                    cells,
                    level=1,
                    url=f"{reverse('dashboard_unit', args=[school.pk])}?{params.query()}",
                    extra=[statuses.get(school.pk, report_status_text(None))],
                )
            )
        chart_rows = [r for r in rows[-len(places) :]]
        index = next(
            (i for i, (ind, kind) in enumerate(columns) if ind == params.indicator and kind != "n"),
            0,
        )
        charts.append(
            {
                "id": f"chart-locality-{locality_id}",
                "type": "bar",
                "title": unit_label(locality),
                "kind": columns[index][1] if columns else "count",
                "sensitive": any(r.cells[index].sensitive for r in chart_rows if r.cells),
                "labels": [r.label for r in chart_rows],
                "series": [
                    {
                        "label": indicator_name(params.indicator),
                        "data": [r.cells[index].chart_value for r in chart_rows],
                    }
                ],
            }
        )
    if scope.full and localities:
        all_values = _sum_values([values[pk] for pk in school_ids])
        cells = [
            _drill_cell(ind, kind, per_column[i]["total"], all_values, False)
            for i, (ind, kind) in enumerate(columns)
        ]
        rows.append(Row(_("Toàn chương trình"), cells, total=True, extra=[""]))
    table = Table(
        key="program",
        title=_("%(program)s: %(section)s")
        % {"program": program.title, "section": params.section.label},
        label_header=_("Địa phương, trường"),
        columns=[Column(_column_label(ind, kind), kind, ind.code) for ind, kind in columns],
        rows=rows,
        extra_headers=[_("Báo cáo học kỳ")],
    )
    return ProgramDashboard(
        program=program,
        params=params,
        table=table,
        charts=charts,
        options=period_options(today, [program]),
        sections=sections(),
        full=scope.full,
    )


def _program_indicators(columns) -> list[Indicator]:
    """The indicators whose cells the program table needs: its columns and, when one of the
    case balance is among them, all four (so a school's cells are the same in every view)."""
    chosen = list(dict.fromkeys(indicator for indicator, _kind in columns))
    if any(i.code in CASE_BALANCE for i in chosen):
        by_code = {i.code: i for i in all_indicators()}
        chosen += [by_code[c] for c in CASE_BALANCE if c in by_code and by_code[c] not in chosen]
    return chosen


def settle_program(
    protected: dict[str, dict], localities, values, scope, hidden_elsewhere=None
) -> None:
    """The program table's schools, locality subtotals and program total checked together
    (suppression.Linked), with the case balance of each row.

    Found in the security review: a locality's subtotal hidden ("×") among the localities to
    protect another's "<5" stayed recoverable as the sum of its own schools, shown just
    below it; program total − the others then gave the "<5" away."""
    codes = [code for code, cells in protected.items() if is_protected(_indicator(code), False)]
    balance = [code for code in CASE_BALANCE if code in codes]
    groups = [[code] for code in codes if code not in balance]
    groups += [balance] if len(balance) == len(CASE_BALANCE) else [[c] for c in balance]
    for group in groups:
        model = suppression.Linked()
        places = {}
        for code in group:
            places[code] = _model_program(
                model,
                code,
                protected[code],
                localities,
                values,
                scope,
                (hidden_elsewhere or {}).get(code, set()),
            )
        if len(group) > 1:
            rows = [p["schools"] for p in places.values()]
            for school_id in rows[0]:
                model.equal(
                    [rows[0][school_id], rows[1][school_id]],
                    [rows[2][school_id], rows[3][school_id]],
                )
            subs = [p["subtotals"] for p in places.values()]
            for locality_id in subs[0]:
                model.equal(
                    [subs[0][locality_id], subs[1][locality_id]],
                    [subs[2][locality_id], subs[3][locality_id]],
                )
            grands = [p["total"] for p in places.values()]
            if None not in grands:
                model.equal(grands[:2], grands[2:])
        model.settle()
        for code, where in places.items():
            cells = protected[code]
            cells["schools"] = {
                pk: _remarked(model, where["schools"][pk], cell)
                for pk, cell in cells["schools"].items()
            }
            cells["subtotals"] = {
                pk: _remarked(model, where["subtotals"][pk], cell)
                for pk, cell in cells["subtotals"].items()
            }
            if where["total"] is not None:
                cells["total"] = _remarked(model, where["total"], cells["total"])


def _indicator(code: str) -> Indicator:
    return next(i for i in all_indicators() if i.code == code)


def _model_program(model, code, cells: dict, localities, values, scope, kept=frozenset()) -> dict:
    where = {"schools": {}, "subtotals": {}, "total": None}
    subs = []
    for locality_id, places in localities.items():
        ids = []
        for place in places:
            school_id = place.enrolment.school_id
            value = values[school_id].get((code, ""), ZERO)
            # A school seen exactly (its own staff) is shown whatever happens: never hidden here.
            marker = "" if place.exact else cells["schools"][school_id].marker
            var = model.cell(value, marker, can_hide=not place.exact, keep=school_id in kept)
            where["schools"][school_id] = var
            ids.append(var)
        if locality_id in cells["subtotals"]:
            subtotal = sum(
                (values[p.enrolment.school_id].get((code, ""), ZERO) for p in places), ZERO
            )
            sub = model.cell(subtotal, cells["subtotals"][locality_id].marker, rank=1)
            where["subtotals"][locality_id] = sub
            model.equal([sub], ids)
            subs.append(sub)
    if scope.full and localities:
        total = sum(model.values[v] for v in subs)
        where["total"] = model.cell(total, cells["total"].marker, rank=2)
        model.equal([where["total"]], subs)
    return where


def _program_column(
    indicator, localities, values, full: bool, visible_localities, hidden_elsewhere=frozenset()
) -> dict:
    """Protected cells of one indicator: schools, locality subtotals, program total.
    `hidden_elsewhere`: schools whose own page hides this total (hidden here too)."""
    code = indicator.code
    protected = is_protected(indicator, False)
    schools: dict[int, Cell] = {}
    subtotals: dict[int, Cell] = {}
    raw_subtotals: dict[int, Decimal] = {}
    hidden_subtotals: set[int] = set()
    for locality_id, places in localities.items():
        school_values = [values[p.enrolment.school_id].get((code, ""), ZERO) for p in places]
        subtotal = sum(school_values, ZERO)
        raw_subtotals[locality_id] = subtotal
        forced = {
            i
            for i, p in enumerate(places)
            if protected and not p.exact and p.enrolment.school_id in hidden_elsewhere
        }
        if full or locality_id in visible_localities:
            if forced:
                cells, total_cell = protect_with_hidden(school_values, subtotal, forced)
            else:
                cells, total_cell = _group(indicator, False, school_values, subtotal)
            subtotals[locality_id] = total_cell
            if total_cell.hidden:
                hidden_subtotals.add(locality_id)
        else:
            # Only some schools of the locality are visible: no subtotal, one cell each.
            cells = [_group(indicator, False, [v], v, additive=False)[0][0] for v in school_values]
            cells = [
                Cell(None, cell.marker or COMPLEMENTARY) if i in forced else cell
                for i, cell in enumerate(cells)
            ]
        for place, cell in zip(places, cells, strict=True):
            schools[place.enrolment.school_id] = cell
    total = sum(raw_subtotals.values(), ZERO)
    total_cell = suppression.exact(total)
    if full and localities and is_protected(indicator, False):
        ids = list(localities)
        forced = {i for i, pk in enumerate(ids) if pk in hidden_subtotals}
        cells, total_cell = protect_with_hidden([raw_subtotals[pk] for pk in ids], total, forced)
        for pk, cell in zip(ids, cells, strict=True):
            if cell.hidden and not subtotals[pk].hidden:
                # Hidden among the localities: hidden as its own group's total too.
                subtotals[pk] = cell
    return {"schools": schools, "subtotals": subtotals, "total": total_cell}
