"""Class screenings for counselors, the instrument library, and the students' answer pages.

Thin: access.py finds the object, services.py writes, selectors.py reads. Pages that show a
student's name with a result are audited (selectors.participants, access.get_response_for_user).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from diemtua.accounts import access as account_access
from diemtua.accounts.roles import BROWSE_ROLES, Role
from diemtua.core import once, ratelimit
from diemtua.core.forms import add_service_errors
from diemtua.core.ratelimit import Rate
from diemtua.students import access as student_access
from diemtua.students import selectors as student_selectors

from . import access, selectors, services
from .forms import AdministrationForm, AnswerForm, CodeForm, ConsentSheetForm
from .models import ConsentGiver, Instrument, localized
from .scoring import AnswerError, describe_answers

# --- Counselor: administrations -----------------------------------------------------------


def _school(request):
    school, _schools = student_access.get_counselor_school(
        request.user, request.GET.get("school", "")
    )
    return school


@require_GET
@login_required
def screening_home(request):
    school = _school(request)
    rows = selectors.administrations(fetched_by=request.user, school=school)
    return render(
        request,
        "screening/home.html",
        {"school": school, "administrations": rows[:100], "now": timezone.now()},
    )


@require_http_methods(["GET", "POST"])
@login_required
def administration_create(request):
    school = _school(request)
    versions = selectors.student_versions(fetched_by=request.user, school=school)
    classes = student_selectors.class_names(fetched_by=request.user, school=school)
    form = AdministrationForm(request.POST or None, versions=versions, classes=classes)
    if request.method == "POST" and form.is_valid():
        if not once.claim(request):
            return once.already_saved(request, reverse("screening_home"))
        try:
            opened = services.administration_open(
                actor=request.user, school=school, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            once.release(request)
            add_service_errors(form, error)
        else:
            once.done(request)
            messages.success(
                request,
                _("Đã mở đợt cho lớp %(group)s: %(n)s học sinh nhận mã trả lời.")
                % {"group": opened.administration.group_name, "n": opened.invited},
            )
            if opened.excluded:
                messages.warning(
                    request,
                    _(
                        "%(n)s học sinh chưa có đủ sự đồng ý nên không tham gia; xem danh sách "
                        "đồng ý của lớp."
                    )
                    % {"n": len(opened.excluded)},
                )
            return redirect("administration_detail", pk=opened.administration.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "screening/administration_form.html",
        {"form": form, "school": school},
        status=status,
    )


@require_GET
@login_required
def administration_detail(request, pk: int):
    administration = access.get_administration_for_user(request.user, pk, request=request)
    participants = selectors.participants(
        fetched_by=request.user, administration=administration, request=request
    )
    return render(
        request,
        "screening/administration_detail.html",
        {
            "administration": administration,
            "participants": participants,
            "summary": selectors.class_summary(
                fetched_by=request.user, administration=administration
            ),
            "definition": administration.version.definition,
            "answer_url": request.build_absolute_uri(reverse("screening_start")),
        },
    )


@require_GET
@login_required
def administration_summary(request, pk: int):
    administration = access.get_summary_for_user(request.user, pk, request=request)
    # The leadership sees the summary once answering is over: a summary that changes with each
    # answer, watched while students answer one by one, would give single results away.
    finished = administration.closed_at is not None or administration.closes_at <= timezone.now()
    counselor = Role.COUNSELOR in account_access.roles_over(request.user, administration.school_id)
    summary = (
        selectors.class_summary(fetched_by=request.user, administration=administration)
        if finished or counselor
        else None
    )
    return render(
        request,
        "screening/administration_summary.html",
        {"administration": administration, "summary": summary},
    )


@require_GET
@login_required
def administration_slips(request, pk: int):
    """Printable slips: one code per student, cut and handed out in class."""
    administration = access.get_administration_for_user(request.user, pk, request=request)
    participants = selectors.participants(
        fetched_by=request.user, administration=administration, request=request
    )
    return render(
        request,
        "screening/slips.html",
        {
            "administration": administration,
            "participants": [p for p in participants if p.code],
            "answer_url": _public_url(request),
        },
    )


def _public_url(request) -> str:
    base = getattr(settings, "DIEMTUA_PUBLIC_URL", "") or request.build_absolute_uri("/")
    return base.rstrip("/") + reverse("screening_start")


@require_POST
@login_required
def administration_close(request, pk: int):
    administration = access.get_administration_for_user(request.user, pk, request=request)
    try:
        services.administration_close(
            actor=request.user, administration=administration, request=request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Đã đóng đợt. Các mã chưa dùng không còn hiệu lực."))
    return redirect("administration_detail", pk=administration.pk)


@require_GET
@login_required
def response_detail(request, pk: int):
    response = access.get_response_for_user(request.user, pk, request=request)
    definition = response.version.definition
    items = describe_answers(definition, response.answers)
    return render(
        request,
        "screening/response_detail.html",
        {"response": response, "items": items, "definition": definition},
    )


# --- Counselor: consent sheet --------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def consent_sheet(request):
    school = _school(request)
    classes = student_selectors.class_names(fetched_by=request.user, school=school)
    class_name = request.GET.get("class", "") or request.POST.get("class", "")
    if class_name and class_name not in classes:
        raise Http404
    today = timezone.localdate()
    form = ConsentSheetForm(request.POST or None, initial={"given_on": today})
    rows = (
        selectors.consent_sheet(
            fetched_by=request.user, school=school, class_name=class_name, on=today, request=request
        )
        if class_name
        else []
    )
    if request.method == "POST" and class_name:
        ticked = set(request.POST.getlist("agree"))
        entries = []
        for row in rows:
            for giver in (ConsentGiver.STUDENT, ConsentGiver.GUARDIAN):
                if f"{row['student'].pk}:{giver}" in ticked:
                    entries.append((row["student"], giver))
        if not entries:
            form.is_valid()
            form.add_error(None, _("Hãy đánh dấu ít nhất một sự đồng ý."))
        elif form.is_valid():
            if not once.claim(request):
                return once.already_saved(
                    request, f"{reverse('screening_consents')}?class={class_name}"
                )
            try:
                made = services.consents_record(
                    actor=request.user,
                    school=school,
                    entries=entries,
                    request=request,
                    **form.cleaned_data,
                )
            except ValidationError as error:
                once.release(request)
                add_service_errors(form, error)
            else:
                once.done(request)
                messages.success(request, _("Đã ghi %(n)s sự đồng ý.") % {"n": made})
                return redirect(f"{reverse('screening_consents')}?class={class_name}")
        ticked_back = ticked
    else:
        ticked_back = set()
    return render(
        request,
        "screening/consent_sheet.html",
        {
            "school": school,
            "classes": classes,
            "class_name": class_name,
            "rows": rows,
            "form": form,
            "ticked": ticked_back,
            "giver_student": ConsentGiver.STUDENT,
            "giver_guardian": ConsentGiver.GUARDIAN,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@login_required
def consent_withdraw(request, pk: int):
    consent = access.get_consent_for_user(request.user, pk, request=request)
    try:
        services.consent_withdraw(actor=request.user, consent=consent, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Đã ghi nhận rút lại sự đồng ý; mã chưa dùng đã bị hủy."))
    class_name = consent.student.class_name
    return redirect(f"{reverse('screening_consents')}?class={class_name}")


# --- The instrument library (definitions, no answers) ---------------------------------------


LIBRARY_ROLES = set(BROWSE_ROLES) | {Role.TEACHER}


@require_GET
@login_required
def instrument_list(request):
    account_access.require_role(request.user, LIBRARY_ROLES)
    return render(
        request,
        "screening/instrument_list.html",
        {"instruments": selectors.instruments(fetched_by=request.user)},
    )


@require_GET
@login_required
def instrument_detail(request, code: str):
    account_access.require_role(request.user, LIBRARY_ROLES)
    instrument = get_object_or_404(Instrument, code=code, is_active=True)
    versions = list(instrument.versions.order_by("-number"))
    number = request.GET.get("v", "")
    version = next((v for v in versions if str(v.number) == number), versions[0])
    return render(
        request,
        "screening/instrument_detail.html",
        {
            "instrument": instrument,
            "version": version,
            "versions": versions,
            "definition": version.definition,
            "form": AnswerForm(definition=version.definition),
        },
    )


# --- Students answer on their phones (no account) ------------------------------------------


def _code_rate() -> Rate:
    return Rate.parse(settings.DIEMTUA_SCREENING_RATE_ADDRESS)


def _limited(request) -> bool:
    rate = _code_rate()
    return ratelimit.exceeded("screening-code", ratelimit.client_address(request), rate.limit)


def _count_wrong(request, error: ValidationError) -> None:
    """Count only codes that do not exist: used or closed codes are students' slips."""
    if error.code != services.UNKNOWN_CODE:
        return
    rate = _code_rate()
    ratelimit.hit("screening-code", ratelimit.client_address(request), rate.limit, rate.window)


