"""Training pages: list, record and change a training, invitations, the attendance and scores
table, certificates (PDF, revocation, the public check) and hours per staff member.
Thin: access.py finds the object, services.py writes, selectors.py reads."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from diemtua.accounts import access as account_access
from diemtua.audit import services as audit
from diemtua.core import once, ratelimit
from diemtua.core.ratelimit import Rate

from . import access, certificate, selectors, services
from .forms import (
    AttendanceForm,
    HoursFilterForm,
    ListFilterForm,
    ParticipantForm,
    RevokeForm,
    TrainingForm,
    VerifyForm,
)
from .services import TRAINING_FIELDS

# Wrong codes per client address before the check answers 429 (settings may override).
DEFAULT_VERIFY_RATE = "20/600"
RETRY_AFTER_SECONDS = 60


def nav(user) -> dict:
    """Which of the section's tabs and buttons this user gets."""
    roles = account_access.roles_of(user)
    return {
        "can_organise": bool(access.owner_units(user)),
        "can_hours": bool(roles & access.HOURS_ROLES),
        "can_trainings": bool(roles & access.VIEW_ROLES),
    }


def _years():
    return selectors.year_choices(timezone.localdate())


@require_GET
@login_required
def training_list(request):
    account_access.require_role(request.user, access.VIEW_ROLES)
    filters = ListFilterForm(request.GET or None, years=_years())
    rows = selectors.trainings_for(fetched_by=request.user, **filters.values())
    return render(
        request,
        "trainings/list.html",
        {
            "filters": filters,
            "page": Paginator(rows, 25).get_page(request.GET.get("page")),
            "tab": "trainings",
            **nav(request.user),
        },
    )


def _training_values(data) -> dict:
    return {f: data[f] for f in TRAINING_FIELDS}


