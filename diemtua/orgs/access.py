from django.shortcuts import get_object_or_404

from diemtua.accounts import access
from diemtua.accounts.roles import BROWSE_ROLES

from .models import OrgUnit


def get_unit_for_user(user, pk: int) -> OrgUnit:
    """A unit the user may browse: 404 outside their subtree, 403 for roles that do not browse."""
    unit = get_object_or_404(
        OrgUnit.objects.select_related("parent", "successor", "commune"), pk=pk
    )
    access.require_roles_over(user, unit.pk, BROWSE_ROLES)
    return unit


def get_unit_to_manage(user, pk: int, roles) -> OrgUnit:
    """A unit the user may change: 404 outside their subtree, 403 without a managing role."""
    unit = get_object_or_404(OrgUnit.objects.select_related("parent", "successor"), pk=pk)
    access.require_roles_over(user, unit.pk, roles)
    return unit
