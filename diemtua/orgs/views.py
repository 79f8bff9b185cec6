from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from diemtua.accounts import access as account_access
from diemtua.accounts.roles import BROWSE_ROLES, SCHOOL_CREATE_ROLES, UNIT_EDIT_ROLES

from . import access, selectors, services
from .forms import SchoolCreateForm, UnitEditForm
from .models import OrgKind


@require_GET
@login_required
def unit_browser(request):
    """Top of the tree the user may browse, and a search across it (without diacritics)."""
    account_access.require_role(request.user, BROWSE_ROLES)
    query = request.GET.get("q", "").strip()[:100]
    roots = selectors.browsable_roots(fetched_by=request.user)
    results = None
    if query:
        results = Paginator(
            selectors.search_units(fetched_by=request.user, query=query), 50
        ).get_page(request.GET.get("page"))
    return render(request, "orgs/browser.html", {"roots": roots, "q": query, "results": results})


@require_GET
@login_required
def unit_detail(request, pk: int):
    unit = access.get_unit_for_user(request.user, pk)
    children = Paginator(selectors.children_of(unit), 100).get_page(request.GET.get("page"))
    my_roles = account_access.roles_over(request.user, unit.pk)
    return render(
        request,
        "orgs/unit_detail.html",
        {
            "unit": unit,
            "ancestors": selectors.visible_ancestors(fetched_by=request.user, unit=unit),
            "children": children,
            "predecessors": selectors.predecessors_of(unit),
            "can_add_school": unit.kind == OrgKind.DEPARTMENT
            and unit.is_current
            and bool(my_roles & SCHOOL_CREATE_ROLES),
            "can_edit": bool(my_roles & UNIT_EDIT_ROLES),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def school_create(request, pk: int):
    """Add a school to a province (department officers of that province, administrators)."""
    department = access.get_unit_to_manage(request.user, pk, SCHOOL_CREATE_ROLES)
    if department.kind != OrgKind.DEPARTMENT or not department.is_current:
        raise Http404
    form = SchoolCreateForm(request.POST or None, department=department)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        school = services.school_create(
            actor=request.user,
            department=department,
            name=data["name"],
            code=data["code"],
            school_level=data["school_level"],
            commune=data["commune_code"],
            address=data["address"],
        )
        messages.success(request, _("Đã thêm %(school)s.") % {"school": school.name})
        return redirect("org_unit_detail", pk=school.pk)
    return render(request, "orgs/school_form.html", {"department": department, "form": form})


@require_http_methods(["GET", "POST"])
@login_required
def unit_edit(request, pk: int):
    """Rename a unit or close it on a date with its successor (mergers)."""
    unit = access.get_unit_to_manage(request.user, pk, UNIT_EDIT_ROLES)
    initial = {
        "name": unit.name,
        "address": unit.address,
        "valid_to": unit.valid_to,
        "successor_code": unit.successor.code if unit.successor else "",
    }
    form = UnitEditForm(request.POST or None, initial=initial, unit=unit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.org_unit_update(
                actor=request.user,
                unit=unit,
                name=data["name"],
                address=data["address"],
                valid_to=data["valid_to"],
                successor=data["successor_code"],
                audit_reason="edit",
            )
        except ValidationError as error:
            # Rules the database enforces (dates in order, one current unit per code).
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Đã lưu thay đổi."))
            return redirect("org_unit_detail", pk=unit.pk)
    return render(request, "orgs/unit_form.html", {"unit": unit, "form": form})
