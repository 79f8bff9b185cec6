from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import selectors


@require_GET
@login_required
def event_list(request):
    action = request.GET.get("action", "").strip()[:64]
    actor = request.GET.get("actor", "").strip()[:150]
    events = selectors.event_list(fetched_by=request.user, action=action, actor=actor)
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    return render(
        request, "audit/event_list.html", {"page": page, "action": action, "actor": actor}
    )
