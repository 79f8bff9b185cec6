from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from diemtua.accounts import access as account_access
from diemtua.accounts.roles import BROWSE_ROLES

from . import access, selectors


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
    return render(
        request,
        "orgs/unit_detail.html",
        {
            "unit": unit,
            "ancestors": selectors.visible_ancestors(fetched_by=request.user, unit=unit),
            "children": children,
            "predecessors": selectors.predecessors_of(unit),
        },
    )
