"""Reads around the dashboards (breadcrumb, programs of a unit, freshness, merged units,
report statuses) and the one write they start: recomputing a subtree's stale indicators.

Figures themselves are built in reporting.tables; nothing here returns student data.
"""

import datetime
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from diemtua.accounts import access as account_access
from diemtua.audit import services as audit
from diemtua.orgs.models import OrgKind, OrgUnit, OrgUnitAncestor

from . import rollup, subtree
from .access import DASHBOARD_ROLES
from .history import TreeOnDay
from .models import (
    IndicatorValue,
    Period,
    PeriodKind,
    Report,
    ReportKind,
    StaleUnit,
    SubtreeTotal,
)
from .periods import SEMESTER_ONE_END, SEMESTER_TWO_END, school_year_code, school_year_of
from .tables import Crumb, Params, report_status_text, unit_label

KIND_ORDER = {OrgKind.MINISTRY: 0, OrgKind.DEPARTMENT: 1, OrgKind.COMMUNE: 2, OrgKind.SCHOOL: 3}


def top_unit(units: list[OrgUnit]) -> OrgUnit:
    """The highest of the user's dashboard units (the Ministry before a Department…); a unit
    still in force before one that ended."""
    return min(units, key=lambda u: (u.valid_to is not None, KIND_ORDER.get(u.kind, 9), u.pk))


def programs_of_unit(unit: OrgUnit) -> list:
    """Programs the unit owns or takes part in: owned by it or a unit below it, naming it (or
    a unit it succeeded, or one below it) as a locality, or enrolling a school below it."""
    from diemtua.programs.models import Program

    below = OrgUnitAncestor.objects.filter(ancestor=unit).values("descendant_id")
    reach = (
        Q(owner_id__in=below)
        | Q(localities__unit_id__in=below)
        | Q(localities__unit__successor_id__in=below)
        | Q(enrolments__school_id__in=below)
    )
    return list(Program.objects.filter(reach).distinct().order_by("-starts_on", "title"))


def _moved_into(unit: OrgUnit, tree: TreeOnDay | None) -> set[int]:
    ids: set[int] = set()
    if tree is None:
        return ids
    for moved in tree.moved_units_under(unit.pk):
        ids |= tree.moved_subtrees.get(moved, {moved})
    return ids


def _in_scope(unit: OrgUnit, tree: TreeOnDay | None, prefix: str = "org_unit") -> Q:
    q = Q(**{f"{prefix}__ancestor_links__ancestor": unit})
    extra = _moved_into(unit, tree)
    if extra:
        q |= Q(**{f"{prefix}_id__in": extra})
    return q


def computed_at(unit: OrgUnit, period: Period, tree: TreeOnDay | None) -> datetime.datetime | None:
    """When the newest figure of the unit's scope for the period was computed."""
    if subtree.usable([period], tree):
        rows = SubtreeTotal.objects.filter(org_unit=unit, period=period)
        return rows.aggregate(at=Max("computed_at"))["at"]
    rows = IndicatorValue.objects.filter(_in_scope(unit, tree), period=period)
    return rows.aggregate(at=Max("computed_at"))["at"]


def stale_count(unit: OrgUnit, tree: TreeOnDay | None = None) -> int:
    """Units in scope whose records changed since their figures were computed."""
    return StaleUnit.objects.filter(_in_scope(unit, tree)).distinct().count()


REFRESH_LOCK = "reporting:dashboard-refresh:{}"


class RefreshBusy(Exception):
    """Another refresh of the same unit is running."""


def refresh_in_scope(*, actor, unit: OrgUnit) -> dict[str, int]:
    """Recompute the stale units inside `unit`'s subtree now ("Cập nhật số liệu ngay").

    The same work as rollup.refresh_stale(), restricted to the subtree, from the earliest
    changed day on. Idempotent: a second click finds no stale unit and does nothing; a click
    while the first still runs is refused (RefreshBusy). A unit marked again during the run
    keeps its mark (its marked_at is newer), as in refresh_stale().
    """
    key = REFRESH_LOCK.format(unit.pk)
    if not cache.add(key, 1, timeout=600):
        raise RefreshBusy
    try:
        from .signals import new_refresh_generation

        new_refresh_generation()
        started = timezone.now()
        stale = list(StaleUnit.objects.filter(_in_scope(unit, None)).distinct())
        if not stale:
            return {"units": 0, "periods": 0, "rows": 0}
        ids = [mark.org_unit_id for mark in stale]
        result = rollup.refresh(first=min(mark.since for mark in stale), unit_ids=ids)
        StaleUnit.objects.filter(org_unit_id__in=ids, marked_at__lte=started).delete()
        result["units"] = len(stale)
        audit.record(
            actor=actor,
            action="reporting.dashboard_refresh",
            obj=unit,
            org_unit=unit,
            extra={"units": len(stale), "rows": result["rows"]},
        )
        return result
    finally:
        cache.delete(key)


