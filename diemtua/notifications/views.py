"""The notification centre: the list, opening one, the badge, and channel preferences."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import services
from .models import Kind, Notification


@require_GET
@login_required
def notification_list(request):
    notes = Notification.objects.filter(user=request.user)
    page = Paginator(notes, 30).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@require_POST
@login_required
def notification_open(request, pk: int):
    # Only one's own: another person's notification does not exist for you (404).
    note = get_object_or_404(Notification, pk=pk, user=request.user)
    services.mark_read(user=request.user, notification=note)
    safe = url_has_allowed_host_and_scheme(note.link, {request.get_host()}, request.is_secure())
    return redirect(note.link if safe else "notification_list")


@require_POST
@login_required
def notification_read_all(request):
    count = services.mark_all_read(user=request.user)
    messages.success(request, _("Đã đánh dấu %(n)s thông báo là đã đọc.") % {"n": count})
    return redirect("notification_list")


@require_GET
@login_required
def notification_badge(request):
    """The count in the navigation bar; HTMX asks again every minute."""
    return render(request, "notifications/_badge.html")


@require_http_methods(["GET", "POST"])
@login_required
def notification_preferences(request):
    if request.method == "POST":
        choices = {
            kind: {
                "email": request.POST.get(f"{kind}-email") == "on",
                "digest": request.POST.get(f"{kind}-digest") == "on",
            }
            for kind in Kind.values
        }
        services.preferences_save(user=request.user, choices=choices)
        messages.success(request, _("Đã lưu cách nhận thông báo."))
        return redirect("notification_preferences")
    rows = [(kind, label, services.channels(request.user, kind)) for kind, label in Kind.choices]
    return render(request, "notifications/preferences.html", {"rows": rows})
