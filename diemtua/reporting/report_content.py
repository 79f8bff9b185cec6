"""What each kind of report shows: the figures it is filled with and how they are presented.

Two steps, kept apart on purpose:
- `collect(report)` reads the exact numbers from the indicator rollups (never from raw
  records) into a JSON-able dict. Submission stores that dict in `Report.figures`, so what the
  level above approves is what the school sent, whatever is recorded later.
- `present(report, figures, exact=...)` turns the numbers into sections and tables of display
  strings for one reader. Only a school's own counselors and leadership read exact figures
  (access.sees_exact); everybody else reads them through reporting.suppression: a count of
  children from 1 to 4 is shown as "<5", and a cell that a total or a linked figure would let
  one recover is hidden too ("×"). The HTML page and the .docx both render what this returns,
  so the two can never disagree about what is hidden.

Indicators are looked up by code in the registry; a code that is not registered (yet) is left
out, never an error.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Count, Q, Sum
from django.utils.translation import gettext as _

from diemtua.orgs.models import OrgUnit

from . import aggregate, suppression
from .indicators import DIMENSIONS, all_indicators
from .indicators import get as get_indicator
from .indicators.base import Kind, median_of_buckets
from .models import IndicatorValue, ReportKind

FIGURES_VERSION = 1

# Columns of the tables that list units (the schools of a province, the pilot's schools):
# the few figures a reader compares between units. A code not registered yet is skipped.
KEY_CODES = [
    "help_requests",
    "students_counseled",
    "sessions",
    "cases_opened",
    "cases_closed",
    "referrals_sent",
    "safeguarding_alerts",
    "activities_held",
    "activity_participants",
    "screenings_done",
    "staff_trained",
]
COLUMNS_PER_TABLE = 4  # an A4 page in portrait holds a label column and four figures
# Breakdowns shown under the main table: (indicator, dimension).
BREAKDOWNS = [
    ("help_requests", "channel"),
    ("help_requests", "urgency"),
    ("students_counseled", "gender"),
    ("students_counseled", "grade"),
    ("sessions", "form"),
    ("cases_opened", "content_group"),
]
# Figures tied by an identity: open at start + opened − closed = open at end. Showing three of
# them would reveal a hidden fourth, so one more is hidden with it.
LINKED = [("cases_open_at_start", "cases_opened", "cases_closed", "cases_open_at_end")]


def key(code: str, disaggregation: str = "") -> str:
    return f"{code}|{disaggregation}"


def _dec(value) -> Decimal:
    if value in (None, ""):
        return Decimal(0)
    return Decimal(str(value))


def _registered(code: str):
    try:
        return get_indicator(code)
    except KeyError:
        return None


def _num(value) -> str:
    """A stored number as JSON text, without trailing zeros ("12", "3.5")."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def _as_json(values: dict) -> dict[str, str]:
    return {key(code, disagg): _num(v) for (code, disagg), v in values.items()}


# --- collecting the exact figures ------------------------------------------------------------


def collect(report) -> dict:
    """The exact figures of a report, as they are in the rollups now."""
    if report.kind == ReportKind.PILOT_EVALUATION:
        return _collect_pilot(report)
    return _collect_unit(report, with_children=report.kind == ReportKind.PROVINCE)


def _collect_unit(report, *, with_children: bool) -> dict:
    unit, period = report.org_unit, report.period
    tree = aggregate.tree_for(period)
    totals = aggregate.unit_totals(unit, period, tree=tree)
    data = {"version": FIGURES_VERSION, "totals": _as_json(totals)}
    if with_children:
        per_child = aggregate.child_totals(unit, period, tree=tree)
        names = dict(OrgUnit.objects.filter(pk__in=per_child).values_list("pk", "name"))
        children = []
        for child_id, values in per_child.items():
            name = names.get(child_id, "")
            if child_id == unit.pk:
                name = _("%(unit)s (trực tiếp)") % {"unit": unit.name}
            children.append(
                {
                    "id": child_id,
                    "name": name,
                    "values": {code: _num(v) for (code, _d), v in values.items()},
                }
            )
        data["children"] = sorted(children, key=lambda c: (c["id"] == unit.pk, c["name"]))
    return data


def pilot_periods(program):
    """The pilot's baseline (its first month), its end (its last month) and its whole span."""
    from .models import PeriodKind
    from .periods import get_period, month_code, program_period

    return (
        get_period(PeriodKind.MONTH, month_code(program.starts_on)),
        get_period(PeriodKind.MONTH, month_code(program.ends_on)),
        program_period(program),
    )


