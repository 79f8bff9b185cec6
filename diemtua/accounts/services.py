"""Writes for users and memberships."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from diemtua.audit import services as audit
from diemtua.orgs.models import OrgUnit

from .models import Membership, User


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    full_name: str,
    password: str | None,
    email: str = "",
    phone: str = "",
    must_change_password: bool = False,
) -> User:
    user = User(
        username=username,
        full_name=full_name,
        email=email,
        phone=phone,
        must_change_password=must_change_password,
    )
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
    # Nobody grants themselves a role: an administrator who could would reach any student's
    # record simply by making themselves that school's counselor.
    if actor is not None and actor.pk == user.pk:
        raise ValidationError(_("Không thể tự gán vai trò cho chính mình."))
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


@transaction.atomic
def password_changed(*, actor, user: User) -> None:
    """Record that a person set their own password (clears the forced change)."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
    audit.record(actor=actor, action="accounts.password_change", obj=user)
