"""Who may see and run programs (docs/programs.md).

A program reaches people through three kinds of unit: its owner (the Ministry, a Department),
its localities (the Departments taking part; a merged province's old Department is reached
through its successor) and its enrolled schools.
- seeing the program: counselors, school leads, commune, department and ministry officers at or
  above any of those units. Teachers, partners and administrators at such a unit are insiders
  without the right (403); everyone else gets 404, as for a program that does not exist;
- seeing everything in it: officers at or above the owner (the Ministry sees nationally);
- a participating Department's officers see their own province's schools, staff and tasks in
  full; another province's only as counts (the scope rule: no other province's program objects);
- a school (lead, counselors) and a commune officer see their own schools' enrolment, staff and
  tasks, plus the program's milestones;
- managing the program (edit, localities, rules, tasks): officers of the owner unit itself;
- managing enrolments and designated staff: the owner's officers, and department officers of
  the locality (or of its successor);
- changing a task's status (with evidence): the owner's officers and the people of the task's
  responsible unit itself (its counselors and lead, or its officers).
Refusals are audited.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from diemtua.accounts import access
from diemtua.accounts.roles import Role
from diemtua.audit import services as audit
from diemtua.orgs.models import OrgUnitAncestor

from .models import DesignatedStaff, Enrolment, Program, ProgramTask, TaskEvidence

OFFICER_ROLES = frozenset({Role.DEPARTMENT_OFFICER, Role.MINISTRY_OFFICER})
SCHOOL_ROLES = frozenset({Role.COUNSELOR, Role.SCHOOL_LEAD})
VIEW_ROLES = SCHOOL_ROLES | OFFICER_ROLES | {Role.COMMUNE_OFFICER}
# A program's creator owns it from their office: a Department or the Ministry.
CREATE_ROLES = OFFICER_ROLES
STATUS_ROLES = VIEW_ROLES
STAFFING_ROLES = OFFICER_ROLES


@dataclass
class ProgramScope:
    """What one user may see and do in one program (computed once per request)."""

    program: Program
    insider: bool = False
    can_view: bool = False
    full: bool = False  # sees every locality, school and task
    manage: bool = False  # edits the program, its localities, rules and tasks
    visible_localities: set[int] = field(default_factory=set)
    managed_localities: set[int] = field(default_factory=set)
    school_ids: set[int] = field(default_factory=set)  # enrolled schools at/below the user

    def sees_locality(self, locality_id: int) -> bool:
        return self.full or locality_id in self.visible_localities

    def sees_enrolment(self, enrolment) -> bool:
        return self.sees_locality(enrolment.locality_id) or enrolment.school_id in self.school_ids

    def manages_enrolment(self, enrolment) -> bool:
        return self.manage or enrolment.locality_id in self.managed_localities

    @property
    def can_enrol(self) -> bool:
        return self.manage or bool(self.managed_localities)


def _ancestors(unit_ids) -> dict[int, set[int]]:
    """unit id → ids of the unit and everything above it (one query)."""
    above: dict[int, set[int]] = {pk: set() for pk in unit_ids}
    rows = OrgUnitAncestor.objects.filter(descendant_id__in=list(unit_ids)).values_list(
        "descendant_id", "ancestor_id"
    )
    for descendant, ancestor in rows:
        above[descendant].add(ancestor)
    return above


def scope_for(user, program: Program) -> ProgramScope:
    cache = user.__dict__.setdefault("_programs_scope", {})
    if program.pk in cache:
        return cache[program.pk]
    scope = ProgramScope(program=program)
    mine = access.memberships(user)
    if not mine:
        cache[program.pk] = scope
        return scope
    roles_at: dict[int, set[str]] = {}
    for m in mine:
        roles_at.setdefault(m.org_unit_id, set()).add(m.role)

    def roles_in(unit_ids) -> set[str]:
        return set().union(*(roles_at.get(pk, set()) for pk in unit_ids))

    localities = list(program.localities.values_list("unit_id", "unit__successor_id"))
    unit_ids = {program.owner_id} | {u for pair in localities for u in pair if u}
    above = _ancestors(unit_ids)
    over_owner = roles_in(above[program.owner_id])
    scope.manage = bool(roles_at.get(program.owner_id, set()) & OFFICER_ROLES)
    scope.full = bool(over_owner & OFFICER_ROLES)
    any_roles = set(over_owner)
    for unit_id, successor_id in localities:
        reach = {unit_id} | ({successor_id} if successor_id else set())
        over = roles_in(set().union(*(above[u] for u in reach)))
        any_roles |= over
        if over & OFFICER_ROLES:
            scope.visible_localities.add(unit_id)
        if roles_in(reach) & {Role.DEPARTMENT_OFFICER}:
            scope.managed_localities.add(unit_id)
    if scope.manage:
        scope.managed_localities = {unit_id for unit_id, _successor in localities}
    if not scope.full:
        # Enrolled schools at or below one of the user's units (schools, communes, provinces).
        rows = OrgUnitAncestor.objects.filter(
            descendant_id__in=Enrolment.objects.filter(program=program).values("school_id"),
            ancestor_id__in=list(roles_at),
        ).values_list("descendant_id", "ancestor_id")
        for school_id, ancestor_id in rows:
            held = roles_at[ancestor_id]
            any_roles |= held
            if held & VIEW_ROLES:
                scope.school_ids.add(school_id)
    scope.insider = bool(any_roles)
    scope.can_view = bool(any_roles & VIEW_ROLES)
    cache[program.pk] = scope
    return scope


def _refused(user, refusal, object_type: str, pk, request) -> None:
    audit.record(
        actor=user,
        action="programs.access_refused",
        object_type=object_type,
        object_id=str(pk),
        request=request,
        extra={"answer": 404 if isinstance(refusal, Http404) else 403},
    )


def _require_view(scope: ProgramScope) -> None:
    if not scope.insider:
        raise Http404
    if not scope.can_view:
        raise PermissionDenied


def get_program_for_user(user, pk: int, *, request=None, manage: bool = False, enrol=False):
    """(program, scope): 404 outside, 403 without the right (`manage`: the owner's officers;
    `enrol`: those who enrol schools in at least one locality)."""
    try:
        program = get_object_or_404(Program.objects.select_related("owner"), pk=pk)
        scope = scope_for(user, program)
        _require_view(scope)
        if manage and not scope.manage:
            raise PermissionDenied
        if enrol and not scope.can_enrol:
            raise PermissionDenied
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "programs.program", pk, request)
        raise
    return program, scope


def _check_enrolment(user, enrolment, *, manage: bool) -> ProgramScope:
    scope = scope_for(user, enrolment.program)
    if not scope.sees_enrolment(enrolment):
        # Inside the school, its locality or above the owner: 403; another province: 404.
        near = access.roles_over(user, enrolment.school_id) or (
            enrolment.locality_id in scope.visible_localities
        )
        if not near and not scope.full:
            raise Http404
        raise PermissionDenied
    if not scope.can_view:
        raise PermissionDenied
    if manage and not scope.manages_enrolment(enrolment):
        raise PermissionDenied
    return scope


def get_enrolment_for_user(user, pk: int, *, request=None, manage: bool = False):
    try:
        enrolment = get_object_or_404(
            Enrolment.objects.select_related("program", "program__owner", "school", "locality"),
            pk=pk,
        )
        scope = _check_enrolment(user, enrolment, manage=manage)
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "programs.enrolment", pk, request)
        raise
    return enrolment, scope


def get_staff_for_user(user, pk: int, *, request=None, manage: bool = False):
    try:
        staff = get_object_or_404(
            DesignatedStaff.objects.select_related(
                "enrolment",
                "enrolment__program",
                "enrolment__program__owner",
                "enrolment__school",
                "enrolment__locality",
            ),
            pk=pk,
        )
        scope = _check_enrolment(user, staff.enrolment, manage=manage)
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "programs.designatedstaff", pk, request)
        raise
    return staff, scope


def sees_task(user, scope: ProgramScope, task: ProgramTask) -> bool:
    if not scope.can_view:
        return False
    if scope.full or task.milestone:
        return True
    return bool(access.roles_over(user, task.responsible_id) & VIEW_ROLES)


def can_set_status(user, scope: ProgramScope, task: ProgramTask) -> bool:
    if scope.manage:
        return True
    held = {m.role for m in access.memberships(user) if m.org_unit_id == task.responsible_id}
    return bool(held & STATUS_ROLES)


def _check_task(user, task: ProgramTask, *, edit: bool, status: bool) -> ProgramScope:
    scope = scope_for(user, task.program)
    if not sees_task(user, scope, task):
        # A task of another school or province does not exist for the user.
        if not (access.roles_over(user, task.responsible_id) or scope.full):
            raise Http404
        raise PermissionDenied
    if edit and not scope.manage:
        raise PermissionDenied
    if status and not can_set_status(user, scope, task):
        raise PermissionDenied
    return scope


def get_task_for_user(user, pk: int, *, request=None, edit: bool = False, status: bool = False):
    try:
        task = get_object_or_404(
            ProgramTask.objects.select_related("program", "program__owner", "responsible"),
            pk=pk,
        )
        scope = _check_task(user, task, edit=edit, status=status)
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "programs.programtask", pk, request)
        raise
    task.editable = scope.manage
    task.status_settable = can_set_status(user, scope, task)
    return task, scope


def get_evidence_for_user(user, pk: int, *, request=None) -> TaskEvidence:
    try:
        evidence = get_object_or_404(
            TaskEvidence.objects.select_related(
                "task", "task__program", "task__program__owner", "task__responsible"
            ),
            pk=pk,
        )
        _check_task(user, evidence.task, edit=False, status=False)
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "programs.taskevidence", pk, request)
        raise
    return evidence


def officer_units(user) -> list:
    """Current units where the user may own a program: their Department or the Ministry."""
    seen, units = set(), []
    for m in access.memberships(user):
        if m.role in CREATE_ROLES and m.org_unit.is_current and m.org_unit_id not in seen:
            seen.add(m.org_unit_id)
            units.append(m.org_unit)
    return units