def _collect_pilot(report) -> dict:
    from diemtua.programs.models import Enrolment
    from diemtua.trainings.models import Attendance, Exchange, Participant, Training
    from diemtua.visits.models import ActionStatus, FollowUpAction, Visit, VisitStatus

    program = report.period.program
    baseline, end, whole = pilot_periods(program)
    enrolments = list(
        Enrolment.objects.filter(program=program)
        .select_related("school", "locality")
        .order_by("locality__name", "school__name")
    )
    school_ids = [e.school_id for e in enrolments]
    slot = {baseline.pk: "baseline", end.pk: "end", whole.pk: "whole"}
    periods: dict[str, dict] = {"baseline": {}, "end": {}, "whole": {}}
    per_school: dict[int, dict[str, Decimal]] = defaultdict(dict)
    rows = IndicatorValue.objects.filter(
        Q(disaggregation="") | Q(disaggregation__startswith="bucket="),
        period_id__in=list(slot),
        org_unit_id__in=school_ids,
    ).values_list("period_id", "org_unit_id", "indicator", "disaggregation", "value")
    for period_id, school_id, code, disagg, value in rows:
        totals = periods[slot[period_id]]
        totals[key(code, disagg)] = totals.get(key(code, disagg), Decimal(0)) + value
        if period_id == whole.pk and disagg == "":
            per_school[school_id][code] = value
    localities: dict[int, dict] = {}
    for enrolment in enrolments:
        place = localities.setdefault(
            enrolment.locality_id,
            {"id": enrolment.locality_id, "name": enrolment.locality.name, "schools": []},
        )
        place["schools"].append(
            {
                "id": enrolment.school_id,
                "name": enrolment.school.name,
                "values": {c: _num(v) for c, v in per_school.get(enrolment.school_id, {}).items()},
            }
        )
    locality_of = {e.school_id: e.locality_id for e in enrolments}

    trainings = Training.objects.filter(program=program).aggregate(
        count=Count("pk"), hours=Sum("hours")
    )
    participants = Participant.objects.filter(
        training__program=program, attendance__in=[Attendance.ATTENDED, Attendance.PARTIAL]
    )
    person_hours = sum(
        (p.credited_hours() for p in participants.select_related("training")), Decimal(0)
    )
    visits = Visit.objects.filter(program=program, status=VisitStatus.COMPLETED)
    actions = FollowUpAction.objects.filter(visit__in=visits)
    by_place: dict[int, dict] = defaultdict(lambda: {"count": 0, "scores": [], "actions": 0})
    for school_id, score in visits.values_list("school_id", "score_percent"):
        place = by_place[locality_of.get(school_id, 0)]
        place["count"] += 1
        place["scores"].append(score)
    resolved_by_place: dict[int, int] = defaultdict(int)
    for school_id, status in actions.values_list("visit__school_id", "status"):
        place_id = locality_of.get(school_id, 0)
        by_place[place_id]["actions"] += 1
        if status == ActionStatus.VERIFIED:
            resolved_by_place[place_id] += 1
    visit_rows = []
    for place_id, place in by_place.items():
        name = localities[place_id]["name"] if place_id in localities else _("Trường khác")
        scores = place["scores"]
        visit_rows.append(
            {
                "name": name,
                "count": place["count"],
                "average_score": str(round(sum(scores) / len(scores), 1)) if scores else "",
                "actions": place["actions"],
                "resolved": resolved_by_place[place_id],
            }
        )
    average = visits.aggregate(a=Avg("score_percent"))["a"]
    return {
        "version": FIGURES_VERSION,
        "program": {
            "title": program.title,
            "starts_on": program.starts_on.isoformat(),
            "ends_on": program.ends_on.isoformat(),
            "schools": len(school_ids),
            "localities": len(localities),
        },
        "labels": {
            "baseline": str(baseline),
            "end": str(end),
            "whole": str(whole),
        },
        "periods": {
            name: {k: _num(v) for k, v in values.items()} for name, values in periods.items()
        },
        "localities": list(localities.values()),
        "trainings": {
            "count": trainings["count"] or 0,
            "participants": participants.count(),
            "hours": _num(trainings["hours"] or 0),
            "person_hours": _num(person_hours),
            "exchanges": Exchange.objects.filter(program=program).count(),
        },
        "visits": {
            "count": visits.count(),
            "average_score": str(round(average, 1)) if average is not None else "",
            "actions": actions.count(),
            "resolved": actions.filter(status=ActionStatus.VERIFIED).count(),
        },
        "visits_by_locality": sorted(visit_rows, key=lambda r: r["name"]),
    }


