"""Reads of programs, each scoped to the person asking (access.py decides the scope)."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from diemtua.accounts import access as account_access
from diemtua.accounts.models import Membership
from diemtua.accounts.roles import Role
from diemtua.core.text import fold
from diemtua.orgs.models import OrgKind, OrgUnit, OrgUnitAncestor

from . import access, rules
from .models import (
    DesignatedStaff,
    Enrolment,
    Program,
    ProgramLocality,
    ProgramStatus,
    ProgramTask,
    TaskStatus,
)


def _my_view_unit_ids(user) -> list[int]:
    return [m.org_unit_id for m in account_access.memberships(user) if m.role in access.VIEW_ROLES]


def programs_for(*, fetched_by, q: str = "", status: str = ""):
    """Programs the user may open: through their owner, a locality (or its successor) or an
    enrolled school at or below one of the user's units."""
    unit_ids = _my_view_unit_ids(fetched_by)
    if not unit_ids:
        return Program.objects.none()
    below = OrgUnitAncestor.objects.filter(ancestor_id__in=unit_ids).values("descendant_id")
    reach = (
        Q(owner_id__in=below)
        | Q(pk__in=Enrolment.objects.filter(school_id__in=below).values("program_id"))
        | Q(
            pk__in=ProgramLocality.objects.filter(
                Q(unit_id__in=below) | Q(unit__successor_id__in=below)
            ).values("program_id")
        )
    )
    rows = Program.objects.filter(reach).select_related("owner")
    if q:
        rows = rows.filter(search_title__contains=fold(q)[:100])
    if status in ProgramStatus.values:
        rows = rows.filter(status=status)
    return rows.annotate(
        locality_count=Count("localities", distinct=True),
    ).order_by("-starts_on", "title")


@dataclass
class LocalityRow:
    unit: object
    visible: bool
    result: rules.LocalityResult
    enrolments: list = field(default_factory=list)  # visible ones, with .staff_rows
    school_count: int = 0
    staff_count: int = 0
    managed: bool = False


def program_overview(*, fetched_by, program: Program, scope) -> dict:
    """The program's page: localities with rule results, the schools and staff the user may
    see (other provinces as counts only)."""
    results, day = rules.check_program(program)
    enrolments = list(
        Enrolment.objects.filter(program=program)
        .select_related("school", "locality")
        .prefetch_related(
            Prefetch("staff", queryset=DesignatedStaff.objects.order_by("-until", "full_name"))
        )
        .order_by("locality__search_name", "school__school_level", "school__search_name")
    )
    rows = []
    for locality_id, result in results.items():
        mine = [e for e in enrolments if e.locality_id == locality_id]
        active = [e for e in mine if rules.enrolment_active(e, day)]
        visible = [e for e in mine if scope.sees_enrolment(e)]
        for e in visible:
            e.staff_rows = list(e.staff.all())
            e.active_staff = [s for s in e.staff_rows if rules.staff_active(s, day)]
            e.findings = result.for_school(e.school_id)
            e.is_active = rules.enrolment_active(e, day)
            e.manageable = scope.manages_enrolment(e) and program.status != ProgramStatus.CLOSED
        rows.append(
            LocalityRow(
                unit=result.locality,
                visible=scope.sees_locality(locality_id),
                result=result,
                enrolments=visible,
                school_count=len(active),
                staff_count=sum(
                    1 for e in active for s in e.staff.all() if rules.staff_active(s, day)
                ),
                managed=locality_id in scope.managed_localities,
            )
        )
    # Only the rows the person may see count toward what the page lists below the table.
    return {"locality_rows": rows, "checked_on": day}


def tasks_for(*, fetched_by, program: Program, scope, q: str = "", status: str = ""):
    """The program's tasks the user may see: all for the owner and those above it; else the
    milestones and the tasks of units at or below the user's own."""
    rows = ProgramTask.objects.filter(program=program).select_related("responsible")
    visible_dependencies = ProgramTask.objects.all()
    if not scope.full:
        unit_ids = _my_view_unit_ids(fetched_by)
        below = OrgUnitAncestor.objects.filter(ancestor_id__in=unit_ids).values("descendant_id")
        mine = Q(milestone=True) | Q(responsible_id__in=below)
        rows = rows.filter(mine)
        # What a task waits on is filtered the same way: another school's task title must not
        # show through the "depends on" column.
        visible_dependencies = visible_dependencies.filter(mine)
    if q:
        rows = rows.filter(search_title__contains=fold(q)[:100])
    if status == "overdue":
        rows = rows.exclude(status=TaskStatus.DONE).filter(due_on__lt=timezone.localdate())
    elif status in TaskStatus.values:
        rows = rows.filter(status=status)
    return (
        rows.prefetch_related(Prefetch("depends_on", queryset=visible_dependencies))
        .annotate(evidence_count=Count("evidence"))
        .order_by("starts_on", "due_on", "pk")
    )


