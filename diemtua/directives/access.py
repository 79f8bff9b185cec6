"""Who reaches a directive, its tasks and its submissions (docs/directives.md).

A directive lives at its owner unit (the issuer that tracks it) and at the units it was sent to.
Anyone with a role at or above either is an insider; everyone else gets 404, exactly as for a
directive that does not exist (an officer of another province, a school it was not sent to).
Among insiders:
- tracking (the tracker, reminders, accepting a report, the export), editing and sending are for
  the officers of the owner unit and of the units above it (the Ministry sees nationally);
- a recipient's task page is for the recipient unit's people (a school's leadership and
  counselors, a commune's or department's officers), for the officers above it (a commune sees
  its schools' tasks) and for the issuer's officers; only the recipient unit's people submit;
- submitted documents are downloaded by the issuer's officers and the recipient unit only;
- a draft exists only for the issuer's officers.
A unit that merged away (Hà Giang into Tuyên Quang, 01/07/2025) is answered for by its successor:
the successor's people act for it. Refusals are audited, so probing numbers leaves a trace.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from diemtua.accounts import access
from diemtua.accounts.roles import Role
from diemtua.audit import services as audit
from diemtua.orgs.models import OrgKind, OrgUnitAncestor

from .models import Assignment, Directive, DirectiveStatus, Recipient, SubmissionFile, Task

# The officer who issues from each kind of unit.
OWNER_ROLE_AT = {
    OrgKind.COMMUNE: Role.COMMUNE_OFFICER,
    OrgKind.DEPARTMENT: Role.DEPARTMENT_OFFICER,
    OrgKind.MINISTRY: Role.MINISTRY_OFFICER,
}
MANAGE_ROLES = frozenset(OWNER_ROLE_AT.values())
# Who answers for a recipient unit of each kind.
SUBMIT_ROLES = {
    OrgKind.SCHOOL: frozenset({Role.COUNSELOR, Role.SCHOOL_LEAD}),
    OrgKind.COMMUNE: frozenset({Role.COMMUNE_OFFICER}),
    OrgKind.DEPARTMENT: frozenset({Role.DEPARTMENT_OFFICER}),
}
RECIPIENT_KINDS = frozenset(SUBMIT_ROLES)
VIEW_ROLES = MANAGE_ROLES | {Role.COUNSELOR, Role.SCHOOL_LEAD}

_PK_MAX = 2**63 - 1


def check_pk(pk) -> int:
    # SQLite raises OverflowError (a 500) for a key beyond 64 bits; it cannot exist anyway.
    try:
        value = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < value <= _PK_MAX:
        raise Http404
    return value


def _refused(user, refusal, object_type: str, pk, request) -> None:
    audit.record(
        actor=user,
        action="directives.access_refused",
        object_type=object_type,
        object_id=str(pk)[:40],
        request=request,
        extra={"answer": 404 if isinstance(refusal, Http404) else 403},
    )


def unit_roles(user, unit) -> set[str]:
    """Roles at or above `unit`, or at or above the unit that took it over (a merger)."""
    roles = access.roles_over(user, unit.pk)
    if unit.successor_id:
        roles |= access.roles_over(user, unit.successor_id)
    return roles


def can_manage(user, directive: Directive) -> bool:
    return bool(access.roles_over(user, directive.owner_id) & MANAGE_ROLES)


def may_submit(user, assignment: Assignment) -> bool:
    return bool(unit_roles(user, assignment.unit) & SUBMIT_ROLES.get(assignment.unit.kind, set()))


def owner_units(user) -> list:
    """Current units where the user is the officer who issues directives, highest first."""
    order = [OrgKind.MINISTRY, OrgKind.DEPARTMENT, OrgKind.COMMUNE]
    units = {
        m.org_unit.pk: m.org_unit
        for m in access.memberships(user)
        if m.org_unit.is_current and OWNER_ROLE_AT.get(m.org_unit.kind) == m.role
    }
    return sorted(units.values(), key=lambda u: (order.index(u.kind), u.search_name))


def _inside_recipients(user, directive_id: int, roles=None) -> bool:
    """Does the user hold a role (one of `roles`) at or above a recipient or its successor?"""
    unit_ids = [m.org_unit_id for m in access.memberships(user) if roles is None or m.role in roles]
    if not unit_ids:
        return False
    targets = set()
    for unit_id, successor_id in Recipient.objects.filter(directive_id=directive_id).values_list(
        "unit_id", "unit__successor_id"
    ):
        targets.add(unit_id)
        if successor_id:
            targets.add(successor_id)
    return OrgUnitAncestor.objects.filter(
        ancestor_id__in=unit_ids, descendant_id__in=targets
    ).exists()


def _directive_refusal(user, directive: Directive) -> type[Exception]:
    """What an outsider (404) or an insider without the right (403) gets."""
    if access.roles_over(user, directive.owner_id):
        return PermissionDenied
    if directive.status == DirectiveStatus.SENT and _inside_recipients(user, directive.pk):
        return PermissionDenied
    return Http404


def get_directive_to_manage(user, pk, *, request=None) -> Directive:
    """A directive for its owner's officers (and those above): insiders 403, outsiders 404."""
    try:
        directive = get_object_or_404(
            Directive.objects.select_related("owner", "program", "created_by"), pk=check_pk(pk)
        )
        if not can_manage(user, directive):
            raise _directive_refusal(user, directive)
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "directives.directive", pk, request)
        raise
    return directive