def figures_for(report) -> dict:
    """What the report shows now: its snapshot once sent, current values while it is a draft
    (or returned, being corrected)."""
    if report.figures and not report.is_editable:
        return report.figures
    return collect(report)


def totals_of(figures: dict) -> dict[str, Decimal]:
    """{indicator code: total} of a report's figures, for the validation rules."""
    source = figures.get("totals")
    if source is None:
        source = figures.get("periods", {}).get("whole", {})
    totals = {}
    for name, value in source.items():
        code, _sep, disagg = name.partition("|")
        if disagg == "":
            totals[code] = _dec(value)
    return totals


TYPED_FIELDS = ("narrative", "difficulties", "proposals", "lessons")


def typed_text(report, *, shown: bool) -> dict[str, str]:
    """The report's typed parts for a reader; a note instead while the unit is still writing
    them and the reader is not one of its writers (access.sees_typed_text)."""
    if shown:
        return {name: getattr(report, name) or "" for name in TYPED_FIELDS}
    note = _("Đơn vị đang soạn hoặc sửa báo cáo; phần này hiện khi báo cáo được gửi lên.")
    return {name: note for name in TYPED_FIELDS}


# --- presenting them for one reader ------------------------------------------------------------


@dataclass
class Row:
    label: str
    cells: list[str]
    strong: bool = False  # a total or subtotal
    level: int = 0  # 1: a unit inside the subtotal above it
    heading: bool = False  # a section heading across the table


@dataclass
class Table:
    caption: str
    columns: list[str]  # the first names the label column
    rows: list[Row]


@dataclass
class Section:
    title: str
    tables: list[Table] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)


@dataclass
class Presentation:
    sections: list[Section]
    suppressed: bool  # something was hidden: the legend is shown
    exact: bool
    # {indicator code: its total as this reader sees it ("12", "<5", "×")}: validation
    # messages quote these, never a number the tables hide (security review).
    totals: dict[str, str] = field(default_factory=dict)


class _Shower:
    """Formats numbers for one reader: exact, or through suppression."""

    def __init__(self, exact: bool):
        self.exact = exact
        self.hid_something = False
        self.totals: dict[str, str] = {}

    def protected(self, indicator) -> bool:
        return (not self.exact) and indicator.kind == Kind.COUNT and indicator.sensitive

    def _mark(self, cell: suppression.Cell) -> str:
        if cell.hidden:
            self.hid_something = True
        return cell.display()

    def lone(self, indicator, value) -> tuple[str, bool]:
        cell = suppression.single(value) if self.protected(indicator) else suppression.exact(value)
        return self._mark(cell), cell.hidden

    def group(self, indicator, values, total, *, additive=True):
        if not self.protected(indicator):
            cells = [suppression.exact(v) for v in values]
            total_cell = suppression.exact(total) if total is not None else None
        else:
            cells, total_cell = suppression.protect(values, total, additive=additive)
        shown = [self._mark(c) for c in cells]
        total_shown = self._mark(total_cell) if total_cell is not None else ""
        return shown, total_shown, bool(total_cell and total_cell.hidden), [c.hidden for c in cells]

    def hide(self) -> str:
        self.hid_something = True
        return suppression.COMPLEMENTARY

    def median(self, indicator, totals: dict, prefix_total: Decimal) -> str:
        buckets = {}
        for name, value in totals.items():
            code, _sep, disagg = name.partition("|")
            if code == indicator.code and disagg.startswith("bucket="):
                try:
                    buckets[int(disagg.split("=", 1)[1])] = _dec(value)
                except ValueError:
                    continue
        if not self.exact and indicator.sensitive and suppression.is_small(prefix_total):
            # A median of fewer than 5 children is close to one child's own value.
            self.hid_something = True
            return "*"
        median = median_of_buckets(buckets)
        if median is None:
            return "—"
        text = suppression.exact(median).display()
        return f"{text} {indicator.unit_label}".strip()


def _label(indicator) -> str:
    return str(indicator.name)


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def _unit_columns() -> list:
    return [ind for ind in (_registered(c) for c in KEY_CODES) if ind is not None]


@dataclass
class _Breakdown:
    indicator: object
    dimension: object
    order: list[str]
    values: list[Decimal]
    cells: list = field(default_factory=list)
    total_hidden: bool = False


