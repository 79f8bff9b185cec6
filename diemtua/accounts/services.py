"""Writes for users and memberships."""

from django.db import transaction

from diemtua.audit import services as audit
from diemtua.orgs.models import OrgUnit

from .models import Membership, User


@transaction.atomic
def user_create(
    *, actor, username: str, full_name: str, password: str | None, email: str = "", phone: str = ""
) -> User:
    user = User(username=username, full_name=full_name, email=email, phone=phone)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    audit.record(actor=actor, action="accounts.user_create", obj=user, extra={"username": username})
    return user


@transaction.atomic
def membership_grant(*, actor, user: User, org_unit: OrgUnit, role: str) -> Membership:
    existing = Membership.objects.filter(user=user, org_unit=org_unit, role=role).first()
    if existing:
        return existing
    membership = Membership(user=user, org_unit=org_unit, role=role)
    membership.full_clean()
    membership.save()
    audit.record(
        actor=actor,
        action="accounts.membership_grant",
        obj=membership,
        org_unit=org_unit,
        extra={"user": user.pk, "role": role},
    )
    return membership


@transaction.atomic
def membership_revoke(*, actor, membership: Membership) -> None:
    audit.record(
        actor=actor,
        action="accounts.membership_revoke",
        obj=membership,
        org_unit=membership.org_unit_id,
        extra={"user": membership.user_id, "role": membership.role},
    )
    membership.delete()


@transaction.atomic
def user_set_active(*, actor, user: User, is_active: bool) -> User:
    """Lock or unlock an account (locked users cannot log in; their history stays)."""
    if user.is_active == is_active:
        return user
    user.is_active = is_active
    user.save(update_fields=["is_active"])
    audit.record(
        actor=actor,
        action="accounts.user_unlock" if is_active else "accounts.user_lock",
        obj=user,
    )
    return user
