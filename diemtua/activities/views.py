"""Activity pages: list, calendar, per-school totals, detail, record/change/delete, and the
attachment download. Thin: access.py finds the object, services.py writes, selectors.py reads."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from diemtua.accounts import access as account_access
from diemtua.audit import services as audit
from diemtua.core import once, uploads
from diemtua.orgs.models import OrgUnit
from diemtua.referrals import selectors as referral_selectors

from . import access, selectors, services
from .forms import ActivityForm, FilterForm, PeriodForm
from .models import KIND_FAMILIES
from .services import ACTIVITY_FIELDS


def _nav(user) -> dict:
    """Which of the section's tabs and buttons this user gets."""
    roles = account_access.roles_of(user)
    return {
        "can_record": bool(access.recording_units(user)),
        "can_total": bool(roles & access.TOTALS_ROLES),
    }


@require_GET
@login_required
def activity_list(request):
    account_access.require_role(request.user, access.VIEW_ROLES)
    filters = FilterForm(request.GET or None, units=selectors.filter_units(fetched_by=request.user))
    rows = selectors.activities_for(fetched_by=request.user, **filters.filters())
    return render(
        request,
        "activities/list.html",
        {
            "filters": filters,
            "page": Paginator(rows, 25).get_page(request.GET.get("page")),
            **_nav(request.user),
        },
    )


def _month(value: str) -> datetime.date:
    """The first day of ?month=YYYY-MM; this month when absent or unreadable."""
    try:
        year, month = (int(part) for part in value.split("-"))
        if 2000 <= year <= 2100:
            return datetime.date(year, month, 1)
    except (TypeError, ValueError):
        pass
    return timezone.localdate().replace(day=1)


@require_GET
@login_required
def activity_calendar(request):
    account_access.require_role(request.user, access.VIEW_ROLES)
    first = _month(request.GET.get("month", ""))
    filters = FilterForm(request.GET or None, units=selectors.filter_units(fetched_by=request.user))
    chosen = {k: v for k, v in filters.filters().items() if k not in ("date_from", "date_to") and v}
    month = selectors.calendar_month(
        fetched_by=request.user, year=first.year, month=first.month, **chosen
    )
    previous = (first - datetime.timedelta(days=1)).replace(day=1)
    following = (first + datetime.timedelta(days=31)).replace(day=1)
    return render(
        request,
        "activities/calendar.html",
        {
            **month,
            "filters": filters,
            "previous": previous,
            "following": following,
            "today": timezone.localdate(),
            **_nav(request.user),
            "weekdays": [
                _("Thứ Hai"),
                _("Thứ Ba"),
                _("Thứ Tư"),
                _("Thứ Năm"),
                _("Thứ Sáu"),
                _("Thứ Bảy"),
                _("Chủ Nhật"),
            ],  # fmt: skip
        },
    )


def _total_columns(sort: str) -> list[dict]:
    """Headers of the totals table: label, the sort its link asks for, and aria-sort."""
    labels = {
        "name": _("Trường"),
        "total": _("Số hoạt động"),
        **{code: label for code, label, _kinds in KIND_FAMILIES},
        "male": _("Nam tham gia"),
        "female": _("Nữ tham gia"),
        "participants": _("Tổng người tham gia"),
        "reach": _("Lượt tiếp cận"),
    }
    columns = []
    for code in ["name", *selectors.TOTAL_COLUMNS]:
        # Names sort A→Z first, numbers largest first.
        first = code if code == "name" else f"-{code}"
        second = first[1:] if first.startswith("-") else f"-{first}"
        state = {code: "ascending", f"-{code}": "descending"}.get(sort, "")
        columns.append(
            {
                "code": code,
                "label": labels[code],
                "next": second if sort == first else first,
                "aria_sort": state,
            }
        )
    return columns


PILOT_START, PILOT_END = datetime.date(2024, 2, 1), datetime.date(2024, 8, 31)


