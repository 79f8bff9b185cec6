"""The public help page (no login): ask for help, read the reply, print the school's poster.

Every answer here is marked no-store: a phone or a shared school computer must not keep a
child's request, tracking code or PIN in its cache. The confirmation is rendered in the answer
to the POST (never a redirect), so the PIN is never put in a URL or a session.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from diemtua.audit import services as audit
from diemtua.core import ratelimit
from diemtua.core.ratelimit import Rate

from . import intake, poster
from .help_forms import HONEYPOT, HelpRequestForm, StatusForm
from .intake import PublicStatus

# How long we ask people to wait before trying again after a 429.
RETRY_AFTER_SECONDS = 60

STATUS_WORDS = {
    PublicStatus.SENT: (
        "secondary",
        gettext_lazy("Đã gửi"),
        gettext_lazy("Lời nhắn đã đến trường. Thầy cô tư vấn sẽ đọc sớm."),
    ),
    PublicStatus.IN_PROGRESS: (
        "primary",
        gettext_lazy("Thầy cô đang giúp em"),
        gettext_lazy("Thầy cô tư vấn đã đọc và đang tìm cách giúp em."),
    ),
    PublicStatus.DONE: (
        "success",
        gettext_lazy("Đã xong"),
        gettext_lazy("Thầy cô tư vấn đã giúp xong việc này."),
    ),
}


def _not_found(request):
    return render(request, "cases/help/not_found.html", status=404)


def _too_many(response):
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _absolute(request, path: str) -> str:
    """The address people type or scan: DIEMTUA_PUBLIC_URL when set, else this request's host."""
    if settings.DIEMTUA_PUBLIC_URL:
        return settings.DIEMTUA_PUBLIC_URL + path
    return request.build_absolute_uri(path)


def _help_url(request, school) -> str:
    return _absolute(request, reverse("help_form", kwargs={"school_code": school.code}))


def _submission_allowed(request, school) -> bool:
    """Count one submission for the client's address and for the school."""
    address = Rate.parse(settings.DIEMTUA_HELP_RATE_ADDRESS)
    per_school = Rate.parse(settings.DIEMTUA_HELP_RATE_SCHOOL)
    return ratelimit.hit(
        "help-address", ratelimit.client_address(request), address.limit, address.window
    ) and ratelimit.hit("help-school", str(school.pk), per_school.limit, per_school.window)


def _add_errors(form, error: ValidationError) -> None:
    """Show the intake's messages next to the fields they are about."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _render_form(request, school, form, key, *, status=200, limited=False, notice=""):
    return render(
        request,
        "cases/help/form.html",
        {"school": school, "form": form, "key": key, "limited": limited, "notice": notice},
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def help_form(request, school_code: str):
    school = intake.school_accepting_requests(school_code)
    if school is None:
        return _not_found(request)
    if request.method == "GET":
        return _render_form(request, school, HelpRequestForm(), intake.new_idempotency_key())

    form = HelpRequestForm(request.POST)
    posted_key = request.POST.get("key", "")
    # A key we did not issue (or none) gets a fresh one, so the next tap can store the request.
    key_ok = bool(intake.IDEMPOTENCY_KEY_PATTERN.match(posted_key))
    key = posted_key if key_ok else intake.new_idempotency_key()
    if form.caught_robot:
        # Store nothing. A person who somehow filled the hidden field is asked to send again
        # (the field is emptied), rather than told that a request nobody will read was sent.
        data = request.POST.copy()
        data[HONEYPOT] = ""
        form = HelpRequestForm(data)
        return _render_form(
            request, school, form, key, notice=_("Chưa gửi được. Em hãy bấm Gửi thêm một lần.")
        )
    if not form.is_valid():
        return _render_form(request, school, form, key)
    if not key_ok:
        return _render_form(
            request, school, form, key, notice=_("Trang đã cũ. Em hãy bấm Gửi thêm một lần.")
        )
    if not _submission_allowed(request, school):
        return _too_many(_render_form(request, school, form, key, status=429, limited=True))
    data = form.cleaned_data
    try:
        submitted = intake.help_request_submit(
            school=school,
            requester=data["requester"],
            is_anonymous=data["is_anonymous"],
            requester_name=data["requester_name"],
            class_name=data["class_name"],
            content_groups=data["content_groups"],
            contact_method=data["contact_method"],
            contact_detail=data["contact_detail"],
            contact_time=data["contact_time"],
            message=data["message"],
            said_urgent=data["said_urgent"],
            idempotency_key=key,
            request=request,
        )
    except ValidationError as error:
        _add_errors(form, error)
        return _render_form(request, school, form, key)
    help_request = submitted.help_request
    return render(
        request,
        "cases/help/confirmation.html",
        {
            "school": help_request.school,
            "help_request": help_request,
            "pin": submitted.pin,
            "urgent": help_request.is_urgent,
            "status_url": _absolute(request, reverse("help_status")),
        },
    )


def _status_limits():
    return (
        Rate.parse(settings.DIEMTUA_STATUS_RATE_CODE),
        Rate.parse(settings.DIEMTUA_STATUS_RATE_ADDRESS),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def help_status(request):
    if request.method == "GET":
        return render(request, "cases/help/status.html", {"form": StatusForm()})
    form = StatusForm(request.POST)
    if not form.is_valid():
        return render(request, "cases/help/status.html", {"form": form})
    code = intake.normalise_code(form.cleaned_data["code"])
    pin = re.sub(r"\s", "", form.cleaned_data["pin"])
    address = ratelimit.client_address(request)
    per_code, per_address = _status_limits()
    if ratelimit.exceeded("status-code", code, per_code.limit) or ratelimit.exceeded(
        "status-address", address, per_address.limit
    ):
        form = StatusForm(initial={"code": code})
        context = {"form": form, "limited": True, "wait_minutes": per_code.window // 60 or 1}
        return _too_many(render(request, "cases/help/status.html", context, status=429))
    help_request = intake.find_by_code_and_pin(code, pin)
    if help_request is None:
        # Count only wrong attempts: a student checking again and again for a reply is fine.
        ratelimit.hit("status-code", code, per_code.limit, per_code.window)
        ratelimit.hit("status-address", address, per_address.limit, per_address.window)
        form = StatusForm(initial={"code": code})
        return render(
            request,
            "cases/help/status.html",
            {"form": form, "wrong": _("Mã tra cứu hoặc mã PIN không đúng.")},
        )
    audit.record(
        actor=None,
        action="cases.request_status_view",
        obj=help_request,
        org_unit=help_request.school_id,
        request=request,
    )
    tone, word, explanation = STATUS_WORDS[intake.public_status(help_request)]
    return render(
        request,
        "cases/help/status_result.html",
        {
            "help_request": help_request,
            "school": help_request.school,
            "status_tone": tone,
            "status_word": word,
            "status_explanation": explanation,
        },
    )


@never_cache
@require_GET
def help_poster(request, school_code: str):
    school = intake.school_accepting_requests(school_code)
    if school is None:
        return _not_found(request)
    rate = Rate.parse(settings.DIEMTUA_POSTER_RATE_ADDRESS)
    address = ratelimit.client_address(request)
    if not ratelimit.hit("poster-address", address, rate.limit, rate.window):
        return _too_many(render(request, "cases/help/limited.html", status=429))
    pdf = poster.build_poster(school_name=school.name, url=_help_url(request, school))
    response = HttpResponse(pdf, content_type="application/pdf")
    safe_code = re.sub(r"[^A-Za-z0-9-]", "", school.code) or "truong"
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=False, filename=f"diemtua-{safe_code}.pdf"
    )
    return response
