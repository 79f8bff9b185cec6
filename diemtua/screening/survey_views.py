"""Survey pages (mounted at /surveys/): what to answer, sending a survey, tracking it, results.

Thin: survey_access finds the object, survey_services writes, survey_selectors reads.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from diemtua.accounts import access as account_access
from diemtua.audit import services as audit
from diemtua.core import once

from . import survey_access, survey_export, survey_selectors, survey_services
from .models import localized
from .survey_forms import SurveyAnswerForm, SurveyCreateForm

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
@login_required
def survey_list(request):
    """Surveys to answer (school staff) and surveys sent (officers), on one page."""
    account_access.require_role(request.user, survey_access.SURVEY_LIST_ROLES)
    today = timezone.localdate()
    to_answer = list(survey_selectors.surveys_to_answer(fetched_by=request.user)[:100])
    for recipient in to_answer:
        recipient.status = survey_selectors.recipient_status(recipient, recipient.survey, today)
    managed = Paginator(survey_selectors.surveys_managed(fetched_by=request.user), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "screening/survey_list.html",
        {
            "to_answer": to_answer,
            "managed": managed,
            "is_officer": bool(
                account_access.units_with_role(request.user, survey_access.SURVEY_OFFICER_ROLES)
            ),
            "owner_units": survey_access.owner_units(request.user),
            "today": today,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def survey_create(request):
    """An officer sends a survey from their unit (?unit=<pk> when they have several)."""
    owner = survey_access.get_owner_unit(
        request.user, request.POST.get("unit") or request.GET.get("unit")
    )
    schools = survey_selectors.target_schools(fetched_by=request.user, owner=owner)
    form = SurveyCreateForm(
        request.POST or None,
        versions=survey_selectors.survey_versions(fetched_by=request.user),
        schools=schools,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        survey = once.save_once(
            request,
            form,
            lambda: survey_services.survey_create(
                actor=request.user,
                owner=owner,
                version=data["version"],
                title=data["title"],
                instructions=data["instructions"],
                deadline=data["deadline"],
                schools=form.target_schools,
                staff_roles=data["staff_roles"],
                request=request,
            ),
        )
        if survey is once.REPEATED:
            return once.already_saved(request, reverse("survey_list"))
        if survey is not None:
            messages.success(
                request,
                _("Đã gửi phiếu khảo sát tới %(n)s nơi nhận.") % {"n": survey.recipients.count()},
            )
            return redirect("survey_detail", pk=survey.pk)
    return render(
        request,
        "screening/survey_form.html",
        {
            "form": form,
            "owner": owner,
            "owner_units": survey_access.owner_units(request.user),
            "school_count": schools.count(),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@login_required
def survey_detail(request, pk: int):
    """Completion: each recipient answered, not yet, or late; reminders and closing."""
    survey = survey_access.get_survey_to_manage(request.user, pk, request=request)
    status = request.GET.get("status", "")
    if status not in (survey_selectors.ANSWERED, survey_selectors.PENDING, survey_selectors.LATE):
        status = ""
    completion = survey_selectors.survey_completion(
        fetched_by=request.user, survey=survey, status=status
    )
    return render(
        request,
        "screening/survey_detail.html",
        {
            "survey": survey,
            "completion": completion,
            "status": status,
            "is_open": survey_selectors.is_open(survey),
            "is_staff_survey": survey.version.instrument.audience == "staff",
            "intro": localized(survey.version.definition.get("intro")),
        },
    )


def _owner_action(request, pk, call, success):
    survey = survey_access.get_survey_to_manage(request.user, pk, request=request)
    url = reverse("survey_detail", kwargs={"pk": survey.pk})
    if not once.claim(request):
        return once.already_saved(request, url)
    try:
        result = call(actor=request.user, survey=survey, request=request)
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
def survey_remind(request, pk: int):
    return _owner_action(
        request,
        pk,
        survey_services.survey_remind,
        lambda n: _("Đã nhắc %(n)s nơi chưa trả lời.") % {"n": n},
    )


@require_POST
@login_required
def survey_close(request, pk: int):
    return _owner_action(
        request,
        pk,
        survey_services.survey_close,
        lambda _survey: _("Đã đóng đợt khảo sát; không nhận thêm câu trả lời."),
    )


@require_GET
@login_required
def survey_results(request, pk: int):
    survey = survey_access.get_survey_to_manage(request.user, pk, request=request)
    results = survey_selectors.survey_results(fetched_by=request.user, survey=survey)
    return render(
        request,
        "screening/survey_results.html",
        {"survey": survey, "results": results, "charts": results.chart_data()},
    )


@require_GET
@login_required
def survey_export_xlsx(request, pk: int):
    survey = survey_access.get_survey_to_manage(request.user, pk, request=request)
    content, results = survey_export.build_workbook(fetched_by=request.user, survey=survey)
    # The file leaves the system: who took which survey's results is kept in the trail.
    audit.record(
        actor=request.user,
        action="screening.survey_export",
        obj=survey,
        org_unit=survey.owner_id,
        request=request,
        extra={"respondents": results.respondents},
    )
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, survey_export.filename(survey)
    )
    return response


@require_http_methods(["GET", "POST"])
@login_required
def survey_answer(request, pk: int):
    """Answer for a recipient (the school, or oneself), once; afterwards, see that answer."""
    recipient = survey_access.get_recipient_to_answer(request.user, pk, request=request)
    survey = recipient.survey
    url = reverse("survey_answer", kwargs={"pk": recipient.pk})
    refusal = survey_services.answer_refusal(recipient)
    form = None
    if not refusal:
        form = SurveyAnswerForm(
            request.POST if request.method == "POST" else None,
            definition=survey.version.definition,
        )
    if request.method == "POST":
        if refusal:
            # A resubmit (back button, second tab) or a late answer: nothing is written.
            messages.warning(request, refusal)
            return redirect(url)
        if form.is_valid():
            saved = once.save_once(
                request,
                form,
                lambda: survey_services.survey_respond(
                    actor=request.user, recipient=recipient, answers=form.answers, request=request
                ),
            )
            if saved is once.REPEATED:
                return once.already_saved(request, url)
            if saved is not None:
                messages.success(request, _("Đã gửi câu trả lời. Cảm ơn thầy/cô."))
                return redirect(url)
    return render(
        request,
        "screening/survey_answer.html",
        {
            "recipient": recipient,
            "survey": survey,
            "form": form,
            "refusal": refusal,
            "answers": survey_selectors.own_answers(fetched_by=request.user, recipient=recipient),
            "intro": localized(survey.version.definition.get("intro")),
        },
        status=400 if request.method == "POST" else 200,
    )