def get_directive_to_read(user, pk, *, request=None) -> Directive:
    """The directive's letter: its issuer's officers and, once sent, the people of (and the
    officers above) the units it was sent to."""
    try:
        directive = get_object_or_404(
            Directive.objects.select_related("owner", "document"), pk=check_pk(pk)
        )
        allowed = can_manage(user, directive) or (
            directive.status == DirectiveStatus.SENT
            and _inside_recipients(user, directive.pk, VIEW_ROLES)
        )
        if not allowed:
            raise _directive_refusal(user, directive)
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "directives.directive", pk, request)
        raise
    return directive


def get_task_to_manage(user, pk, *, request=None) -> Task:
    try:
        task = get_object_or_404(Task.objects.select_related("directive__owner"), pk=check_pk(pk))
        if not can_manage(user, task.directive):
            raise _directive_refusal(user, task.directive)
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "directives.task", pk, request)
        raise
    return task


VIEW, SUBMIT, MANAGE = "view", "submit", "manage"


def _assignment_check(user, assignment: Assignment, action: str) -> None:
    directive = assignment.task.directive
    manager = can_manage(user, directive)
    if manager and action in (VIEW, MANAGE):
        return
    roles = access.roles_over(user, directive.owner_id) | (
        unit_roles(user, assignment.unit) if directive.status == DirectiveStatus.SENT else set()
    )
    if not roles:
        raise Http404
    sent = directive.status == DirectiveStatus.SENT
    if action == SUBMIT and sent and may_submit(user, assignment):
        return
    if action == VIEW and sent and unit_roles(user, assignment.unit) & VIEW_ROLES:
        return
    raise PermissionDenied


def get_assignment_for_user(user, pk, *, action: str = VIEW, request=None) -> Assignment:
    """A task of one recipient unit: `view` (its page), `submit` or `manage` (remind, accept)."""
    try:
        assignment = get_object_or_404(
            Assignment.objects.select_related(
                "task__directive__owner",
                "unit",
                "current__submitted_by",
                "current__file",
                "accepted_by",
            ),
            pk=check_pk(pk),
        )
        _assignment_check(user, assignment, action)
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "directives.assignment", pk, request)
        raise
    assignment.can_manage = can_manage(user, assignment.task.directive)
    assignment.can_submit = may_submit(user, assignment)
    return assignment


def get_submission_file_for_user(user, pk, *, request=None) -> SubmissionFile:
    """A submitted document: the issuer's officers and the recipient unit's people only."""
    try:
        stored = get_object_or_404(
            SubmissionFile.objects.select_related(
                "submission__assignment__unit", "submission__assignment__task__directive"
            ),
            pk=check_pk(pk),
        )
        assignment = stored.submission.assignment
        if not (can_manage(user, assignment.task.directive) or may_submit(user, assignment)):
            if access.roles_over(user, assignment.task.directive.owner_id) or unit_roles(
                user, assignment.unit
            ):
                raise PermissionDenied
            raise Http404
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "directives.submissionfile", pk, request)
        raise
    return stored


def get_owner_unit(user, pk=None):
    """The unit a new directive is issued from: one where the user is its officer. With several
    (rare), `pk` chooses; without it, the highest. Another unit: 404 outside it, 403 inside."""
    units = owner_units(user)
    if not units:
        raise PermissionDenied
    if pk in (None, ""):
        return units[0]
    wanted = check_pk(pk)
    for unit in units:
        if unit.pk == wanted:
            return unit
    if access.roles_over(user, wanted):
        raise PermissionDenied
    raise Http404
