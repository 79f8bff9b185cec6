"""Reads of budget lines, scoped to what the user may see (access.py): the lines of every unit
in the subtree where they hold a viewing role, and of the merged units those carry on."""

from django.db.models import Count, DecimalField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from diemtua.accounts import access as account_access
from diemtua.core.text import fold
from diemtua.orgs.models import OrgUnit, OrgUnitAncestor
from diemtua.programs.models import Program

from .access import VIEW_ROLES
from .models import BudgetLine, Purpose, Source

AMOUNTS = ("planned", "committed", "spent")


def _subtree(user) -> QuerySet:
    own = [m.org_unit_id for m in account_access.memberships(user) if m.role in VIEW_ROLES]
    return OrgUnitAncestor.objects.filter(ancestor_id__in=own).values("descendant_id")


def visible_lines(*, fetched_by) -> QuerySet[BudgetLine]:
    subtree = _subtree(fetched_by)
    return BudgetLine.objects.filter(Q(unit_id__in=subtree) | Q(unit__successor_id__in=subtree))


def lines_for(
    *,
    fetched_by,
    year: int | None = None,
    source: str = "",
    purpose: str = "",
    program=None,
    unit: OrgUnit | None = None,
    query: str = "",
) -> QuerySet[BudgetLine]:
    """The filtered lines; `unit` keeps its subtree (and what merged into it)."""
    qs = visible_lines(fetched_by=fetched_by)
    if year:
        qs = qs.filter(fiscal_year=year)
    if source:
        qs = qs.filter(source=source)
    if purpose:
        qs = qs.filter(purpose=purpose)
    if program is not None:
        qs = qs.filter(program=program)
    if unit is not None:
        below = OrgUnitAncestor.objects.filter(ancestor_id=unit.pk).values("descendant_id")
        qs = qs.filter(Q(unit_id__in=below) | Q(unit__successor_id__in=below))
    folded = fold(query)
    if folded:
        qs = qs.filter(search_title__contains=folded)
    return qs


def _sums() -> dict:
    zero = DecimalField(max_digits=18, decimal_places=0)
    return {f: Coalesce(Sum(f), 0, output_field=zero) for f in AMOUNTS} | {"lines": Count("pk")}


def _row(values: dict) -> dict:
    row = {f: values.get(f) or 0 for f in AMOUNTS}
    row["lines"] = values.get("lines", 0)
    row["percent"] = round(row["spent"] * 100 / row["planned"]) if row["planned"] else None
    row["remaining"] = row["planned"] - row["spent"]
    return row


def budget_totals(lines: QuerySet[BudgetLine]) -> dict:
    """Totals of the filtered lines: overall, by source, by purpose and by unit (4 queries)."""
    base = lines.order_by()
    by_source = {r.pop("source"): r for r in base.values("source").annotate(**_sums())}
    by_purpose = {r.pop("purpose"): r for r in base.values("purpose").annotate(**_sums())}
    by_unit = list(base.values("unit_id", "unit__name").annotate(**_sums()).order_by("unit__name"))
    return {
        "overall": _row(base.aggregate(**_sums())),
        "by_source": [
            {"code": code, "label": label, **_row(by_source.get(code, {}))}
            for code, label in Source.choices
            if code in by_source
        ],
        "by_purpose": [
            {"code": code, "label": label, **_row(by_purpose.get(code, {}))}
            for code, label in Purpose.choices
            if code in by_purpose
        ],
        "by_unit": [
            {"unit_id": r["unit_id"], "label": r["unit__name"], **_row(r)} for r in by_unit
        ],
    }


def table_rows(lines: QuerySet[BudgetLine]) -> QuerySet[BudgetLine]:
    return (
        lines.select_related("unit", "program")
        .annotate(attachment_count=Count("attachments", distinct=True))
        .order_by("-fiscal_year", "unit__search_name", "purpose", "pk")
    )


def filter_choices(*, fetched_by) -> dict:
    """Years, programs and units to filter by: those of the visible lines, and the user's own
    units (so an empty table still offers them)."""
    visible = visible_lines(fetched_by=fetched_by)
    years = sorted(set(visible.values_list("fiscal_year", flat=True)), reverse=True)
    own = [m.org_unit_id for m in account_access.memberships(fetched_by) if m.role in VIEW_ROLES]
    units = OrgUnit.objects.filter(Q(pk__in=own) | Q(pk__in=visible.values("unit_id"))).order_by(
        "kind", "search_name"
    )
    programs = Program.objects.filter(pk__in=visible.values("program_id")).order_by("-starts_on")
    return {"years": years, "units": units, "programs": programs}


def programs_for_unit(unit: OrgUnit) -> QuerySet[Program]:
    """Programs a line of `unit` may belong to: run by the unit or a unit above it, or one the
    unit takes part in (as a locality or an enrolled school)."""
    above = OrgUnitAncestor.objects.filter(descendant_id=unit.pk).values("ancestor_id")
    return (
        Program.objects.filter(
            Q(owner_id__in=above) | Q(localities__unit=unit) | Q(enrolments__school=unit)
        )
        .distinct()
        .order_by("-starts_on", "title")
    )


def programs_for_units(units) -> QuerySet[Program]:
    ids = [u.pk for u in units]
    above = OrgUnitAncestor.objects.filter(descendant_id__in=ids).values("ancestor_id")
    return (
        Program.objects.filter(
            Q(owner_id__in=above)
            | Q(localities__unit_id__in=ids)
            | Q(enrolments__school_id__in=ids)
        )
        .distinct()
        .order_by("-starts_on", "title")
    )


def line_history(line: BudgetLine) -> list:
    """The line's audit rows (created, changed, with old → new amounts), newest first."""
    from diemtua.audit.selectors import events_for_object

    return [
        e
        for e in events_for_object(obj=line, limit=50)
        if e.action in ("funding.budget_line_create", "funding.budget_line_update")
    ]
