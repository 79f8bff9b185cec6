"""Who reaches a visit, its photos and its follow-up actions (docs/visits.md).

A visit lives at two places once it is completed: the visiting unit (the Ministry, a Department
or a commune) and the visited school. While it is a draft it is the visitors' working paper and
lives only at the visiting unit.
- managing (scores, findings, photos, actions, completing, amending, verifying answers): the
  officers of the visiting unit and of the units above it;
- reading a completed visit: also the school's leadership and counselors, and the officers
  above the school (its commune, its Department, the Ministry);
- answering an action: the school's leadership and counselors.
Anyone with no role at or above the places the visit lives gets 404, as for a visit that does
not exist (another province's officer, another school); an insider without the right (a
teacher, a system administrator, a commune officer and a Department's visit) gets 403.
Refusals are audited.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from diemtua.accounts import access
from diemtua.accounts.roles import Role
from diemtua.audit import services as audit
from diemtua.orgs.models import OrgKind

from .models import ActionFile, FollowUpAction, Visit, VisitPhoto

# The officer role that visits from each kind of unit.
VISITOR_ROLE_AT = {
    OrgKind.COMMUNE: Role.COMMUNE_OFFICER,
    OrgKind.DEPARTMENT: Role.DEPARTMENT_OFFICER,
    OrgKind.MINISTRY: Role.MINISTRY_OFFICER,
}
VISITOR_ROLES = frozenset(VISITOR_ROLE_AT.values())
SCHOOL_ROLES = frozenset({Role.COUNSELOR, Role.SCHOOL_LEAD})
VIEW_ROLES = VISITOR_ROLES | SCHOOL_ROLES

_PK_MAX = 2**63 - 1


def _check_pk(pk) -> int:
    # SQLite raises OverflowError (a 500) for a key beyond 64 bits; it cannot exist anyway.
    if not 0 < int(pk) <= _PK_MAX:
        raise Http404
    return int(pk)


def can_manage(user, visit: Visit) -> bool:
    return bool(access.roles_over(user, visit.visiting_unit_id) & VISITOR_ROLES)


def can_read(user, visit: Visit) -> bool:
    if can_manage(user, visit):
        return True
    return not visit.is_draft and bool(access.roles_over(user, visit.school_id) & VIEW_ROLES)


def can_answer(user, visit: Visit) -> bool:
    return not visit.is_draft and bool(access.roles_over(user, visit.school_id) & SCHOOL_ROLES)


def _is_insider(user, visit: Visit) -> bool:
    if access.roles_over(user, visit.visiting_unit_id):
        return True
    return not visit.is_draft and bool(access.roles_over(user, visit.school_id))


def _refused(user, refusal, object_type: str, pk, request) -> None:
    audit.record(
        actor=user,
        action="visits.access_refused",
        object_type=object_type,
        object_id=str(pk)[:40],
        request=request,
        extra={"answer": 404 if isinstance(refusal, Http404) else 403},
    )


def _check(user, visit: Visit, allowed) -> None:
    if not allowed(user, visit):
        if _is_insider(user, visit):
            raise PermissionDenied
        raise Http404


def _mark(user, visit: Visit) -> Visit:
    visit.manageable = can_manage(user, visit)
    visit.answerable = can_answer(user, visit)
    return visit


def _visits():
    return Visit.objects.select_related(
        "visiting_unit", "school", "program", "checklist__checklist", "created_by", "completed_by"
    )


def get_visit_for_user(user, pk, *, request=None, manage: bool = False) -> Visit:
    """A visit the user may read (`manage`: may change); 404 outside, 403 without the right."""
    try:
        visit = get_object_or_404(_visits(), pk=_check_pk(pk))
        _check(user, visit, can_manage if manage else can_read)
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "visits.visit", pk, request)
        raise
    return _mark(user, visit)


def get_action_for_user(user, pk, *, request=None, need: str = "read") -> FollowUpAction:
    """An action, reached as its visit is; `need` is "read", "answer" or "manage"."""
    allowed = {"read": can_read, "answer": can_answer, "manage": can_manage}[need]
    try:
        action = get_object_or_404(
            FollowUpAction.objects.select_related(
                "visit__visiting_unit", "visit__school", "visit__checklist", "created_by"
            ),
            pk=_check_pk(pk),
        )
        _check(user, action.visit, allowed)
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "visits.followupaction", pk, request)
        raise
    _mark(user, action.visit)
    return action


def get_photo_for_user(user, pk, *, request=None) -> VisitPhoto:
    try:
        photo = get_object_or_404(VisitPhoto.objects.select_related("visit"), pk=_check_pk(pk))
        _check(user, photo.visit, can_read)
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "visits.visitphoto", pk, request)
        raise
    return photo


def get_action_file_for_user(user, pk, *, request=None) -> ActionFile:
    try:
        stored = get_object_or_404(
            ActionFile.objects.select_related("event__action__visit"), pk=_check_pk(pk)
        )
        _check(user, stored.event.action.visit, can_read)
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "visits.actionfile", pk, request)
        raise
    return stored


def visiting_units(user) -> list:
    """Current units the user visits from (where they are the officer of its kind), highest
    first."""
    order = [OrgKind.MINISTRY, OrgKind.DEPARTMENT, OrgKind.COMMUNE]
    units = {
        m.org_unit.pk: m.org_unit
        for m in access.memberships(user)
        if m.org_unit.is_current and VISITOR_ROLE_AT.get(m.org_unit.kind) == m.role
    }
    return sorted(units.values(), key=lambda u: (order.index(u.kind), u.search_name))
