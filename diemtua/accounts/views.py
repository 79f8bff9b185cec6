from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import access, selectors
from .roles import Role


@require_GET
@login_required
def home(request):
    """One page, a section per role the user holds (a user may hold several)."""
    user = request.user
    roles = access.roles_of(user)
    context = {"roles": roles, "sections": []}
    by_role = {}
    for membership in access.memberships(user):
        by_role.setdefault(membership.role, []).append(membership.org_unit)

    school_roles = [Role.COUNSELOR, Role.SCHOOL_LEAD, Role.TEACHER]
    school_units = {u.pk: u for r in school_roles for u in by_role.get(r, [])}
    if school_units:
        context["my_schools"] = selectors.school_summaries(
            fetched_by=user, schools=list(school_units.values())
        )
    if Role.SCHOOL_LEAD in by_role:
        context["lead_staff"] = [
            (school, list(selectors.staff_of_school(fetched_by=user, school=school)))
            for school in by_role[Role.SCHOOL_LEAD]
        ]
    officer_units = by_role.get(Role.DEPARTMENT_OFFICER, []) + by_role.get(Role.COMMUNE_OFFICER, [])
    context["officer_units"] = [
        (unit, list(selectors.schools_of_unit(fetched_by=user, unit=unit)))
        for unit in officer_units
    ]
    if roles & {Role.MINISTRY_OFFICER, Role.SYSTEM_ADMIN}:
        context["provinces"] = selectors.provinces_overview(fetched_by=user)
    if Role.SYSTEM_ADMIN in roles:
        context["unit_count"] = selectors.unit_count(fetched_by=user)
        context["user_count"] = selectors.user_list(fetched_by=user).count()
    context["partner_units"] = by_role.get(Role.PARTNER_STAFF, [])
    return render(request, "accounts/home.html", context)


@require_GET
@login_required
def user_list(request):
    query = request.GET.get("q", "").strip()[:100]
    users = selectors.user_list(fetched_by=request.user, query=query)
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"page": page, "q": query})