def task_dependencies(*, task: ProgramTask, fetched_by, scope) -> dict:
    visible = tasks_for(fetched_by=fetched_by, program=task.program, scope=scope)
    ids = set(visible.values_list("pk", flat=True))
    return {
        "depends_on": [t for t in task.depends_on.all() if t.pk in ids],
        "dependents": [t for t in task.dependents.all() if t.pk in ids],
        "hidden_dependencies": sum(1 for t in task.depends_on.all() if t.pk not in ids),
        "evidence": list(task.evidence.select_related("uploaded_by")),
    }


@dataclass
class Bar:
    task: ProgramTask
    x: float
    width: float
    y: int  # top of the row: the label's line, then the bar under it
    overdue: bool
    label_x: float

    @property
    def bar_y(self) -> int:
        return self.y + 14


ROW = 34


def timeline(*, fetched_by, program: Program, scope, today: datetime.date | None = None) -> dict:
    """Bars of a Gantt-like chart, as percentages of the span from the earliest start to the
    latest due date (at least the program's period), and the month ticks."""
    today = today or timezone.localdate()
    tasks = list(tasks_for(fetched_by=fetched_by, program=program, scope=scope))
    start = min([program.starts_on, *(t.starts_on for t in tasks)])
    end = max([program.ends_on, *(t.due_on for t in tasks)])
    span = max((end - start).days + 1, 1)

    def pct(day: datetime.date) -> float:
        return round(100 * (day - start).days / span, 2)

    bars = []
    for index, task in enumerate(tasks):
        x = pct(task.starts_on)
        width = max(round(100 * ((task.due_on - task.starts_on).days + 1) / span, 2), 0.6)
        # The label sits above its bar, pulled left near the end so it is not cut off.
        bars.append(Bar(task, x, width, ROW * index + 22, task.is_overdue(today), min(x, 55.0)))
    ticks = []
    month = start.replace(day=1)
    while month <= end:
        if month >= start:
            ticks.append((pct(month), month))
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    # Space the labels when a program runs for years: at most about 12 of them.
    step = max(1, -(-len(ticks) // 12))
    return {
        "bars": bars,
        "ticks": ticks[::step],
        "start": start,
        "end": end,
        "today_x": pct(today) if start <= today <= end else None,
        "height": ROW * len(tasks) + 28,
        "overdue_count": sum(1 for b in bars if b.overdue),
    }


# -- Staffing overview (issue 7): who is in place at each school, and the gaps --------------


def _active_staff_q(today):
    return (
        Q(enrolment__program__status=ProgramStatus.ACTIVE)
        & Q(since__lte=today)
        & (Q(until__isnull=True) | Q(until__gte=today))
        & (Q(enrolment__left_on__isnull=True) | Q(enrolment__left_on__gt=today))
    )


def _covered_annotations(today):
    staff = DesignatedStaff.objects.filter(_active_staff_q(today), enrolment__school=OuterRef("pk"))
    counselors = Membership.objects.filter(
        org_unit=OuterRef("pk"), role=Role.COUNSELOR, user__is_active=True
    )
    return {"has_staff": Exists(staff), "has_counselor": Exists(counselors)}


def staffing_provinces(*, fetched_by) -> list:
    """Today's provinces the user oversees (the Ministry: all), with school counts and gaps."""
    today = timezone.localdate()
    unit_ids = [
        m.org_unit_id
        for m in account_access.memberships(fetched_by)
        if m.role in access.STAFFING_ROLES
    ]
    provinces = list(
        OrgUnit.objects.filter(
            kind=OrgKind.DEPARTMENT,
            valid_to__isnull=True,
            ancestor_links__ancestor_id__in=unit_ids,
        )
        .distinct()
        .order_by("search_name")
    )
    links = (
        OrgUnitAncestor.objects.filter(
            ancestor__in=provinces, descendant__kind=OrgKind.SCHOOL, descendant__valid_to=None
        )
        .annotate(
            has_staff=Exists(
                DesignatedStaff.objects.filter(
                    _active_staff_q(today), enrolment__school=OuterRef("descendant_id")
                )
            ),
            has_counselor=Exists(
                Membership.objects.filter(
                    org_unit=OuterRef("descendant_id"), role=Role.COUNSELOR, user__is_active=True
                )
            ),
        )
        .values("ancestor_id")
        .annotate(
            schools=Count("pk"),
            with_staff=Count("pk", filter=Q(has_staff=True)),
            with_counselor=Count("pk", filter=Q(has_counselor=True)),
            gaps=Count("pk", filter=Q(has_staff=False, has_counselor=False)),
        )
    )
    counts = {row["ancestor_id"]: row for row in links}
    empty = {"schools": 0, "with_staff": 0, "with_counselor": 0, "gaps": 0}
    for province in provinces:
        for key, value in counts.get(province.pk, empty).items():
            if key != "ancestor_id":
                setattr(province, key, value)
    return provinces


def staffing_schools(*, fetched_by, province: OrgUnit, q: str = "", gaps_only: bool = False):
    """A province's active schools with their designated staff (active programs) and
    counselors; `gaps_only`: those with no one. The caller has checked the province."""
    today = timezone.localdate()
    rows = (
        OrgUnit.objects.filter(
            kind=OrgKind.SCHOOL, valid_to__isnull=True, ancestor_links__ancestor=province
        )
        .select_related("commune")
        .annotate(**_covered_annotations(today))
        .order_by("search_name", "pk")
    )
    if q:
        needle = fold(q)[:100]
        rows = rows.filter(Q(search_name__contains=needle) | Q(code__iexact=q.strip()[:32]))
    if gaps_only:
        rows = rows.filter(has_staff=False, has_counselor=False)
    return rows


def staffing_details(schools) -> None:
    """Attach .designated and .counselors to a page of schools (two queries)."""
    today = timezone.localdate()
    ids = [s.pk for s in schools]
    designated = defaultdict(list)
    for person in (
        DesignatedStaff.objects.filter(_active_staff_q(today), enrolment__school_id__in=ids)
        .select_related("enrolment__program")
        .order_by("full_name")
    ):
        designated[person.enrolment.school_id].append(person)
    counselors = defaultdict(list)
    for m in (
        Membership.objects.filter(org_unit_id__in=ids, role=Role.COUNSELOR, user__is_active=True)
        .select_related("user")
        .order_by("user__search_name")
    ):
        counselors[m.org_unit_id].append(m.user)
    for school in schools:
        school.designated = designated.get(school.pk, [])
        school.counselors = counselors.get(school.pk, [])
        school.is_gap = not school.designated and not school.counselors


def enrol_candidates(*, program: Program, scope, q: str = "", limit: int = 30) -> list:
    """Current schools of the localities the user manages that are not yet enrolled, matching
    a name or code; each with .locality_id (the program locality it belongs to)."""
    localities = list(
        program.localities.filter(unit_id__in=scope.managed_localities).select_related("unit")
    )
    if not localities:
        return []
    roots: dict[int, list[int]] = {}
    for pl in localities:
        roots.setdefault(pl.unit_id, []).append(pl.unit_id)
        if pl.unit.successor_id:
            # A merged province's schools now sit under today's province.
            roots.setdefault(pl.unit.successor_id, []).append(pl.unit_id)
    rows = OrgUnit.objects.filter(
        kind=OrgKind.SCHOOL, valid_to__isnull=True, ancestor_links__ancestor_id__in=list(roots)
    ).exclude(pk__in=Enrolment.objects.filter(program=program).values("school_id"))
    if q:
        needle = fold(q)[:100]
        rows = rows.filter(Q(search_name__contains=needle) | Q(code__iexact=q.strip()[:32]))
    schools = list(rows.select_related("commune").distinct().order_by("search_name")[:limit])
    above = access._ancestors([s.pk for s in schools])
    for school in schools:
        school.locality_ids = sorted({pk for a in above[school.pk] for pk in roots.get(a, [])})
    return schools
