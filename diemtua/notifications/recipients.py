"""Who is told: the people who hold a role at a unit (or above it, for officers)."""

from diemtua.accounts.models import User
from diemtua.accounts.roles import Role
from diemtua.orgs.models import OrgKind, OrgUnitAncestor


def at_unit(unit_id: int, roles) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True, memberships__org_unit_id=unit_id, memberships__role__in=list(roles)
        ).distinct()
    )


def department_officers_over(school_id: int) -> list[User]:
    departments = OrgUnitAncestor.objects.filter(
        descendant_id=school_id, ancestor__kind=OrgKind.DEPARTMENT
    ).values("ancestor_id")
    return list(
        User.objects.filter(
            is_active=True,
            memberships__org_unit_id__in=departments,
            memberships__role=Role.DEPARTMENT_OFFICER,
        ).distinct()
    )
