"""Reads of the provider directory, scoped to the provinces a user works in."""

from django.db.models import Q, QuerySet

from diemtua.accounts import access
from diemtua.core.text import fold
from diemtua.orgs.models import OrgKind, OrgUnit, OrgUnitAncestor

from .access import DIRECTORY_ROLES
from .models import ProviderProfile


def _area_filter(*, fetched_by) -> Q | None:
    """Providers of the provinces where the user holds a directory role, plus nationwide ones.

    None means everything (a role at the Ministry); an empty Q() is never returned.
    """
    units = [m.org_unit for m in access.memberships(fetched_by) if m.role in DIRECTORY_ROLES]
    if any(unit.parent_id is None for unit in units):
        return None
    departments = OrgUnitAncestor.objects.filter(
        descendant_id__in=[unit.pk for unit in units], ancestor__kind=OrgKind.DEPARTMENT
    ).values("ancestor_id")
    return Q(unit__parent_id__in=departments) | Q(unit__parent__kind=OrgKind.MINISTRY)


def providers_for(
    *,
    fetched_by,
    query: str = "",
    category: str = "",
    accepts_referrals: bool | None = None,
) -> QuerySet[ProviderProfile]:
    """The directory as this user sees it, filtered; current providers only."""
    qs = ProviderProfile.objects.filter(
        unit__kind=OrgKind.PROVIDER, unit__valid_to__isnull=True
    ).select_related("unit", "unit__parent")
    area = _area_filter(fetched_by=fetched_by)
    if area is not None:
        qs = qs.filter(area)
    if category:
        qs = qs.filter(category=category)
    if accepts_referrals is not None:
        qs = qs.filter(accepts_referrals=accepts_referrals)
    folded = fold(query)
    if folded:
        qs = qs.filter(search_text__contains=folded)
    # Nationwide services (under the Ministry) first, then by province and name.
    return qs.order_by("-unit__parent__kind", "unit__parent__search_name", "unit__search_name")


def areas_to_manage(*, fetched_by) -> QuerySet[OrgUnit]:
    """Departments (and the Ministry, for its administrators) where the user may add providers."""
    from .access import PROVIDER_MANAGE_ROLES

    units = [m.org_unit for m in access.memberships(fetched_by) if m.role in PROVIDER_MANAGE_ROLES]
    kinds = [OrgKind.DEPARTMENT, OrgKind.MINISTRY]
    return (
        OrgUnit.objects.filter(
            kind__in=kinds,
            valid_to__isnull=True,
            ancestor_links__ancestor_id__in=[unit.pk for unit in units],
        )
        .distinct()
        .order_by("-kind", "search_name")
    )


# --- Referrals ----------------------------------------------------------------------------------


def referral_inbox(*, fetched_by, status: str = ""):
    """Referrals sent to the organisations where this user is partner staff; nothing else."""
    from diemtua.accounts.roles import Role

    from .models import Referral

    units = [u.pk for u in access.units_with_role(fetched_by, {Role.PARTNER_STAFF})]
    qs = Referral.objects.filter(provider_id__in=units).select_related("provider", "school")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-sent_at", "-pk")


def case_referrals(case) -> list:
    """A case's referrals with their appointments, for the case page (its counselors only)."""
    return list(
        case.referrals.select_related("provider")
        .prefetch_related("appointments")
        .order_by("-sent_at", "-pk")
    )


def referral_targets(*, fetched_by):
    """Providers a counselor can send to: in the directory and accepting referrals."""
    return providers_for(fetched_by=fetched_by, accepts_referrals=True)
