"""Who reaches a provider in the directory.

The directory belongs to a province: everyone who works somewhere in the province (any role at a
unit under its department, or above it) is an insider for its providers; nationwide providers
(under the Ministry) have everyone as insiders. Outsiders get 404. Insiders need a directory
role to read (a teacher gets 403) and a managing role over the provider to change it.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from diemtua.accounts import access
from diemtua.accounts.roles import BROWSE_ROLES, Role
from diemtua.orgs.models import OrgKind, OrgUnit, OrgUnitAncestor

from .models import ProviderProfile

# Everyone who works with partners (the org browsers plus partner staff); teachers ask their
# counselor and see the status of their own referrals only.
DIRECTORY_ROLES = BROWSE_ROLES | {Role.PARTNER_STAFF}
# Adding and changing providers: the province's department officers and system administrators.
PROVIDER_MANAGE_ROLES = frozenset({Role.DEPARTMENT_OFFICER, Role.SYSTEM_ADMIN})


def roles_in_area(user, area_id: int) -> set[str]:
    """Roles the user holds anywhere under `area_id` (a department or the Ministry) or above it."""
    mine = access.memberships(user)
    if not mine:
        return set()
    unit_ids = {m.org_unit_id for m in mine}
    related = set()
    for ancestor_id, descendant_id in OrgUnitAncestor.objects.filter(
        Q(ancestor_id=area_id, descendant_id__in=unit_ids)
        | Q(descendant_id=area_id, ancestor_id__in=unit_ids)
    ).values_list("ancestor_id", "descendant_id"):
        related.add(descendant_id if ancestor_id == area_id else ancestor_id)
    return {m.role for m in mine if m.org_unit_id in related}


def _require_directory(user, unit: OrgUnit, allowed) -> set[str]:
    roles = roles_in_area(user, unit.parent_id) if unit.parent_id else set()
    if not roles:
        raise Http404
    if not roles & set(allowed):
        raise PermissionDenied
    return roles


def get_provider_for_user(user, pk: int) -> ProviderProfile:
    """A provider in the user's directory: 404 outside its province, 403 without a reading role."""
    profile = get_object_or_404(
        ProviderProfile.objects.select_related("unit", "unit__parent"),
        unit__kind=OrgKind.PROVIDER,
        pk=pk,
    )
    _require_directory(user, profile.unit, DIRECTORY_ROLES)
    return profile


def get_provider_to_manage(user, pk: int) -> ProviderProfile:
    """A provider the user may change: an insider needs a managing role over the provider."""
    profile = get_object_or_404(
        ProviderProfile.objects.select_related("unit", "unit__parent"), pk=pk
    )
    _require_directory(user, profile.unit, PROVIDER_MANAGE_ROLES)
    if not access.roles_over(user, profile.unit.pk) & PROVIDER_MANAGE_ROLES:
        raise PermissionDenied
    return profile


def can_manage(user, unit: OrgUnit) -> bool:
    return bool(access.roles_over(user, unit.pk) & PROVIDER_MANAGE_ROLES)


def get_area_to_manage(user, pk) -> OrgUnit:
    """The department (or, for nationwide providers, the Ministry) a new provider goes under."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < pk < 2**63:
        raise Http404
    area = get_object_or_404(
        OrgUnit, pk=pk, kind__in=[OrgKind.DEPARTMENT, OrgKind.MINISTRY], valid_to__isnull=True
    )
    access.require_roles_over(user, area.pk, PROVIDER_MANAGE_ROLES)
    return area


# --- Referrals ----------------------------------------------------------------------------------
# A referral has two sides: the receiving organisation's partner staff, and the counselors of the
# sending school who may see its case. Anyone else with a role over the school or the provider is
# an insider (403); everyone else gets 404, as for a referral that does not exist. Refusals are
# audited like the case's.


def _referral_refused(user, refusal, pk, request) -> None:
    from diemtua.audit import services as audit

    audit.record(
        actor=user,
        action="referrals.access_refused",
        object_type="referrals.referral",
        object_id=str(pk),
        request=request,
        extra={"answer": 404 if isinstance(refusal, Http404) else 403},
    )


def referral_side(user, referral) -> str:
    """ "partner" or "school" for who may act on it; raises 404/403 for everyone else."""
    from diemtua.cases.access import can_see_case

    if Role.PARTNER_STAFF in access.roles_over(user, referral.provider_id):
        return "partner"
    school_roles = access.roles_over(user, referral.school_id)
    if Role.COUNSELOR in school_roles:
        if not can_see_case(user, referral.case):
            raise Http404
        return "school"
    if school_roles or access.roles_over(user, referral.provider_id):
        raise PermissionDenied
    raise Http404


def get_referral_for_user(user, pk: int, *, request=None, partner_only: bool = False):
    """A referral for its partner staff or the sending school's counselors (`partner_only`:
    the actions only the receiving organisation takes; the school's counselors get 403)."""
    from .models import Referral

    try:
        referral = get_object_or_404(
            Referral.objects.select_related(
                "provider", "school", "case", "sent_by"
            ).prefetch_related("case__counselors"),
            pk=pk,
        )
        side = referral_side(user, referral)
        if partner_only and side != "partner":
            raise PermissionDenied
    except (Http404, PermissionDenied) as refusal:
        _referral_refused(user, refusal, pk, request)
        raise
    referral.side = side
    return referral