def _unit_cells(figures: dict, show: _Shower):
    """The cells (suppression.Cell) of a unit report's tables, protected together.

    Each table is protected on its own first (a breakdown or the children of one indicator
    with its total); a total hidden in one table is hidden in the main table too. For a reader
    who does not see exact figures, the tables are then checked together (suppression.Linked,
    as the dashboard does): a total hidden in one table must not come back as the sum of the
    children or of a breakdown shown in another, nor through the case balance (open at start
    + opened = closed + open at end). Found in the security review."""
    totals = figures.get("totals", {})
    children = figures.get("children") or []
    indicators = [ind for ind in all_indicators() if ind.kind != Kind.DISTRIBUTION]
    values = {ind.code: _dec(totals.get(key(ind.code))) for ind in indicators}
    main = {
        ind.code: (
            suppression.single(values[ind.code])
            if show.protected(ind)
            else suppression.exact(values[ind.code])
        )
        for ind in indicators
    }
    forced: set[str] = set()

    breakdowns: list[_Breakdown] = []
    for code, dim_code in BREAKDOWNS:
        indicator = _registered(code)
        if indicator is None or dim_code not in indicator.dimensions:
            continue
        if show.protected(indicator) and suppression.is_small(values[code]):
            continue  # a total under the threshold is not broken down (tables.py, review)
        dimension = DIMENSIONS[dim_code]
        prefix = f"{code}|{dim_code}="
        found = {
            name[len(prefix) :]: _dec(v) for name, v in totals.items() if name.startswith(prefix)
        }
        if not found:
            continue
        labels = dimension.labels() or {}
        order = [value for value in labels if value in found]
        order += sorted(value for value in found if value not in labels)
        item = _Breakdown(indicator, dimension, order, [found[value] for value in order])
        item.cells, total_cell = _cells(
            show, indicator, item.values, values[code], additive=dimension.additive
        )
        if total_cell.hidden:
            forced.add(code)
        breakdowns.append(item)

    columns = _unit_columns() if children else []
    child_cells: dict[str, list] = {}
    for ind in columns:
        column = [_dec(child["values"].get(ind.code)) for child in children]
        child_cells[ind.code], total_cell = _cells(show, ind, column, values[ind.code])
        if total_cell.hidden:
            forced.add(ind.code)

    for code in forced:
        if not main[code].hidden:
            main[code] = suppression.Cell(
                None,
                suppression.PRIMARY
                if suppression.is_small(values[code])
                else suppression.COMPLEMENTARY,
            )

    if not show.exact:
        _settle_unit(values, main, breakdowns, children, child_cells)
    return main, breakdowns, child_cells


def _cells(show: _Shower, indicator, values: list, total, *, additive: bool = True):
    if not show.protected(indicator):
        return [suppression.exact(v) for v in values], suppression.exact(total)
    return suppression.protect(values, total, additive=additive)


def _settle_unit(values, main, breakdowns, children, child_cells) -> None:
    model = suppression.Linked()
    totals = {}
    for ind in all_indicators():
        if ind.code in main and ind.kind == Kind.COUNT and ind.sensitive:
            totals[ind.code] = model.cell(values[ind.code], main[ind.code].marker, rank=1)
    places: list[tuple[list, int]] = []  # (cells list, index) per variable, for writing back
    variables: list[int] = []

    def add(cells: list, index: int, value) -> int:
        var = model.cell(value, cells[index].marker)
        places.append((cells, index))
        variables.append(var)
        return var

    for item in breakdowns:
        code = item.indicator.code
        if code not in totals:
            continue
        ids = [add(item.cells, i, v) for i, v in enumerate(item.values)]
        if item.dimension.additive:
            model.equal([totals[code]], ids)
        else:
            for var in ids:
                model.at_least([totals[code]], [var])
    for code, cells in child_cells.items():
        if code not in totals:
            continue
        column = [_dec(child["values"].get(code)) for child in children]
        model.equal([totals[code]], [add(cells, i, v) for i, v in enumerate(column)])
    for group in LINKED:
        if all(code in totals for code in group):
            start, opened, closed, end = (totals[code] for code in group)
            model.equal([start, opened], [closed, end])
    model.settle()
    for code, var in totals.items():
        if model.markers[var] != main[code].marker:
            main[code] = suppression.Cell(None, model.markers[var])
    for (cells, index), var in zip(places, variables, strict=True):
        if model.markers[var] != cells[index].marker:
            cells[index] = suppression.Cell(None, model.markers[var])