@require_http_methods(["GET", "POST"])
@login_required
def training_create(request):
    owners = access.owner_units(request.user)
    if not owners:
        raise PermissionDenied
    form = TrainingForm(request.POST or None, owners=owners, initial={"owner": owners[0].pk})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        training = once.save_once(
            request,
            form,
            lambda: services.training_create(
                actor=request.user, owner=data["owner"], request=request, **_training_values(data)
            ),
        )
        if training is once.REPEATED:
            return once.already_saved(request, reverse("training_list"))
        if training is not None:
            messages.success(request, _("Đã tạo khóa tập huấn “%(t)s”.") % {"t": training})
            return redirect("training_detail", pk=training.pk)
    return render(
        request,
        "trainings/form.html",
        {"form": form, "training": None, "title": _("Tạo khóa tập huấn")},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def training_edit(request, pk: int):
    training = access.get_training_for_user(request.user, pk, request=request, manage=True)
    initial = {f: getattr(training, f) for f in TRAINING_FIELDS}
    initial["program"] = training.program_id
    form = TrainingForm(
        request.POST or None, owners=[training.owner], editing=True, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = once.save_once(
            request,
            form,
            lambda: services.training_update(
                actor=request.user, training=training, request=request, **_training_values(data)
            ),
        )
        url = reverse("training_detail", kwargs={"pk": training.pk})
        if saved is once.REPEATED:
            return once.already_saved(request, url)
        if saved is not None:
            messages.success(request, _("Đã lưu thay đổi."))
            return redirect(url)
    return render(
        request,
        "trainings/form.html",
        {"form": form, "training": training, "title": _("Sửa khóa tập huấn")},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@login_required
def training_detail(request, pk: int):
    training = access.get_training_for_user(request.user, pk, request=request)
    participants = list(selectors.training_participants(fetched_by=request.user, training=training))
    for p in participants:
        p.credited = p.credited_hours(training)
        p.eligible = services.eligible(training, p)
    return render(
        request,
        "trainings/detail.html",
        {
            "training": training,
            "participants": participants,
            "summary": selectors.summarise(participants, training),
            "today": timezone.localdate(),
            "tab": "trainings",
            **nav(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def participant_add(request, pk: int):
    training = access.get_training_for_user(request.user, pk, request=request, manage=True)
    form = ParticipantForm(request.POST or None, training=training)
    url = reverse("training_detail", kwargs={"pk": training.pk})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        participant = once.save_once(
            request,
            form,
            lambda: services.participant_add(
                actor=request.user,
                training=training,
                unit=data["unit"],
                user=data["user"],
                full_name=data["full_name"],
                position=data["position"],
                request=request,
            ),
        )
        if participant is once.REPEATED:
            return once.already_saved(request, url)
        if participant is not None:
            messages.success(request, _("Đã mời %(name)s.") % {"name": participant})
            if "another" in request.POST:
                return redirect("participant_add", pk=training.pk)
            return redirect(url)
    return render(
        request,
        "trainings/participant_form.html",
        {"form": form, "training": training},
        status=400 if request.method == "POST" else 200,
    )


def _manager_action(request, training, call, success):
    """A POST button of the training's page: do it once, say what happened, go back."""
    url = reverse("training_detail", kwargs={"pk": training.pk})
    if not once.claim(request):
        return once.already_saved(request, url)
    try:
        result = call()
    except ValidationError as error:
        once.release(request)
        for message in error.messages:
            messages.warning(request, message)
        return redirect(url)
    once.done(request)
    messages.success(request, success(result))
    return redirect(url)


@require_POST
@login_required
def participants_invite_program(request, pk: int):
    training = access.get_training_for_user(request.user, pk, request=request, manage=True)
    return _manager_action(
        request,
        training,
        lambda: services.participants_invite_program(
            actor=request.user, training=training, request=request
        ),
        lambda n: _("Đã mời %(n)s cán bộ được phân công của chương trình.") % {"n": n},
    )


@require_POST
@login_required
def certificates_issue(request, pk: int):
    training = access.get_training_for_user(request.user, pk, request=request, manage=True)
    return _manager_action(
        request,
        training,
        lambda: services.certificates_issue(actor=request.user, training=training, request=request),
        lambda n: _("Đã cấp %(n)s giấy chứng nhận.") % {"n": n},
    )


@require_POST
@login_required
def participant_remove(request, pk: int):
    participant = access.get_participant_for_user(request.user, pk, request=request, manage=True)
    training = participant.training
    return _manager_action(
        request,
        training,
        lambda: services.participant_remove(
            actor=request.user, participant=participant, request=request
        ),
        lambda _none: _("Đã bỏ %(name)s khỏi danh sách mời.") % {"name": participant},
    )


@require_http_methods(["GET", "POST"])
@login_required
def attendance_edit(request, pk: int):
    """Attendance, hours and scores of everyone invited, in one table."""
    training = access.get_training_for_user(request.user, pk, request=request, manage=True)
    participants = training.participants.select_related("unit", "certificate").order_by(
        "search_name", "pk"
    )
    form = AttendanceForm(request.POST or None, participants=participants)
    url = reverse("training_detail", kwargs={"pk": training.pk})
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.attendance_record(
                actor=request.user, training=training, rows=form.rows(), request=request
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request, _("Đã lưu điểm danh và điểm của %(n)s người.") % {"n": changed}
            )
            return redirect(url)
    return render(
        request,
        "trainings/attendance.html",
        {"form": form, "training": training},
        status=400 if request.method == "POST" else 200,
    )


def public_url(request, path: str) -> str:
    """The address printed on paper: DIEMTUA_PUBLIC_URL when set, else this request's host."""
    if settings.DIEMTUA_PUBLIC_URL:
        return settings.DIEMTUA_PUBLIC_URL + path
    return request.build_absolute_uri(path)


@require_GET
@login_required
def certificate_pdf(request, pk: int):
    cert = access.get_certificate_for_user(request.user, pk, request=request)
    url = public_url(request, reverse("training_verify_code", kwargs={"code": cert.code}))
    pdf = certificate.build_certificate(certificate=cert, verify_url=url)
    audit.record(
        actor=request.user,
        action="trainings.certificate_download",
        obj=cert,
        org_unit=cert.participant.training.owner_id,
        request=request,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"giay-chung-nhan-{cert.code}.pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def certificate_revoke(request, pk: int):
    cert = access.get_certificate_for_user(request.user, pk, request=request, manage=True)
    training = cert.participant.training
    form = RevokeForm(request.POST)
    url = reverse("training_detail", kwargs={"pk": training.pk})
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.warning(request, message)
        return redirect(url)
    return _manager_action(
        request,
        training,
        lambda: services.certificate_revoke(
            actor=request.user,
            certificate=cert,
            reason=form.cleaned_data["reason"],
            request=request,
        ),
        lambda _none: _("Đã thu hồi giấy chứng nhận %(code)s.") % {"code": cert.display_code},
    )


def _verify_rate() -> Rate:
    return Rate.parse(getattr(settings, "DIEMTUA_CERTIFICATE_VERIFY_RATE", DEFAULT_VERIFY_RATE))


def _verify(request, text: str, *, from_path: bool):
    """Look a code up; a wrong code counts against the address's limit."""
    form = VerifyForm({"code": text}) if not from_path else VerifyForm(initial={"code": text})
    rate = _verify_rate()
    address = ratelimit.client_address(request)
    context = {"form": form}
    if ratelimit.exceeded("certificate-verify", address, rate.limit):
        context.update(limited=True, wait_minutes=max(rate.window // 60, 1))
        response = render(request, "trainings/verify.html", context, status=429)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if not from_path and not form.is_valid():
        return render(request, "trainings/verify.html", context)
    code = services.normalise_code(text)
    found = selectors.certificate_by_code(code) if len(code) == services.CODE_LENGTH else None
    if found is None:
        ratelimit.hit("certificate-verify", address, rate.limit, rate.window)
        context["wrong"] = True
        return render(request, "trainings/verify.html", context, status=404 if from_path else 200)
    training = found.participant.training
    audit.record(
        actor=request.user,
        action="trainings.certificate_verify",
        obj=found,
        org_unit=training.owner_id,
        request=request,
    )
    context.update(certificate=found, training=training, participant=found.participant)
    return render(request, "trainings/verify.html", context)


@never_cache
@require_GET
def training_verify(request):
    """The public check: a form, and the answer when ?code= is given."""
    if "code" not in request.GET:
        return render(request, "trainings/verify.html", {"form": VerifyForm()})
    return _verify(request, request.GET.get("code", "")[:40], from_path=False)


@never_cache
@require_GET
def training_verify_code(request, code: str):
    """The address printed (and in the QR code) on a certificate."""
    return _verify(request, code[:40], from_path=True)


@require_GET
@login_required
def training_hours(request):
    """Hours per staff member and per unit, for a school year or all of them."""
    account_access.require_role(request.user, access.HOURS_ROLES)
    units = selectors.hour_filter_units(fetched_by=request.user)
    filters = HoursFilterForm(request.GET or None, years=_years(), units=units)
    values = filters.values()
    people = selectors.staff_hours(fetched_by=request.user, **values)
    per_unit = selectors.unit_hours(
        fetched_by=request.user, year=values["year"], unit=values["unit"]
    )
    return render(
        request,
        "trainings/hours.html",
        {
            "filters": filters,
            "page": Paginator(people, 50).get_page(request.GET.get("page")),
            "units_page": Paginator(per_unit, 50).get_page(request.GET.get("upage")),
            "tab": "hours",
            **nav(request.user),
        },
    )


@require_GET
@login_required
def training_hours_person(request, pk: int):
    """One staff member's trainings and hours by school year (`pk`: any of their participations)."""
    participant = access.get_participant_for_user(request.user, pk, request=request)
    years = selectors.person_hours(fetched_by=request.user, participant=participant)
    return render(
        request,
        "trainings/person.html",
        {
            "participant": participant,
            "years": years,
            "total": sum((y.hours for y in years), selectors.ZERO),
            "tab": "hours",
            **nav(request.user),
        },
    )