def _questions(request, participant, form, code, *, status=200):
    version = participant.administration.version
    return render(
        request,
        "screening/answer.html",
        {
            "form": form,
            "code": services.normalise_code(code),
            "definition": version.definition,
            "title": version.title,
            "intro": localized(version.definition.get("intro")),
            "anonymous": version.is_anonymous,
            "school": participant.administration.school,
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def screening_start(request):
    """Type the code from the slip; a valid code opens the questions."""
    form = CodeForm(request.POST or None)
    if request.method == "GET" or not form.is_valid():
        return render(request, "screening/start.html", {"form": form})
    if _limited(request):
        return render(
            request, "screening/start.html", {"form": CodeForm(), "limited": True}, status=429
        )
    code = form.cleaned_data["code"]
    try:
        participant = services.participant_for_code(code)
    except ValidationError as error:
        _count_wrong(request, error)
        form.add_error("code", error.messages[0])
        return render(request, "screening/start.html", {"form": form}, status=400)
    return _questions(
        request,
        participant,
        AnswerForm(definition=participant.administration.version.definition),
        code,
    )


@never_cache
@require_POST
def screening_answer(request):
    """The answers: checked, scored and stored at once; the code is spent."""
    code = request.POST.get("code", "")
    if _limited(request):
        return render(
            request, "screening/start.html", {"form": CodeForm(), "limited": True}, status=429
        )
    try:
        participant = services.participant_for_code(code)
    except ValidationError as error:
        _count_wrong(request, error)
        form = CodeForm(initial={"code": code})
        return render(
            request, "screening/start.html", {"form": form, "wrong": error.messages[0]}, status=400
        )
    definition = participant.administration.version.definition
    form = AnswerForm(request.POST, definition=definition)
    if not form.is_valid():
        return _questions(request, participant, form, code, status=400)
    try:
        response = services.response_submit(code=code, answers=form.answers, request=request)
    except AnswerError as error:
        for item, message in error.errors.items():
            form.add_error(item if item in form.fields else None, message)
        return _questions(request, participant, form, code, status=400)
    except IntegrityError:  # SQLite (make demo) has no row locks: a second tap lands here
        form = CodeForm(initial={"code": code})
        used = _("Mã này đã được dùng. Mỗi mã chỉ dùng được một lần.")
        return render(request, "screening/start.html", {"form": form, "wrong": used}, status=400)
    except ValidationError as error:  # the code was spent or closed between the two steps
        form = CodeForm(initial={"code": code})
        return render(
            request, "screening/start.html", {"form": form, "wrong": error.messages[0]}, status=400
        )
    return render(
        request,
        "screening/thanks.html",
        {
            "urgent": response.is_urgent,
            "school": participant.administration.school,
            "anonymous": participant.administration.version.is_anonymous,
        },
    )