def _present_unit(report, figures: dict, show: _Shower) -> list[Section]:
    totals = figures.get("totals", {})
    children = figures.get("children") or []
    main, breakdowns, child_cells = _unit_cells(figures, show)
    show.totals = {code: cell.display() for code, cell in main.items()}

    rows: list[Row] = []
    section = None
    for ind in all_indicators():
        if str(ind.section) != section:
            section = str(ind.section)
            rows.append(Row(section, [""], heading=True))
        label = _label(ind)
        if ind.kind == Kind.AMOUNT and ind.unit_label:
            label = f"{label} ({ind.unit_label})"
        if ind.kind == Kind.DISTRIBUTION:
            label = _("%(name)s (trung vị)") % {"name": label}
            text = show.median(ind, totals, _dec(totals.get(key(ind.code))))
        else:
            text = show._mark(main[ind.code])
        rows.append(Row(label, [text]))
    caption = (
        _("Số liệu của trường")
        if report.kind == ReportKind.SCHOOL_SEMESTER
        else _("Số liệu toàn tỉnh")
    )
    sections = [Section(_("Số liệu tổng hợp"), [Table(caption, [_("Chỉ số"), _("Số liệu")], rows)])]

    if child_cells:
        columns = [ind for ind in _unit_columns() if ind.code in child_cells]
        tables = []
        for part in _chunks(columns, COLUMNS_PER_TABLE):
            table_rows = [
                Row(child["name"], [show._mark(child_cells[ind.code][i]) for ind in part])
                for i, child in enumerate(children)
            ]
            table_rows.append(
                Row(_("Toàn tỉnh"), [show._mark(main[ind.code]) for ind in part], strong=True)
            )
            tables.append(
                Table(
                    _("Số liệu theo đơn vị trực thuộc"),
                    [_("Đơn vị")] + [_label(ind) for ind in part],
                    table_rows,
                )
            )
        sections.append(Section(_("Số liệu theo đơn vị trực thuộc"), tables))

    if breakdowns:
        tables = []
        for item in breakdowns:
            labels = item.dimension.labels() or {}
            table_rows = [
                Row(
                    str(labels.get(value, _("Không rõ") if value == "unknown" else value)),
                    [show._mark(cell)],
                )
                for value, cell in zip(item.order, item.cells, strict=True)
            ]
            table_rows.append(Row(_("Tổng"), [show._mark(main[item.indicator.code])], strong=True))
            caption = _("%(indicator)s theo %(dimension)s") % {
                "indicator": _label(item.indicator),
                "dimension": str(item.dimension.label).lower(),
            }
            if not item.dimension.additive:
                caption += " " + _("(một trường hợp có thể thuộc nhiều nhóm)")
            tables.append(Table(caption, [str(item.dimension.label), _("Số lượng")], table_rows))
        sections.append(Section(_("Số liệu phân tổ"), tables))
    return sections


def _hidden(value) -> suppression.Cell:
    marker = suppression.PRIMARY if suppression.is_small(value) else suppression.COMPLEMENTARY
    return suppression.Cell(None, marker)


STOCKS = {"cases_open_at_start": "baseline", "cases_open_at_end": "end"}


def _settle_pilot(periods: dict, unit_cells: dict, compared: dict) -> None:
    """The pilot report's cells checked together (suppression.Linked): the program total of
    each indicator is the comparison's "whole" column and the sum of the localities, each
    locality the sum of its schools; the baseline and end months lie inside the program (an
    open-case count on its first or last day equals that month's); the case balance holds
    in each column."""
    model = suppression.Linked()
    places: list[tuple[object, object, int]] = []  # (container, index, variable)

    def add(container, index, value, rank=0) -> int:
        var = model.cell(value, container[index].marker, rank=rank)
        places.append((container, index, var))
        return var

    columns: dict[str, dict[str, int]] = {}
    for code, cells in compared.items():
        indicator = _registered(code)
        if indicator is None or indicator.kind != Kind.COUNT or not indicator.sensitive:
            continue
        ids = {
            name: add(cells, name, _dec(periods.get(name, {}).get(key(code))), rank=2)
            for name in ("baseline", "end", "whole")
        }
        columns[code] = ids
        if code in STOCKS:
            model.equal([ids["whole"]], [ids[STOCKS[code]]])
        else:
            model.at_least([ids["whole"]], [ids["baseline"]])
            model.at_least([ids["whole"]], [ids["end"]])
        table = unit_cells.get(code)
        if table is None:
            continue
        subs = [
            add(table["places"], i, value, rank=1) for i, value in enumerate(table["place_values"])
        ]
        model.equal([ids["whole"]], subs)
        for i, sub in enumerate(subs):
            schools = [
                add(table["schools"][i], j, value)
                for j, value in enumerate(table["school_values"][i])
            ]
            model.equal([sub], schools)
    for group in LINKED:
        if all(code in columns for code in group):
            for name in ("baseline", "end", "whole"):
                start, opened, closed, end = (columns[code][name] for code in group)
                model.equal([start, opened], [closed, end])
    model.settle()
    for container, index, var in places:
        if model.markers[var] != container[index].marker:
            container[index] = suppression.Cell(None, model.markers[var])


