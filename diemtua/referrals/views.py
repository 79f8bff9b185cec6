import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from diemtua.accounts import access as account_access
from diemtua.accounts.roles import Role
from diemtua.audit import services as audit
from diemtua.core import once
from diemtua.orgs.models import OrgUnit

from . import access, selectors, services
from .forms import (
    AcceptForm,
    AppointmentForm,
    DeclineForm,
    ProviderCreateForm,
    ProviderFilterForm,
    ProviderForm,
    ReferralSendForm,
)
from .forms import CloseForm as ReferralCloseForm
from .models import ReferralStatus
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


# --- Referrals ----------------------------------------------------------------------------------
# Partner staff: /referrals/ (their organisation's inbox) and /referrals/<pk>/ (the snapshot the
# school shared, and the actions). The sending school's counselors open the same detail page for
# its status and feedback, and send from /referrals/cases/<case pk>/new/.


def _viewed(request, referral) -> None:
    audit.record(
        actor=request.user,
        action="referrals.referral_view",
        obj=referral,
        org_unit=referral.school_id,
        request=request,
        extra={"case": referral.case_id, "provider": referral.provider_id, "side": referral.side},
    )


@require_GET
@login_required
def referral_inbox(request):
    account_access.require_role(request.user, {Role.PARTNER_STAFF})
    status = request.GET.get("status", "")
    if status not in ReferralStatus.values:
        status = ""
    page = Paginator(selectors.referral_inbox(fetched_by=request.user, status=status), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "referrals/referral_inbox.html",
        {"page": page, "status": status, "statuses": ReferralStatus.choices},
    )


def _detail_page(request, referral, status=200, **forms):
    context = {
        "referral": referral,
        "appointments": list(referral.appointments.all()),
        "is_partner": referral.side == "partner",
        "failed_form": next(iter(forms.values()), None),
        "accept_form": forms.get("accept") or AcceptForm(),
        "decline_form": forms.get("decline") or DeclineForm(),
        "appointment_form": forms.get("appointment") or AppointmentForm(),
        "close_form": forms.get("close") or ReferralCloseForm(),
    }
    return render(request, "referrals/referral_detail.html", context, status=status)


@require_GET
@login_required
def referral_detail(request, pk: int):
    referral = access.get_referral_for_user(request.user, pk, request=request)
    _viewed(request, referral)
    return _detail_page(request, referral)


def _referral_post(request, pk, form_class, key, service, success):
    """Partner actions: valid → service → back to the referral; refused → the page with the
    form as typed and the message (400). Saved once per rendered form (core/once.py)."""

    referral = access.get_referral_for_user(request.user, pk, request=request, partner_only=True)
    form = form_class(request.POST)
    if form.is_valid():
        saved = once.save_once(
            request,
            form,
            lambda: (
                service(actor=request.user, referral=referral, request=request, **form.cleaned_data)
                or True
            ),
        )
        url = reverse("partner_referral_detail", kwargs={"pk": referral.pk})
        if saved is once.REPEATED:
            return once.already_saved(request, url)
        if saved is not None:
            messages.success(request, success)
            return redirect(url)
    referral.refresh_from_db()
    return _detail_page(request, referral, status=400, **{key: form})


@require_POST
@login_required
def referral_accept(request, pk: int):
    return _referral_post(
        request,
        pk,
        AcceptForm,
        "accept",
        services.referral_accept,
        _("Đã tiếp nhận chuyển gửi. Nhà trường sẽ thấy trạng thái mới."),
    )


@require_POST
@login_required
def referral_decline(request, pk: int):
    return _referral_post(
        request,
        pk,
        DeclineForm,
        "decline",
        services.referral_decline,
        _("Đã từ chối chuyển gửi và báo lý do cho nhà trường."),
    )


@require_POST
@login_required
def appointment_create(request, pk: int):
    return _referral_post(
        request,
        pk,
        AppointmentForm,
        "appointment",
        services.appointment_record,
        _("Đã ghi lịch hẹn."),
    )


@require_POST
@login_required
def referral_close(request, pk: int):
    return _referral_post(
        request,
        pk,
        ReferralCloseForm,
        "close",
        services.referral_close,
        _("Đã kết thúc chuyển gửi và gửi kết quả cho nhà trường."),
    )


@require_http_methods(["GET", "POST"])
@login_required
def referral_send(request, pk: int):
    """A counselor of the case sends it to a partner that accepts referrals."""
    from diemtua.cases import access as case_access

    case = case_access.get_case_for_user(request.user, pk, request=request)
    providers = OrgUnit.objects.filter(
        provider_profile__in=selectors.referral_targets(fetched_by=request.user)
    ).order_by("search_name")
    initial = {"feedback_due_on": timezone.localdate() + datetime.timedelta(days=14)}
    form = ReferralSendForm(request.POST or None, providers=providers, initial=initial)
    case_url = reverse("case_detail", kwargs={"pk": case.pk})
    if request.method == "POST" and form.is_valid():
        saved = once.save_once(
            request,
            form,
            lambda: services.referral_send(
                actor=request.user, case=case, request=request, **form.cleaned_data
            ),
        )
        if saved is once.REPEATED:
            return once.already_saved(request, case_url + "#h-referrals")
        if saved is not None:
            messages.success(
                request,
                _("Đã gửi chuyển gửi tới %(provider)s.") % {"provider": saved.provider.name},
            )
            return redirect(case_url + "#h-referrals")
    return render(
        request,
        "referrals/referral_send.html",
        {"form": form, "case": case},
        status=400 if request.method == "POST" else 200,
    )
