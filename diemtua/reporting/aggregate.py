"""Totals of indicator values for any unit, from the per-unit rows (never from raw records).

Everything under a unit is one indexed join through the org closure table; units that moved
since the period began (orgs.PastPlacement) are counted where they sat then, unless the reader
asks for today's borders (`as_today`), which maps old units to their successors.
Values here are exact: callers above the school pass them through reporting.suppression.
"""

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Q, Sum

from diemtua.orgs.models import OrgUnit, OrgUnitAncestor

from . import subtree as subtree_totals
from .history import TreeOnDay, tree_on
from .models import IndicatorValue, Period, SubtreeTotal

Key = tuple[str, str]  # (indicator code, disaggregation key)


def tree_for(period: Period, *, as_today: bool = False) -> TreeOnDay:
    return tree_on(None if as_today else period.starts_on)


def _values(period: Period, codes: Iterable[str] | None, disaggregations) -> Q:
    q = Q(period=period)
    if codes is not None:
        q &= Q(indicator__in=list(codes))
    if disaggregations is not None:
        q &= Q(disaggregation__in=list(disaggregations))
    return q


def unit_totals(
    unit: OrgUnit,
    period: Period,
    *,
    codes: Iterable[str] | None = None,
    disaggregations: Iterable[str] | None = None,
    as_today: bool = False,
    tree: TreeOnDay | None = None,
) -> dict[Key, Decimal]:
    """{(indicator, disaggregation): value} for everything under `unit` in `period`."""
    tree = tree or tree_for(period, as_today=as_today)
    codes = list(codes) if codes is not None else None
    if subtree_totals.usable([period], tree):
        rows = SubtreeTotal.objects.filter(_values(period, codes, disaggregations), org_unit=unit)
        return {
            (code, key): value
            for code, key, value in rows.values_list("indicator", "disaggregation", "value")
        }
    base = IndicatorValue.objects.filter(_values(period, codes, disaggregations))
    current = base.filter(org_unit__ancestor_links__ancestor=unit)
    moved = tree.moved_ids()
    if moved:
        current = current.exclude(org_unit_id__in=moved)
    totals: dict[Key, Decimal] = defaultdict(Decimal)
    for row in current.values("indicator", "disaggregation").annotate(v=Sum("value")).order_by():
        totals[(row["indicator"], row["disaggregation"])] += row["v"]
    extra: set[int] = set()
    for moved_unit in tree.moved_units_under(unit.pk):
        extra |= tree.moved_subtrees.get(moved_unit, {moved_unit})
    if unit.pk in tree.parent_then or unit.pk in moved:
        # The unit itself moved: its own subtree is still its own.
        extra |= tree.moved_subtrees.get(unit.pk, {unit.pk})
    if extra:
        rows = base.filter(org_unit_id__in=extra).values("indicator", "disaggregation")
        for row in rows.annotate(v=Sum("value")).order_by():
            totals[(row["indicator"], row["disaggregation"])] += row["v"]
    return dict(totals)


def children_on(unit: OrgUnit, period: Period, tree: TreeOnDay) -> list[OrgUnit]:
    """The units directly under `unit` during the period, in the tree the reader chose."""
    qs = unit.children.exclude(kind="provider")
    if tree.day is None:
        qs = qs.filter(valid_to__isnull=True)
    else:
        qs = qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=period.starts_on))
        qs = qs.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=period.ends_on))
    moved_in = [m for m, parent in tree.parent_then.items() if parent == unit.pk]
    children = [c for c in qs if c.pk not in tree.parent_then]
    if moved_in:
        children += list(OrgUnit.objects.filter(pk__in=moved_in))
    return sorted(children, key=lambda c: (c.kind != "commune", c.search_name))


def child_totals(
    unit: OrgUnit,
    period: Period,
    *,
    codes: Iterable[str] | None = None,
    disaggregations: Iterable[str] | None = ("",),
    as_today: bool = False,
    tree: TreeOnDay | None = None,
) -> dict[int, dict[Key, Decimal]]:
    """{child id: {(indicator, disaggregation): value}} — one entry per unit directly under
    `unit`, plus `unit.pk` itself for records kept at the unit (a department's own trainings).
    The entries add up to unit_totals() for additive indicators."""
    tree = tree or tree_for(period, as_today=as_today)
    codes = list(codes) if codes is not None else None
    filters = _values(period, codes, disaggregations)
    moved = tree.moved_ids()
    result: dict[int, dict[Key, Decimal]] = defaultdict(lambda: defaultdict(Decimal))

    own = IndicatorValue.objects.filter(filters, org_unit=unit)
    if unit.pk not in moved:
        for row in own.values("indicator", "disaggregation", "value"):
            result[unit.pk][(row["indicator"], row["disaggregation"])] += row["value"]

    if subtree_totals.usable([period], tree):
        below = SubtreeTotal.objects.filter(filters, org_unit__parent=unit)
        for child_id, code, key, value in below.values_list(
            "org_unit_id", "indicator", "disaggregation", "value"
        ):
            result[child_id][(code, key)] += value
        return {unit_id: dict(values) for unit_id, values in result.items()}

    prefixed = Q()
    for lookup, value in filters.children:  # the same filters, seen from the closure table
        prefixed &= Q(**{f"descendant__indicator_values__{lookup}": value})
    links = OrgUnitAncestor.objects.filter(prefixed, ancestor__parent=unit)
    if moved:
        links = links.exclude(descendant_id__in=moved).exclude(ancestor_id__in=moved)
    rows = links.values(
        "ancestor_id",
        "descendant__indicator_values__indicator",
        "descendant__indicator_values__disaggregation",
    ).annotate(v=Sum("descendant__indicator_values__value"))
    for row in rows.order_by():
        key = (
            row["descendant__indicator_values__indicator"],
            row["descendant__indicator_values__disaggregation"],
        )
        result[row["ancestor_id"]][key] += row["v"]

    for moved_unit, child_id in tree.moved_units_under(unit.pk).items():
        subtree = tree.moved_subtrees.get(moved_unit, {moved_unit})
        extra = IndicatorValue.objects.filter(filters, org_unit_id__in=subtree)
        for row in extra.values("indicator", "disaggregation").annotate(v=Sum("value")).order_by():
            result[child_id][(row["indicator"], row["disaggregation"])] += row["v"]
    return {unit_id: dict(values) for unit_id, values in result.items()}