def _present_pilot(figures: dict, show: _Shower) -> list[Section]:
    periods = figures.get("periods", {})
    labels = figures.get("labels", {})
    localities = figures.get("localities", [])
    columns = _unit_columns()

    # Per school, inside its locality, for the whole program period. Nested protection: the
    # localities against the national total, then each locality's schools against its
    # subtotal; then everything is checked together (_settle_pilot), because a subtotal
    # hidden among the localities is the sum of its own schools shown right below it.
    whole = periods.get("whole", {})
    unit_cells: dict[str, dict] = {}
    for ind in columns:
        place_values = [
            sum((_dec(s["values"].get(ind.code)) for s in place["schools"]), Decimal(0))
            for place in localities
        ]
        grand = _dec(whole.get(key(ind.code)))
        place_cells, grand_cell = _cells(show, ind, place_values, grand)
        school_cells, school_values = [], []
        for i, place in enumerate(localities):
            values = [_dec(s["values"].get(ind.code)) for s in place["schools"]]
            cells, sub_cell = _cells(show, ind, values, place_values[i])
            if sub_cell.hidden and not place_cells[i].hidden:
                place_cells[i] = _hidden(place_values[i])
            school_cells.append(cells)
            school_values.append(values)
        unit_cells[ind.code] = {
            "places": place_cells,
            "place_values": place_values,
            "schools": school_cells,
            "school_values": school_values,
            "grand": grand_cell,
        }

    # Baseline vs end vs whole period, for all the pilot's schools together.
    compared: dict[str, dict[str, suppression.Cell]] = {}
    for ind in all_indicators():
        if ind.kind == Kind.DISTRIBUTION:
            continue
        compared[ind.code] = {}
        for name in ("baseline", "end", "whole"):
            value = _dec(periods.get(name, {}).get(key(ind.code)))
            cell = suppression.single(value) if show.protected(ind) else suppression.exact(value)
            grand_cell = unit_cells.get(ind.code, {}).get("grand")
            if name == "whole" and grand_cell is not None and grand_cell.hidden and not cell.hidden:
                cell = _hidden(value)
            compared[ind.code][name] = cell
    if not show.exact:
        _settle_pilot(periods, unit_cells, compared)
    show.totals = {code: cells["whole"].display() for code, cells in compared.items()}

    comparison_rows: list[Row] = []
    section = None
    for ind in all_indicators():
        if str(ind.section) != section:
            section = str(ind.section)
            comparison_rows.append(Row(section, ["", "", ""], heading=True))
        cells = []
        for name in ("baseline", "end", "whole"):
            totals = periods.get(name, {})
            value = _dec(totals.get(key(ind.code)))
            if ind.kind == Kind.DISTRIBUTION:
                cells.append(show.median(ind, totals, value))
                continue
            cells.append(show._mark(compared[ind.code][name]))
        label = _label(ind)
        if ind.kind == Kind.DISTRIBUTION:
            label = _("%(name)s (trung vị)") % {"name": label}
        comparison_rows.append(Row(label, cells))
    comparison = Table(
        _("Các trường thí điểm: đầu kỳ, cuối kỳ và cả thời gian thí điểm"),
        [
            _("Chỉ số"),
            _("Đầu kỳ (%(period)s)") % {"period": labels.get("baseline", "")},
            _("Cuối kỳ (%(period)s)") % {"period": labels.get("end", "")},
            _("Cả thời gian thí điểm"),
        ],
        comparison_rows,
    )
    sections = [Section(_("So sánh đầu kỳ và cuối kỳ thí điểm"), [comparison])]

    if columns and localities:
        tables = []
        for part in _chunks(columns, COLUMNS_PER_TABLE):
            rows = []
            for i, place in enumerate(localities):
                rows.append(
                    Row(
                        place["name"],
                        [show._mark(unit_cells[ind.code]["places"][i]) for ind in part],
                        strong=True,
                    )
                )
                for j, school in enumerate(place["schools"]):
                    rows.append(
                        Row(
                            school["name"],
                            [show._mark(unit_cells[ind.code]["schools"][i][j]) for ind in part],
                            level=1,
                        )
                    )
            rows.append(
                Row(
                    _("Tổng cộng"),
                    [show._mark(compared[ind.code]["whole"]) for ind in part],
                    strong=True,
                )
            )
            tables.append(
                Table(
                    _("Theo địa phương và trường (cả thời gian thí điểm)"),
                    [_("Địa phương, trường")] + [_label(ind) for ind in part],
                    rows,
                )
            )
        sections.append(Section(_("Kết quả theo địa phương và trường"), tables))

    trainings = figures.get("trainings", {})
    visits = figures.get("visits", {})
    number = suppression.exact
    training_table = Table(
        _("Tập huấn, trao đổi kinh nghiệm của chương trình"),
        [_("Nội dung"), _("Số liệu")],
        [
            Row(_("Số khóa tập huấn"), [number(trainings.get("count", 0)).display()]),
            Row(_("Số lượt người tham gia"), [number(trainings.get("participants", 0)).display()]),
            Row(_("Tổng số giờ tập huấn"), [number(_dec(trainings.get("hours"))).display()]),
            Row(_("Tổng số giờ-người"), [number(_dec(trainings.get("person_hours"))).display()]),
            Row(
                _("Số buổi trao đổi kinh nghiệm"), [number(trainings.get("exchanges", 0)).display()]
            ),
        ],
    )
    average = visits.get("average_score") or ""
    visit_rows = [
        Row(
            row["name"],
            [
                number(row["count"]).display(),
                f"{number(_dec(row['average_score'])).display()}%" if row["average_score"] else "—",
                f"{row['resolved']}/{row['actions']}",
            ],
        )
        for row in figures.get("visits_by_locality", [])
    ]
    visit_rows.append(
        Row(
            _("Tổng cộng"),
            [
                number(visits.get("count", 0)).display(),
                f"{number(_dec(average)).display()}%" if average else "—",
                f"{visits.get('resolved', 0)}/{visits.get('actions', 0)}",
            ],
            strong=True,
        )
    )
    visit_table = Table(
        _("Giám sát, hỗ trợ tại trường của chương trình"),
        [
            _("Địa phương"),
            _("Số đợt giám sát"),
            _("Điểm trung bình"),
            _("Việc khắc phục đã xong/tổng số"),
        ],
        visit_rows,
    )
    sections.append(Section(_("Tập huấn và giám sát"), [training_table, visit_table]))
    return sections


