from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from diemtua.accounts import access as account_access

from . import access, selectors, services
from .forms import ProviderCreateForm, ProviderFilterForm, ProviderForm
from .services import PROFILE_FIELDS, UNIT_FIELDS


@require_GET
@login_required
def provider_list(request):
    """The directory of partner organisations for the user's provinces, plus nationwide ones."""
    account_access.require_role(request.user, access.DIRECTORY_ROLES)
    filters = ProviderFilterForm(request.GET)
    data = filters.cleaned_data if filters.is_valid() else {}
    providers = selectors.providers_for(
        fetched_by=request.user,
        query=data.get("q", ""),
        category=data.get("category", ""),
        accepts_referrals=True if data.get("accepts") else None,
    )
    page = Paginator(providers, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "referrals/provider_list.html",
        {
            "filters": filters,
            "page": page,
            "areas": selectors.areas_to_manage(fetched_by=request.user),
        },
    )


@require_GET
@login_required
def provider_detail(request, pk: int):
    profile = access.get_provider_for_user(request.user, pk)
    return render(
        request,
        "referrals/provider_detail.html",
        {"provider": profile, "can_edit": access.can_manage(request.user, profile.unit)},
    )


def _save(form, call):
    """Run a service; rules it enforces come back as form errors. Returns the result or None."""
    try:
        return call()
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error.messages)
    return None


@require_http_methods(["GET", "POST"])
@login_required
def provider_create(request):
    """Add a provider under ?department=<pk> (or the Ministry, for nationwide services)."""
    area = access.get_area_to_manage(request.user, request.GET.get("department"))
    form = ProviderCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {f: data[f] for f in (*PROFILE_FIELDS, *UNIT_FIELDS)}
        profile = _save(
            form,
            lambda: services.provider_create(
                actor=request.user, parent=area, code=data["code"], request=request, **fields
            ),
        )
        if profile is not None:
            messages.success(request, _("Đã thêm %(name)s.") % {"name": profile.unit.name})
            return redirect("provider_detail", pk=profile.pk)
    return render(request, "referrals/provider_form.html", {"form": form, "area": area})


@require_http_methods(["GET", "POST"])
@login_required
def provider_edit(request, pk: int):
    profile = access.get_provider_to_manage(request.user, pk)
    initial = {f: getattr(profile, f) for f in PROFILE_FIELDS}
    initial.update({f: getattr(profile.unit, f) for f in UNIT_FIELDS})
    form = ProviderForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {f: data[f] for f in (*PROFILE_FIELDS, *UNIT_FIELDS)}
        saved = _save(
            form,
            lambda: services.provider_update(
                actor=request.user, profile=profile, request=request, **changes
            ),
        )
        if saved is not None:
            messages.success(request, _("Đã lưu thay đổi."))
            return redirect("provider_detail", pk=profile.pk)
    return render(
        request,
        "referrals/provider_form.html",
        {"form": form, "provider": profile, "area": profile.unit.parent},
    )
