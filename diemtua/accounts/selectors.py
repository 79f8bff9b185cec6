"""Reads for the home pages and the user list, each scoped to who is asking."""

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from diemtua.orgs.models import OrgKind, OrgUnit, SchoolLevel

from . import access
from .models import Membership, User
from .roles import Role

# Primary first, then lower and upper secondary: the order people read school lists in.
LEVEL_RANK = Case(
    *[When(school_level=level, then=Value(rank)) for rank, level in enumerate(SchoolLevel.values)],
    default=Value(99),
    output_field=IntegerField(),
)


def school_summaries(*, fetched_by, schools: list[OrgUnit]) -> QuerySet[OrgUnit]:
    """Schools with their student counts and counselor counts (no student names)."""
    return (
        OrgUnit.objects.filter(pk__in=[s.pk for s in schools])
        .select_related("commune", "parent")
        .annotate(
            student_count=Count("students", filter=Q(students__is_active=True), distinct=True),
            counselor_count=Count(
                "memberships", filter=Q(memberships__role=Role.COUNSELOR), distinct=True
            ),
        )
    )


def schools_of_unit(*, fetched_by, unit: OrgUnit) -> QuerySet[OrgUnit]:
    """Current schools under a department or commune, with counts, for officers' home pages."""
    access.require_roles_over(
        fetched_by,
        unit.pk,
        {Role.COMMUNE_OFFICER, Role.DEPARTMENT_OFFICER, Role.MINISTRY_OFFICER, Role.SYSTEM_ADMIN},
    )
    return (
        OrgUnit.objects.filter(
            ancestor_links__ancestor=unit, kind=OrgKind.SCHOOL, valid_to__isnull=True
        )
        .select_related("commune")
        .annotate(
            student_count=Count("students", filter=Q(students__is_active=True), distinct=True),
            counselor_count=Count(
                "memberships", filter=Q(memberships__role=Role.COUNSELOR), distinct=True
            ),
        )
        .annotate(level_rank=LEVEL_RANK)
        .order_by("level_rank", "search_name")
    )


def provinces_overview(*, fetched_by) -> QuerySet[OrgUnit]:
    """Departments (today's and ended ones) with their number of current schools."""
    if not access.units_with_role(fetched_by, {Role.MINISTRY_OFFICER, Role.SYSTEM_ADMIN}):
        return OrgUnit.objects.none()
    return (
        OrgUnit.objects.filter(kind=OrgKind.DEPARTMENT)
        .select_related("successor")
        .annotate(
            school_count=Count(
                "descendant_links",
                filter=Q(
                    descendant_links__descendant__kind=OrgKind.SCHOOL,
                    descendant_links__descendant__valid_to__isnull=True,
                ),
                distinct=True,
            )
        )
        .order_by("valid_to", "code")
    )


def staff_of_school(*, fetched_by, school: OrgUnit) -> QuerySet[Membership]:
    access.require_roles_over(
        fetched_by, school.pk, {Role.SCHOOL_LEAD, Role.COUNSELOR, Role.SYSTEM_ADMIN}
    )
    return (
        Membership.objects.filter(org_unit=school)
        .select_related("user")
        .order_by("role", "user__full_name")
    )


def user_list(*, fetched_by, query: str = "") -> QuerySet[User]:
    """All users with their memberships: for system administrators only."""
    access.require_role(fetched_by, {Role.SYSTEM_ADMIN})
    from diemtua.core.text import fold

    qs = User.objects.prefetch_related("memberships__org_unit").order_by("username")
    if query:
        qs = qs.filter(search_name__contains=fold(query))
    return qs


def unit_count(*, fetched_by) -> int:
    access.require_role(fetched_by, {Role.SYSTEM_ADMIN})
    return OrgUnit.objects.count()


def memberships_of(*, fetched_by, user: User) -> QuerySet[Membership]:
    access.require_role(fetched_by, {Role.SYSTEM_ADMIN})
    return user.memberships.select_related("org_unit").order_by("role")
