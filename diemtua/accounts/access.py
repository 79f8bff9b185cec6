"""The access policy every app's access.py builds on.

Two questions, in this order (as in healthchecks' `_get_check_for_user`):
1. Is the user an *insider* for the object's unit — do they hold any role at that unit or one of
   its ancestors? If not, the object does not exist for them: 404, the same as a missing object,
   so nobody can learn that a student exists at another school.
2. Does one of their roles at such a unit allow this action? If not: 403.
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.http import Http404

from diemtua.orgs.models import OrgUnitAncestor

from .models import Membership


def memberships(user) -> list[Membership]:
    """The user's memberships, loaded once per request object."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_diemtua_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("org_unit"))
        user._diemtua_memberships = cached
    return cached


def roles_of(user) -> set[str]:
    return {m.role for m in memberships(user)}


def units_with_role(user, roles: Iterable[str]) -> list:
    wanted = set(roles)
    return [m.org_unit for m in memberships(user) if m.role in wanted]


def _ancestor_ids(unit_id: int) -> set[int]:
    return set(
        OrgUnitAncestor.objects.filter(descendant_id=unit_id).values_list("ancestor_id", flat=True)
    )


def roles_over(user, unit_id: int) -> set[str]:
    """Roles the user holds at `unit_id` or any unit above it."""
    mine = memberships(user)
    if not mine:
        return set()
    # One request asks this about the same school many times (a list, its counts, a form).
    known = user.__dict__.setdefault("_diemtua_roles_over", {})
    if unit_id not in known:
        above = _ancestor_ids(unit_id)
        known[unit_id] = frozenset(m.role for m in mine if m.org_unit_id in above)
    return set(known[unit_id])


def require_roles_over(user, unit_id: int, allowed: Iterable[str]) -> set[str]:
    """404 for an outsider, 403 for an insider without an allowed role; returns their roles."""
    roles = roles_over(user, unit_id)
    if not roles:
        raise Http404
    if not roles & set(allowed):
        raise PermissionDenied
    return roles


def require_role(user, allowed: Iterable[str]) -> list:
    """For pages without an object (lists, forms): 403 unless the user holds an allowed role.

    Returns the units at which they hold it, which scope everything the page shows.
    """
    units = units_with_role(user, allowed)
    if not units:
        raise PermissionDenied
    return units


def get_user_for_admin(actor, pk: int):
    """A user account, seen like any object: through the units of its memberships.

    Someone with no role at or above any of the account's units gets 404; an insider who is not
    a system administrator gets 403. An administrator at the top of the tree (the Ministry)
    reaches every account, including one whose roles were all revoked.
    """
    from django.shortcuts import get_object_or_404

    from .models import User
    from .roles import Role

    target = get_object_or_404(User, pk=pk)
    mine = memberships(actor)
    if any(m.role == Role.SYSTEM_ADMIN and m.org_unit.parent_id is None for m in mine):
        return target
    target_units = list(target.memberships.values_list("org_unit_id", flat=True))
    above = set(
        OrgUnitAncestor.objects.filter(descendant_id__in=target_units).values_list(
            "ancestor_id", flat=True
        )
    )
    roles = {m.role for m in mine if m.org_unit_id in above}
    if not roles:
        raise Http404
    if Role.SYSTEM_ADMIN not in roles:
        raise PermissionDenied
    return target