def school_year(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The school year containing `day`: 1 September to 31 August."""
    start = day.year if day.month >= 9 else day.year - 1
    return datetime.date(start, 9, 1), datetime.date(start + 1, 8, 31)


@require_GET
@login_required
def activity_totals(request):
    account_access.require_role(request.user, access.TOTALS_ROLES)
    today = timezone.localdate()
    start, end = school_year(today)
    # Only a period the person asked for is checked; a sort link alone keeps the default.
    asked = "date_from" in request.GET or "date_to" in request.GET
    form = PeriodForm(request.GET if asked else None, initial={"date_from": start, "date_to": end})
    sort = request.GET.get("sort", "name")
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    totals = selectors.school_totals(
        fetched_by=request.user, date_from=start, date_to=end, sort=sort
    )
    this_year = school_year(today)
    last_year = school_year(this_year[0] - datetime.timedelta(days=1))
    presets = [
        (_("Năm học %(a)s–%(b)s") % {"a": s.year, "b": e.year}, s, e)
        for s, e in (this_year, last_year)
    ]
    # The Ministry's 2024 pilot ran from February to August 2024.
    presets.append((_("Thí điểm 2024 (02–08/2024)"), PILOT_START, PILOT_END))
    return render(
        request,
        "activities/totals.html",
        {
            **totals,
            "form": form,
            "date_from": start,
            "date_to": end,
            "period_from": start.isoformat(),
            "period_to": end.isoformat(),
            "columns": _total_columns(totals["sort"]),
            "page": Paginator(totals["rows"], 100).get_page(request.GET.get("page")),
            "presets": presets,
            **_nav(request.user),
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@require_GET
@login_required
def activity_detail(request, pk: int):
    activity = access.get_activity_for_user(request.user, pk, request=request)
    return render(
        request,
        "activities/detail.html",
        {"activity": activity, **selectors.activity_detail(activity), **_nav(request.user)},
    )


def _providers(user):
    return referral_selectors.providers_for(fetched_by=user)


@require_http_methods(["GET", "POST"])
@login_required
def activity_create(request):
    units = access.recording_units(request.user)
    if not units:
        raise PermissionDenied
    unit_choices = OrgUnit.objects.filter(pk__in=[u.pk for u in units]).order_by("search_name")
    initial = {"held_on": timezone.localdate(), "org_unit": units[0].pk}
    for key in ("unit", "kind", "date"):
        value = request.GET.get(key, "")[:20]
        if value:
            initial[{"unit": "org_unit", "date": "held_on"}.get(key, key)] = value
    form = ActivityForm(
        request.POST or None,
        request.FILES or None,
        units=unit_choices,
        providers=_providers(request.user),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        activity = once.save_once(
            request,
            form,
            lambda: services.activity_create(
                actor=request.user,
                org_unit=data["org_unit"],
                content_groups=data["content_groups"],
                partners=data["partners"],
                files=data["files"],
                request=request,
                **{f: data[f] for f in ACTIVITY_FIELDS},
            ),
        )
        if activity is once.REPEATED:
            return once.already_saved(request, reverse("activity_list"))
        if activity is not None:
            messages.success(request, _("Đã ghi hoạt động “%(title)s”.") % {"title": activity})
            return redirect("activity_detail", pk=activity.pk)
    return render(
        request,
        "activities/form.html",
        {"form": form, "activity": None, "title": _("Ghi hoạt động mới")},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def activity_edit(request, pk: int):
    activity = access.get_activity_for_user(request.user, pk, request=request, edit=True)
    initial = {f: getattr(activity, f) for f in ACTIVITY_FIELDS}
    initial["content_groups"] = list(activity.content_groups.values_list("pk", flat=True))
    initial["partners"] = list(activity.partners.values_list("pk", flat=True))
    form = ActivityForm(
        request.POST or None,
        request.FILES or None,
        providers=_providers(request.user),
        editing=True,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = once.save_once(
            request,
            form,
            lambda: services.activity_update(
                actor=request.user,
                activity=activity,
                content_groups=data["content_groups"],
                partners=data["partners"],
                files=data["files"],
                request=request,
                **{f: data[f] for f in ACTIVITY_FIELDS},
            ),
        )
        url = reverse("activity_detail", kwargs={"pk": activity.pk})
        if saved is once.REPEATED:
            return once.already_saved(request, url)
        if saved is not None:
            messages.success(request, _("Đã lưu thay đổi."))
            return redirect(url)
    return render(
        request,
        "activities/form.html",
        {
            "form": form,
            "activity": activity,
            "attachments": list(activity.attachments.all()),
            "title": _("Sửa hoạt động"),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def activity_delete(request, pk: int):
    activity = access.get_activity_for_user(request.user, pk, request=request, edit=True)
    if request.method == "POST":
        services.activity_delete(actor=request.user, activity=activity, request=request)
        messages.success(request, _("Đã xóa hoạt động “%(title)s”.") % {"title": activity})
        return redirect("activity_list")
    return render(
        request,
        "activities/confirm_delete.html",
        {
            "activity": activity,
            "attachment": None,
            "attachment_count": activity.attachments.count(),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def attachment_delete(request, pk: int):
    attachment = access.get_attachment_for_user(request.user, pk, request=request, edit=True)
    activity = attachment.activity
    if request.method == "POST":
        services.attachment_delete(actor=request.user, attachment=attachment, request=request)
        messages.success(request, _("Đã xóa tệp “%(name)s”.") % {"name": attachment})
        return redirect("activity_edit", pk=activity.pk)
    return render(
        request,
        "activities/confirm_delete.html",
        {"activity": activity, "attachment": attachment},
    )


@require_GET
@login_required
def attachment_download(request, pk: int):
    """The file, to whoever may see its activity; always a download, never shown in the page,
    with the content type its bytes showed, and every download in the audit trail."""
    attachment = access.get_attachment_for_user(request.user, pk, request=request)
    response = uploads.download_response(attachment)
    audit.record(
        actor=request.user,
        action="activities.attachment_download",
        obj=attachment,
        org_unit=attachment.activity.org_unit_id,
        request=request,
        extra={"activity": attachment.activity_id, "file_kind": attachment.file_kind},
    )
    return response
