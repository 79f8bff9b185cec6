"""Writes to the provider directory. Each provider is an OrgUnit (created through orgs.services)
with a ProviderProfile holding its directory details."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from diemtua.audit import services as audit
from diemtua.core.text import fold
from diemtua.orgs import services as org_services
from diemtua.orgs.models import OrgKind, OrgUnit

from .models import ProviderProfile

PROFILE_FIELDS = (
    "category",
    "services",
    "phone",
    "email",
    "opening_hours",
    "catchment",
    "accepts_referrals",
    "notes",
)
UNIT_FIELDS = ("name", "address")


def _search_text(profile: ProviderProfile) -> str:
    return fold(
        " ".join([profile.unit.name, profile.unit.code, profile.services, profile.catchment])
    )


def _next_code(parent: OrgUnit) -> str:
    """A free code for a provider when the officer gives none: <province code>-DV<n>."""
    taken = set(
        OrgUnit.objects.filter(
            kind=OrgKind.PROVIDER, code__startswith=f"{parent.code}-DV"
        ).values_list("code", flat=True)
    )
    n = len(taken) + 1
    while f"{parent.code}-DV{n}" in taken:
        n += 1
    return f"{parent.code}-DV{n}"


@transaction.atomic
def provider_create(
    *,
    actor,
    parent: OrgUnit,
    name: str,
    category: str,
    code: str = "",
    address: str = "",
    services: str = "",
    phone: str = "",
    email: str = "",
    opening_hours: str = "",
    catchment: str = "",
    accepts_referrals: bool = False,
    notes: str = "",
    request=None,
) -> ProviderProfile:
    """Add a provider to a province (or, under the Ministry, a nationwide one).

    When a current provider unit with this code already exists under `parent` without a
    directory entry (made before the directory existed), the entry is attached to it.
    """
    if parent.kind not in {OrgKind.DEPARTMENT, OrgKind.MINISTRY} or not parent.is_current:
        raise ValidationError({"parent": _("Đơn vị phối hợp phải thuộc một Sở hoặc Bộ.")})
    code = code.strip().upper()
    unit = None
    if code:
        unit = OrgUnit.objects.filter(
            kind=OrgKind.PROVIDER, code=code, valid_to__isnull=True
        ).first()
        if unit is not None and (
            unit.parent_id != parent.pk or ProviderProfile.objects.filter(unit=unit).exists()
        ):
            raise ValidationError({"code": _("Mã này đã được dùng cho một đơn vị phối hợp khác.")})
    if unit is None:
        unit = org_services.org_unit_create(
            actor=actor,
            kind=OrgKind.PROVIDER,
            name=name,
            code=code or _next_code(parent),
            parent=parent,
            address=address,
            audit_reason="provider_create",
        )
    else:
        unit = org_services.org_unit_update(
            actor=actor, unit=unit, name=name, address=address, audit_reason="provider_create"
        )
    profile = ProviderProfile(
        unit=unit,
        category=category,
        services=services,
        phone=phone,
        email=email,
        opening_hours=opening_hours,
        catchment=catchment,
        accepts_referrals=accepts_referrals,
        notes=notes,
    )
    profile.search_text = _search_text(profile)
    profile.full_clean()
    profile.save()
    audit.record(
        actor=actor,
        action="referrals.provider_create",
        obj=profile,
        org_unit=unit,
        request=request,
        extra={"category": category, "accepts_referrals": accepts_referrals},
    )
    return profile


@transaction.atomic
def provider_update(*, actor, profile: ProviderProfile, request=None, **changes) -> ProviderProfile:
    """Change a provider's name, address or directory details."""
    unknown = set(changes) - set(PROFILE_FIELDS) - set(UNIT_FIELDS)
    if unknown:
        raise TypeError(f"provider_update: unknown fields {sorted(unknown)}")
    profile = ProviderProfile.objects.select_for_update().select_related("unit").get(pk=profile.pk)
    unit_changes = {f: changes[f] for f in UNIT_FIELDS if f in changes}
    changed = [f for f in UNIT_FIELDS if f in changes and getattr(profile.unit, f) != changes[f]]
    if changed:
        profile.unit = org_services.org_unit_update(
            actor=actor, unit=profile.unit, audit_reason="provider_update", **unit_changes
        )
    profile_changed = [
        f for f in PROFILE_FIELDS if f in changes and getattr(profile, f) != changes[f]
    ]
    if not changed and not profile_changed:
        return profile
    for field in profile_changed:
        setattr(profile, field, changes[field])
    profile.search_text = _search_text(profile)
    profile.full_clean()
    profile.save(update_fields=[*profile_changed, "search_text", "updated_at"])
    audit.record(
        actor=actor,
        action="referrals.provider_update",
        obj=profile,
        org_unit=profile.unit,
        request=request,
        extra={"changed": sorted(changed + profile_changed)},
    )
    return profile
