from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from diemtua.core import keyset

from . import selectors

PAGE_SIZE = 100


@require_GET
@login_required
def event_list(request):
    action = request.GET.get("action", "").strip()[:64]
    actor = request.GET.get("actor", "").strip()[:150]
    events = selectors.event_list(fetched_by=request.user, action=action, actor=actor)
    page = keyset.newest_first(
        events,
        key="seq",
        size=PAGE_SIZE,
        before=request.GET.get("before"),
        after=request.GET.get("after"),
    )
    return render(
        request, "audit/event_list.html", {"page": page, "action": action, "actor": actor}
    )
