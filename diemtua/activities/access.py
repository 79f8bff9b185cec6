"""Who may see and record activities (docs/activities.md).

Activities hold no identifiable student data, but their photos may show children, so they are
not public either:
- seeing: the school's counselors, school lead and teachers see their school's activities;
  commune, department and ministry officers see every activity in their subtree (read-only
  below their own unit);
- recording: a unit's own people record its activities — at a school its counselors and school
  lead (any kind) and its teachers (class activities and parent meetings, the homeroom
  teacher's own work); at a commune, department or the Ministry its officers;
- changing and deleting: the counselors and school lead of the organising school, the officers
  of the organising unit, and a teacher for the activities they recorded themselves.
Anyone with no role at or above the organising unit gets 404, as for an activity that does not
exist; an insider without the right (a system administrator, an officer above a school trying to
edit, a teacher and another person's activity) gets 403. Refusals are audited.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from diemtua.accounts import access
from diemtua.accounts.roles import Role
from diemtua.audit import services as audit

from .models import Activity, ActivityKind, Attachment

SCHOOL_ROLES = frozenset({Role.COUNSELOR, Role.SCHOOL_LEAD, Role.TEACHER})
OFFICER_ROLES = frozenset({Role.COMMUNE_OFFICER, Role.DEPARTMENT_OFFICER, Role.MINISTRY_OFFICER})
VIEW_ROLES = SCHOOL_ROLES | OFFICER_ROLES
# Roles that record and change any activity of the unit where they hold the role.
MANAGE_ROLES = frozenset({Role.COUNSELOR, Role.SCHOOL_LEAD}) | OFFICER_ROLES
RECORD_ROLES = MANAGE_ROLES | {Role.TEACHER}
# The per-school totals: leadership and officers; counselors too, who write the school's report.
TOTALS_ROLES = frozenset({Role.COUNSELOR, Role.SCHOOL_LEAD}) | OFFICER_ROLES
# A teacher records the homeroom teacher's own forms of work.
TEACHER_KINDS = frozenset({ActivityKind.CLASS_ACTIVITY, ActivityKind.PARENT_MEETING})


def roles_at(user, unit_id: int) -> set[str]:
    """Roles held at exactly this unit (not above it): who belongs to the organising unit."""
    return {m.role for m in access.memberships(user) if m.org_unit_id == unit_id}


def kinds_allowed(roles: set[str]) -> set[str]:
    if roles & MANAGE_ROLES:
        return set(ActivityKind.values)
    if Role.TEACHER in roles:
        return set(TEACHER_KINDS)
    return set()


def recording_units(user) -> list:
    """Units where the user may record activities (their school, or their own office)."""
    seen, units = set(), []
    for m in access.memberships(user):
        if m.role in RECORD_ROLES and m.org_unit_id not in seen and m.org_unit.is_current:
            seen.add(m.org_unit_id)
            units.append(m.org_unit)
    return units


def can_edit(user, activity: Activity) -> bool:
    roles = roles_at(user, activity.org_unit_id)
    if roles & MANAGE_ROLES:
        return True
    return Role.TEACHER in roles and activity.created_by_id == user.pk


def _refused(user, refusal, object_type: str, pk, request) -> None:
    audit.record(
        actor=user,
        action="activities.access_refused",
        object_type=object_type,
        object_id=str(pk),
        request=request,
        extra={"answer": 404 if isinstance(refusal, Http404) else 403},
    )


def _check(user, activity: Activity, *, edit: bool) -> None:
    access.require_roles_over(user, activity.org_unit_id, VIEW_ROLES)
    if edit and not can_edit(user, activity):
        raise PermissionDenied


def get_activity_for_user(user, pk: int, *, request=None, edit: bool = False) -> Activity:
    """An activity the user may see (`edit`: may change); 404 outside, 403 without the right."""
    try:
        activity = get_object_or_404(
            Activity.objects.select_related("org_unit", "created_by"), pk=pk
        )
        _check(user, activity, edit=edit)
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "activities.activity", pk, request)
        raise
    activity.editable = edit or can_edit(user, activity)
    return activity


def get_attachment_for_user(user, pk: int, *, request=None, edit: bool = False) -> Attachment:
    """An attachment, reached only as its activity is: the same rule for the file."""
    try:
        attachment = get_object_or_404(
            Attachment.objects.select_related("activity", "activity__org_unit"), pk=pk
        )
        _check(user, attachment.activity, edit=edit)
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "activities.attachment", pk, request)
        raise
    return attachment