def breadcrumb(user, unit: OrgUnit, tree: TreeOnDay, params: Params) -> list[Crumb]:
    """From the user's top unit down to `unit`, in the tree the reader chose (a 2024 school
    under Hà Giang). A user who reaches an ended unit through its successor (Tuyên Quang's
    officer looking at Hà Giang) starts from that successor."""
    if tree.day is not None and unit.pk in tree.moved_ids():
        chain = [*reversed(tree.ancestors_then(unit.pk)), unit.pk]
    else:
        chain = list(
            OrgUnitAncestor.objects.filter(descendant=unit)
            .order_by("-depth")
            .values_list("ancestor_id", flat=True)
        )
    units = OrgUnit.objects.in_bulk(chain)
    roots = {m.org_unit_id for m in account_access.memberships(user) if m.role in DASHBOARD_ROLES}
    start, prefix = len(chain) - 1, None
    for index, pk in enumerate(chain):
        if pk in roots:
            start = index
            break
        current = units.get(pk)
        if current and current.successor_id:
            over = account_access.roles_over(user, current.successor_id)
            if over & DASHBOARD_ROLES:
                start, prefix = index, current.successor
                break
    crumbs = []
    if prefix is not None:
        crumbs.append(Crumb(unit_label(prefix), _url(prefix.pk, params)))
    for pk in chain[start:]:
        current = units[pk]
        crumbs.append(Crumb(unit_label(current), "" if pk == unit.pk else _url(pk, params)))
    return crumbs


def _url(pk: int, params: Params) -> str:
    return f"{reverse('dashboard_unit', args=[pk])}?{params.query()}"


@dataclass
class EndedUnit:
    unit: OrgUnit
    chain: list[OrgUnit] = field(default_factory=list)
    reachable: bool = False
    then_url: str = ""
    today_url: str = ""

    @property
    def last(self) -> OrgUnit | None:
        return self.chain[-1] if self.chain else None

    @property
    def merged_from(self) -> datetime.date:
        return self.unit.valid_to + datetime.timedelta(days=1)


def ended_units(user) -> list[EndedUnit]:
    """Every unit that ended (the 2025 mergers) with its successor chain, and whether this user
    may open its figures (a role at or above it, or at or above a successor)."""
    ended = list(
        OrgUnit.objects.filter(valid_to__isnull=False)
        .exclude(kind=OrgKind.PROVIDER)
        .order_by("kind", "search_name")
    )
    known = {u.pk: u for u in ended}
    wanted = {u.successor_id for u in ended if u.successor_id} - set(known)
    while wanted:  # successors of successors, a few queries at most
        found = OrgUnit.objects.in_bulk(wanted)
        known.update(found)
        wanted = {u.successor_id for u in found.values() if u.successor_id} - set(known)
    items = []
    for unit in ended:
        chain, seen, current = [], {unit.pk}, unit
        while current.successor_id and current.successor_id not in seen:
            current = known[current.successor_id]
            seen.add(current.pk)
            chain.append(current)
        items.append(EndedUnit(unit=unit, chain=chain))
    roots = {m.org_unit_id for m in account_access.memberships(user) if m.role in DASHBOARD_ROLES}
    ids = {u.pk for u in ended} | {c.pk for item in items for c in item.chain}
    above: dict[int, set[int]] = {pk: set() for pk in ids}
    for descendant, ancestor in OrgUnitAncestor.objects.filter(descendant_id__in=ids).values_list(
        "descendant_id", "ancestor_id"
    ):
        above[descendant].add(ancestor)
    for item in items:
        reach = [item.unit, *item.chain]
        item.reachable = any(above[u.pk] & roots for u in reach)
        if item.reachable:
            year = school_year_code(school_year_of(item.unit.valid_to))
            item.then_url = (
                f"{reverse('dashboard_unit', args=[item.unit.pk])}?period={year}&borders=then"
            )
            if item.last is not None:
                item.today_url = (
                    f"{reverse('dashboard_unit', args=[item.last.pk])}?period={year}&borders=today"
                )
    items.sort(key=lambda item: not item.reachable)  # stable: kind and name order kept
    return items


def _semesters_overlapping(period: Period) -> list[tuple[str, str]]:
    """(code, short label) of the semesters that overlap the period."""
    found = []
    for start in range(school_year_of(period.starts_on), school_year_of(period.ends_on) + 1):
        bounds = {
            1: (datetime.date(start, 9, 1), datetime.date(start + 1, *SEMESTER_ONE_END)),
            2: (
                datetime.date(start + 1, *SEMESTER_ONE_END) + datetime.timedelta(days=1),
                datetime.date(start + 1, *SEMESTER_TWO_END),
            ),
        }
        for number, (first, last) in bounds.items():
            if first <= period.ends_on and last >= period.starts_on:
                label = _("HK %(n)s %(year)s") % {
                    "n": "I" if number == 1 else "II",
                    "year": school_year_code(start),
                }
                found.append((f"{school_year_code(start)}-HK{number}", label))
    return found


def semester_report_statuses(school_ids: list[int], period: Period) -> dict[int, str]:
    """{school id: the status of its semester report(s) for the period} (one query).

    A semester gives one status; a longer period lists each semester it overlaps; the summer
    break has none ("—")."""
    semesters = _semesters_overlapping(period)
    if not semesters:
        return {pk: "—" for pk in school_ids}
    reports = Report.objects.filter(
        kind=ReportKind.SCHOOL_SEMESTER,
        org_unit_id__in=school_ids,
        period__kind=PeriodKind.SEMESTER,
        period__code__in=[code for code, _label in semesters],
    ).values_list("org_unit_id", "period__code", "status")
    status = {(unit_id, code): value for unit_id, code, value in reports}
    result = {}
    for pk in school_ids:
        if len(semesters) == 1:
            result[pk] = str(report_status_text(status.get((pk, semesters[0][0]))))
        else:
            result[pk] = "; ".join(
                f"{label}: {report_status_text(status.get((pk, code)))}"
                for code, label in semesters
            )
    return result
