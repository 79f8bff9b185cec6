"""Experience exchange and document library pages. Thin, like views.py."""

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

from . import access, library_services, selectors
from .forms import (
    DocumentForm,
    ExchangeForm,
    LibraryFilterForm,
    ListFilterForm,
    VersionForm,
    exchange_initial,
)
from .library_services import DOCUMENT_FIELDS, EXCHANGE_FIELDS
from .views import nav

# --- Exchanges --------------------------------------------------------------------------------


@require_GET
@login_required
def exchange_list(request):
    account_access.require_role(request.user, access.VIEW_ROLES)
    filters = ListFilterForm(
        request.GET or None, years=selectors.year_choices(timezone.localdate())
    )
    rows = selectors.exchanges_for(fetched_by=request.user, **filters.values())
    return render(
        request,
        "trainings/exchange_list.html",
        {
            "filters": filters,
            "page": Paginator(rows, 25).get_page(request.GET.get("page")),
            "tab": "exchanges",
            **nav(request.user),
        },
    )


def _exchange_values(data) -> dict:
    return {f: data[f] for f in EXCHANGE_FIELDS}


@require_http_methods(["GET", "POST"])
@login_required
def exchange_create(request):
    owners = access.owner_units(request.user)
    if not owners:
        raise PermissionDenied
    form = ExchangeForm(
        request.POST or None,
        owners=owners,
        initial={"owner": owners[0].pk, "held_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        exchange = once.save_once(
            request,
            form,
            lambda: library_services.exchange_create(
                actor=request.user,
                owner=data["owner"],
                schools=data["schools"],
                request=request,
                **_exchange_values(data),
            ),
        )
        if exchange is once.REPEATED:
            return once.already_saved(request, reverse("exchange_list"))
        if exchange is not None:
            messages.success(request, _("Đã ghi buổi trao đổi “%(t)s”.") % {"t": exchange})
            return redirect("exchange_detail", pk=exchange.pk)
    return render(
        request,
        "trainings/exchange_form.html",
        {"form": form, "exchange": None, "title": _("Ghi buổi trao đổi kinh nghiệm")},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def exchange_edit(request, pk: int):
    exchange = access.get_exchange_for_user(request.user, pk, request=request, manage=True)
    form = ExchangeForm(
        request.POST or None,
        owner=exchange.owner,
        editing=True,
        initial=exchange_initial(exchange),
    )
    url = reverse("exchange_detail", kwargs={"pk": exchange.pk})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = once.save_once(
            request,
            form,
            lambda: library_services.exchange_update(
                actor=request.user,
                exchange=exchange,
                schools=data["schools"],
                request=request,
                **_exchange_values(data),
            ),
        )
        if saved is once.REPEATED:
            return once.already_saved(request, url)
        if saved is not None:
            messages.success(request, _("Đã lưu thay đổi."))
            return redirect(url)
    return render(
        request,
        "trainings/exchange_form.html",
        {"form": form, "exchange": exchange, "title": _("Sửa buổi trao đổi kinh nghiệm")},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@login_required
def exchange_detail(request, pk: int):
    exchange = access.get_exchange_for_user(request.user, pk, request=request)
    return render(
        request,
        "trainings/exchange_detail.html",
        {
            "exchange": exchange,
            **selectors.exchange_detail(fetched_by=request.user, exchange=exchange),
            "tab": "exchanges",
            **nav(request.user),
        },
    )


# --- Library ----------------------------------------------------------------------------------


@require_GET
@login_required
def library_list(request):
    account_access.require_role(request.user, access.LIBRARY_ROLES)
    filters = LibraryFilterForm(request.GET or None)
    rows = selectors.library_documents(fetched_by=request.user, **filters.values())
    return render(
        request,
        "trainings/library_list.html",
        {
            "filters": filters,
            "page": Paginator(rows, 25).get_page(request.GET.get("page")),
            "tab": "library",
            **nav(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def library_create(request):
    owners = access.owner_units(request.user)
    if not owners:
        raise PermissionDenied
    form = DocumentForm(
        request.POST or None, request.FILES or None, owners=owners, initial={"owner": owners[0].pk}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        document = once.save_once(
            request,
            form,
            lambda: library_services.document_create(
                actor=request.user,
                owner=data["owner"],
                upload=data["file"],
                note=data["note"],
                request=request,
                **{f: data[f] for f in DOCUMENT_FIELDS},
            ),
        )
        if document is once.REPEATED:
            return once.already_saved(request, reverse("library_list"))
        if document is not None:
            messages.success(request, _("Đã đăng tài liệu “%(t)s”.") % {"t": document})
            return redirect("library_detail", pk=document.pk)
    return render(
        request,
        "trainings/library_form.html",
        {"form": form, "document": None, "title": _("Đăng tài liệu")},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def library_edit(request, pk: int):
    document = access.get_document_for_user(request.user, pk, request=request, manage=True)
    initial = {f: getattr(document, f) for f in DOCUMENT_FIELDS}
    initial.update(program=document.program_id, exchange=document.exchange_id)
    form = DocumentForm(request.POST or None, document=document, initial=initial)
    url = reverse("library_detail", kwargs={"pk": document.pk})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = once.save_once(
            request,
            form,
            lambda: library_services.document_update(
                actor=request.user,
                document=document,
                request=request,
                **{f: data[f] for f in DOCUMENT_FIELDS},
            ),
        )
        if saved is once.REPEATED:
            return once.already_saved(request, url)
        if saved is not None:
            messages.success(request, _("Đã lưu thay đổi."))
            return redirect(url)
    return render(
        request,
        "trainings/library_form.html",
        {"form": form, "document": document, "title": _("Sửa thông tin tài liệu")},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@login_required
def library_detail(request, pk: int):
    document = access.get_document_for_user(request.user, pk, request=request)
    return render(
        request,
        "trainings/library_detail.html",
        {
            "document": document,
            "versions": selectors.document_versions(document),
            "tab": "library",
            **nav(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def library_version_add(request, pk: int):
    document = access.get_document_for_user(request.user, pk, request=request, manage=True)
    form = VersionForm(request.POST or None, request.FILES or None)
    url = reverse("library_detail", kwargs={"pk": document.pk})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        version = once.save_once(
            request,
            form,
            lambda: library_services.version_add(
                actor=request.user,
                document=document,
                upload=data["file"],
                note=data["note"],
                request=request,
            ),
        )
        if version is once.REPEATED:
            return once.already_saved(request, url)
        if version is not None:
            messages.success(request, _("Đã đăng phiên bản %(n)s.") % {"n": version.number})
            return redirect(url)
    return render(
        request,
        "trainings/version_form.html",
        {"form": form, "document": document},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@login_required
def library_download(request, pk: int):
    """A version's file, to whoever may see its document; every download is in the trail."""
    version = access.get_version_for_user(request.user, pk, request=request)
    response = uploads.download_response(version)
    audit.record(
        actor=request.user,
        action="trainings.document_download",
        obj=version,
        org_unit=version.document.owner_id,
        request=request,
        extra={"document": version.document_id, "number": version.number},
    )
    return response