def present(report, figures: dict | None = None, *, exact: bool) -> Presentation:
    """The report's figures as sections of tables for a reader (exact or suppressed)."""
    figures = figures if figures is not None else figures_for(report)
    show = _Shower(exact)
    if report.kind == ReportKind.PILOT_EVALUATION:
        sections = _present_pilot(figures, show)
    else:
        sections = _present_unit(report, figures, show)
    return Presentation(
        sections=sections, suppressed=show.hid_something, exact=exact, totals=show.totals
    )


def legend() -> list[str]:
    return [
        _("<5: từ 1 đến 4 (ẩn để không nhận ra được học sinh)."),
        _("×: ẩn thêm để không tính ngược ra được ô đã ẩn."),
        _("*: không nêu trung vị khi có dưới 5 trường hợp."),
    ]


# --- the Decree 30/2020 letterhead ----------------------------------------------------------
# Decree 30/2020/NĐ-CP Appendix I: the managing body (cơ quan chủ quản) in upright capitals,
# the issuing body in bold capitals below it, "Số: …/BC-…", the place and date "<Place>, ngày
# dd tháng mm năm yyyy" (day < 10 and months 1 and 2 take a leading zero), the title and the
# summary (trích yếu), the addressee, the recipients and the signer's authority.

# Centrally run cities (thành phố trực thuộc trung ương): their People's Committee is "UBND
# THÀNH PHỐ …". Huế became one on 01/01/2025.
CENTRAL_CITIES = {"01", "31", "46", "48", "79", "92"}
_LEVEL_WORDS = {"tiểu học": "TH"}


def province_name(department: OrgUnit) -> str:
    """ "Sở GD&ĐT TP. Hồ Chí Minh" → "Hồ Chí Minh"."""
    name = department.name
    for prefix in ("Sở GD&ĐT ", "Sở Giáo dục và Đào tạo "):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    for prefix in ("TP. ", "Thành phố ", "Tỉnh "):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    return name.strip()


def _is_city(department: OrgUnit) -> bool:
    return department.code in CENTRAL_CITIES and (
        department.valid_to is None or department.code != "46"
    )


def chain_then(unit: OrgUnit, day) -> list[OrgUnit]:
    """The units above `unit` on `day` (as it was), nearest first."""
    from .history import tree_on

    ids = tree_on(day).ancestors_then(unit.pk)
    units = OrgUnit.objects.in_bulk(ids)
    return [units[i] for i in ids if i in units]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def letterhead(report) -> dict[str, str]:
    """The header texts of the official document for this report."""
    unit, period = report.org_unit, report.period
    above = chain_then(unit, period.starts_on)
    parent = above[0] if above else None
    department = (
        unit
        if unit.kind == "department"
        else next((u for u in above if u.kind == "department"), None)
    )
    province = province_name(department) if department else ""
    # "trên địa bàn tỉnh Tuyên Quang", "thành phố Hà Nội".
    area = (("thành phố " if _is_city(department) else "tỉnh ") + province) if province else ""
    if unit.kind == "school":
        if parent is not None and parent.kind == "commune":
            managing = f"UBND {parent.name}".upper()
            addressee = _("Ủy ban nhân dân %(commune)s") % {"commune": _lower_first(parent.name)}
        else:
            managing = f"SỞ GD&ĐT {province}".upper() if province else ""
            addressee = _("Sở Giáo dục và Đào tạo %(province)s") % {"province": province}
        issuing = unit.name.upper()
        authority = "HIỆU TRƯỞNG"
        place = province
    elif unit.kind == "department":
        kind = "THÀNH PHỐ" if _is_city(unit) else "TỈNH"
        managing = f"UBND {kind} {province}".upper()
        issuing = "SỞ GIÁO DỤC VÀ ĐÀO TẠO"
        addressee = _("Bộ Giáo dục và Đào tạo")
        authority = "GIÁM ĐỐC"
        place = province
    else:
        managing = ""
        issuing = "BỘ GIÁO DỤC VÀ ĐÀO TẠO"
        addressee = ""
        authority = "KT. BỘ TRƯỞNG\nTHỨ TRƯỞNG"
        place = "Hà Nội"
    if place == "Hồ Chí Minh":
        place = "Thành phố Hồ Chí Minh"  # "Hồ Chí Minh" alone names the man, not the city
    return {
        "managing": managing,
        "issuing": issuing,
        "abbrev": symbol_abbrev(unit),
        "addressee": addressee,
        "authority": authority,
        "place": place,
        "summary": summary(report, area),
    }


def symbol_abbrev(unit: OrgUnit) -> str:
    """The issuing body's abbreviation in the document symbol: "SGDĐT", "BGDĐT", or the
    school's ("Trường THCS Lĩnh Nam" → "THCSLN")."""
    if unit.kind == "department":
        return "SGDĐT"
    if unit.kind == "ministry":
        return "BGDĐT"
    name = unit.name
    if name.lower().startswith("trường "):
        name = name[len("trường ") :]
    for words, short in _LEVEL_WORDS.items():
        name = name.replace(words.capitalize(), short).replace(words, short)
    parts = []
    for word in name.split():
        parts.append(word if word.isupper() else word[:1].upper())
    return "".join(parts)


def summary(report, area: str = "") -> str:
    """The trích yếu: what the report is about."""
    period = str(report.period)
    if report.kind == ReportKind.PILOT_EVALUATION and report.period.program_id:
        return _("Đánh giá kết quả thực hiện %(program)s") % {
            "program": _lower_first(report.period.program.title)
        }
    if report.kind == ReportKind.PROVINCE:
        return _(
            "Kết quả công tác tư vấn tâm lý, công tác xã hội trong trường học trên địa bàn "
            "%(area)s, %(period)s"
        ) % {"area": area, "period": _lower_first(period)}
    return _("Kết quả công tác tư vấn tâm lý, công tác xã hội trong trường học %(period)s") % {
        "period": _lower_first(period)
    }


def default_recipients(report) -> str:
    if report.kind == ReportKind.PILOT_EVALUATION:
        return "- Lãnh đạo Bộ (để báo cáo);\n- Sở GD&ĐT các địa phương thí điểm;\n- Lưu: VT."
    return "- Như trên;\n- Lưu: VT."


def decree_date(day, place: str) -> str:
    """ "Tuyên Quang, ngày 05 tháng 02 năm 2027" (Decree 30: a day below 10 and the months
    1 and 2 take a leading zero; other months do not)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    text = f"ngày {day.day:02d} tháng {month} năm {day.year}"
    return f"{place}, {text}" if place else text


def number_line(report, abbrev: str) -> str:
    """ "Số: 12/BC-SGDĐT"; the number stays blank until the clerk (văn thư) assigns it."""
    value = (report.number_symbol or "").strip()
    if not value:
        return f"Số:      /BC-{abbrev}"
    if "/" in value:
        return f"Số: {value}"
    return f"Số: {value}/BC-{abbrev}"
