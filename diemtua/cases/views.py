"""The counselor's queue and case pages, and the teacher's referrals. Thin: access.py finds
the object, services.py writes, selectors.py reads; every page showing case content is audited."""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from diemtua.accounts import access as account_access
from diemtua.audit import services as audit
from diemtua.core import once
from diemtua.students import access as student_access

from . import access, alerts, intake, selectors, services
from .forms import (
    ActionForm,
    ActionStatusForm,
    AssessmentForm,
    AttachForm,
    CaseForm,
    ChildProtectionReportForm,
    CloseForm,
    ConsentForm,
    DisclosureForm,
    PlanForm,
    ReferralForm,
    ReopenForm,
    ReplyForm,
    SessionRecordForm,
    StageForm,
    TakeOverForm,
    TeamForm,
    TriageForm,
    WithdrawForm,
)
from .models import RequestStatus, Stage


def _viewed(request, obj, action: str, school_id: int, **extra) -> None:
    audit.record(
        actor=request.user,
        action=action,
        obj=obj,
        org_unit=school_id,
        request=request,
        reason=request.GET.get("reason", "")[:255],
        extra=extra,
    )


def _case_url(case) -> str:
    return reverse("case_detail", kwargs={"pk": case.pk})


# --- Queue ------------------------------------------------------------------------------------


@require_GET
@login_required
def case_queue(request):
    school, schools = student_access.get_counselor_school(
        request.user, request.GET.get("school", "")
    )
    tab = request.GET.get("tab", "new")
    if tab not in selectors.QUEUE_TABS:
        tab = "new"
    stage = request.GET.get("stage", "")
    stage = stage if stage in Stage.values else ""
    query = request.GET.get("q", "").strip()[:100]
    today = timezone.localdate()
    context = {
        "school": school,
        "schools": schools,
        "tab": tab,
        "stage": stage,
        "q": query,
        "stages": Stage.choices,
        "today": today,
        "counts": selectors.queue_counts(fetched_by=request.user, school=school, today=today),
    }
    if tab == "new":
        rows = selectors.new_requests(fetched_by=request.user, school=school)
    elif tab == "overdue":
        rows = selectors.overdue_actions(fetched_by=request.user, school=school, today=today)
    else:
        rows = selectors.queue_cases(
            fetched_by=request.user, school=school, tab=tab, today=today, stage=stage, query=query
        )
    context["orphaned"] = list(selectors.orphaned_cases(fetched_by=request.user, school=school))
    context["safeguarding_alerts"] = [
        (alert, alerts.clock(alert))
        for alert in selectors.open_alerts(fetched_by=request.user, schools=[school])
    ]
    if request.htmx and request.htmx.trigger == "queue-poll":
        # The open queue checks every minute whether something came in. It gets counts only —
        # nothing identifiable — so it needs no audit row (480 a day per open tab would bury
        # the readings that matter); the list itself is reloaded, and audited, on request.
        return render(request, "cases/_queue_poll.html", context)
    context["page"] = Paginator(rows, 30).get_page(request.GET.get("page"))
    audit.record(
        actor=request.user,
        action="cases.queue_view",
        org_unit=school,
        request=request,
        extra={"tab": tab, "page": context["page"].number},
    )
    partial = request.htmx and not request.htmx.history_restore_request
    return render(request, "cases/_queue_tab.html" if partial else "cases/queue.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def case_create(request):
    """A counselor opens a case directly: a student who walks in, a call, a worry noticed."""
    school, schools = student_access.get_counselor_school(
        request.user, request.POST.get("school") or request.GET.get("school", "")
    )
    today = timezone.localdate()
    form = CaseForm(request.POST or None, school=school, on=today)
    if not request.POST and request.GET.get("student"):
        form.initial["student"] = request.GET["student"]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        case = once.save_once(
            request,
            form,
            lambda: services.case_open(
                actor=request.user,
                school=school,
                student=data["student"],
                alias=data["alias"],
                summary=data["summary"],
                content_groups=data["content_groups"],
                is_urgent=data["is_urgent"],
                request=request,
            ),
        )
        if case is once.REPEATED:
            return once.already_saved(
                request, f"{reverse('case_queue')}?school={school.pk}&tab=mine"
            )
        if case is not None:
            messages.success(request, _("Đã mở hồ sơ."))
            return redirect(_case_url(case))
    return render(
        request,
        "cases/form_page.html",
        {"form": form, "title": _("Mở hồ sơ mới"), "school": school, "case": None},
    )


# --- Requests ---------------------------------------------------------------------------------


def _request_page(request, help_request, **forms):
    open_cases = selectors.visible_cases(fetched_by=request.user, school=help_request.school)
    open_cases = open_cases.exclude(stage=Stage.CLOSED).order_by("-opened_on")
    if help_request.student_id:
        open_cases = open_cases.filter(student=help_request.student)
    reply_form = forms.get("reply") or ReplyForm(initial={"reply": help_request.reply})
    if help_request.status != RequestStatus.NEW:
        # Only a request not yet taken into a case can be answered and closed.
        reply_form.fields.pop("close", None)
    context = {
        "help_request": help_request,
        "triage_form": forms.get("triage") or TriageForm(school=help_request.school),
        "attach_form": forms.get("attach") or AttachForm(cases=open_cases),
        "reply_form": reply_form,
        "has_open_cases": open_cases.exists(),
        "public_status": intake.public_status(help_request),
    }
    if forms:
        # Shown again after a refused form: still a reading of the request.
        _viewed(request, help_request, "cases.request_view", help_request.school_id, refused=True)
    return render(request, "cases/request_detail.html", context, status=400 if forms else 200)


@require_GET
@login_required
def request_detail(request, pk: int):
    help_request = access.get_request_for_user(request.user, pk, request=request)
    _viewed(request, help_request, "cases.request_view", help_request.school_id)
    return _request_page(request, help_request)


@require_POST
@login_required
def request_open_case(request, pk: int):
    help_request = access.get_request_for_user(request.user, pk, request=request)
    form = TriageForm(request.POST, school=help_request.school)
    if form.is_valid():
        try:
            case = services.request_open_case(
                actor=request.user,
                help_request=help_request,
                student=form.cleaned_data["student"],
                alias=form.cleaned_data["alias"],
                request=request,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Đã mở hồ sơ từ yêu cầu này."))
            return redirect(_case_url(case))
    return _request_page(request, help_request, triage=form)


@require_POST
@login_required
def request_attach(request, pk: int):
    help_request = access.get_request_for_user(request.user, pk, request=request)
    cases = selectors.visible_cases(fetched_by=request.user, school=help_request.school)
    form = AttachForm(request.POST, cases=cases.exclude(stage=Stage.CLOSED))
    if form.is_valid():
        try:
            case = services.request_attach_to_case(
                actor=request.user,
                help_request=help_request,
                case=form.cleaned_data["case"],
                request=request,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Đã gộp yêu cầu vào hồ sơ."))
            return redirect(_case_url(case))
    return _request_page(request, help_request, attach=form)


@require_POST
@login_required
def request_reply(request, pk: int):
    help_request = access.get_request_for_user(request.user, pk, request=request)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.request_reply(
                actor=request.user,
                help_request=help_request,
                reply=form.cleaned_data["reply"],
                close=form.cleaned_data["close"],
                request=request,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            if form.cleaned_data["close"]:
                messages.success(request, _("Đã gửi lời nhắn và đóng yêu cầu."))
            else:
                messages.success(request, _("Đã gửi lời nhắn. Em đọc được bằng mã tra cứu."))
            if help_request.case_id:
                return redirect(_case_url(help_request.case))
            return redirect(f"{reverse('case_queue')}?school={help_request.school_id}")
    return _request_page(request, help_request, reply=form)


# --- The case page ----------------------------------------------------------------------------


# Where each small form of the case page sits, for the error summary's link.
FORM_ANCHORS = {
    "close": "h-close",
    "reopen": "h-close",
    "team": "h-team",
    "action": "h-plan",
    "stage": "h-process",
}


def _case_page(request, case, status=200, **forms):
    from diemtua.referrals.selectors import case_referrals

    failed = next(((key, form) for key, form in forms.items() if form is not None), None)
    context = {
        "alerts": [
            (alert, alerts.clock(alert))
            for alert in case.alerts.prefetch_related("reports").select_related("acknowledged_by")
        ],
        # A refused form may sit far down the page: say so at the top, with a link to it.
        "failed_form": failed[1] if failed else None,
        "failed_anchor": FORM_ANCHORS[failed[0]] if failed else "",
        "case": case,
        **selectors.case_page(case),
        # Forward moves as buttons; closing has its own form (outcome and summary required).
        "stage_choices": [
            (value, Stage(value).label)
            for value in Stage.values
            if value in services.TRANSITIONS.get(case.stage, ()) and value != Stage.CLOSED
        ],
        "today": timezone.localdate(),
        "close_form": forms.get("close") or CloseForm(),
        "reopen_form": forms.get("reopen") or ReopenForm(),
        "team_form": forms.get("team")
        or TeamForm(
            counselors=selectors.school_counselors(case.school_id),
            initial={"counselors": list(case.counselors.all()), "restricted": case.restricted},
        ),
        "action_form": forms.get("action") or ActionForm(),
        "stage_form": forms.get("stage"),
        "is_assigned": any(c.pk == request.user.pk for c in case.counselors.all()),
        "referrals": case_referrals(case),
    }
    if context["is_assigned"]:
        context["viewers"] = selectors.case_viewers(case)
    return render(request, "cases/case_detail.html", context, status=status)


@require_GET
@login_required
def case_detail(request, pk: int):
    case = access.get_case_for_user(request.user, pk, request=request)
    _viewed(request, case, "cases.case_view", case.school_id)
    return _case_page(request, case)


def _case_post(request, pk, form_class, key, service, success, **form_kwargs):
    """The shape of every small form on the case page: valid → service → back to the case;
    refused → the case page again with the form as typed and the message. The form's fields
    are the service's keyword arguments."""
    case = access.get_case_for_user(request.user, pk, request=request)
    form = form_class(request.POST, **form_kwargs)
    if form.is_valid():
        saved = once.save_once(
            request,
            form,
            lambda: (
                service(actor=request.user, case=case, request=request, **form.cleaned_data) or True
            ),
        )
        if saved is once.REPEATED:
            return once.already_saved(request, _case_url(case))
        if saved is not None:
            messages.success(request, success)
            return redirect(_case_url(case))
    case.refresh_from_db()
    # The page shown again holds the whole case: it is a reading like any other.
    _viewed(request, case, "cases.case_view", case.school_id, refused_form=key)
    return _case_page(request, case, status=400, **{key: form})


@require_POST
@login_required
def case_stage(request, pk: int):
    return _case_post(
        request,
        pk,
        StageForm,
        "stage",
        services.case_transition,
        _("Đã chuyển bước."),
    )


@require_POST
@login_required
def case_close(request, pk: int):
    return _case_post(
        request,
        pk,
        CloseForm,
        "close",
        functools.partial(services.case_transition, to_stage=Stage.CLOSED),
        _("Đã kết thúc hồ sơ."),
    )


@require_POST
@login_required
def case_reopen(request, pk: int):
    return _case_post(
        request,
        pk,
        ReopenForm,
        "reopen",
        services.case_reopen,
        _("Đã mở lại hồ sơ."),
    )


@require_POST
@login_required
def case_team(request, pk: int):
    case = access.get_case_for_user(request.user, pk, request=request)
    return _case_post(
        request,
        pk,
        TeamForm,
        "team",
        services.case_assign,
        _("Đã cập nhật người phụ trách."),
        counselors=selectors.school_counselors(case.school_id),
    )


@require_POST
@login_required
def case_take_over(request, pk: int):
    case = access.get_orphaned_case_for_user(request.user, pk, request=request)
    form = TakeOverForm(request.POST)
    if form.is_valid():
        try:
            services.case_take_over(
                actor=request.user, case=case, reason=form.cleaned_data["reason"], request=request
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Thầy cô đã nhận phụ trách hồ sơ này."))
            return redirect(_case_url(case))
    else:
        messages.error(request, _("Hãy ghi lý do nhận phụ trách hồ sơ."))
    return redirect(f"{reverse('case_queue')}?school={case.school_id}")


@require_POST
@login_required
def action_create(request, pk: int):
    return _case_post(
        request,
        pk,
        ActionForm,
        "action",
        services.action_add,
        _("Đã thêm việc vào kế hoạch."),
    )


@require_POST
@login_required
def action_status(request, pk: int):
    action = access.get_action_for_user(request.user, pk, request=request)
    form = ActionStatusForm(request.POST)
    if form.is_valid():
        try:
            services.action_set_status(
                actor=request.user,
                action=action,
                status=form.cleaned_data["status"],
                request=request,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, _("Trạng thái không hợp lệ."))
    return redirect(_case_url(action.case))


@require_POST
@login_required
def consent_withdraw(request, pk: int):
    consent = access.get_consent_for_user(request.user, pk, request=request)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.consent_withdraw(
                actor=request.user,
                consent=consent,
                withdrawn_on=form.cleaned_data["withdrawn_on"],
                note=form.cleaned_data["note"],
                request=request,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Đã ghi nhận việc rút lại sự đồng ý."))
    else:
        messages.error(request, _("Hãy nhập ngày rút lại hợp lệ (dd/mm/yyyy)."))
    return redirect(_case_url(consent.case))


# --- Form pages on a case ---------------------------------------------------------------------


def _form_page(request, pk, form_class, title, service, success, form_kwargs=None):
    """A page with one form about a case (consent, assessment, plan, session, sharing)."""
    case = access.get_case_for_user(request.user, pk, request=request)
    kwargs = {"case": case} if form_kwargs is None else form_kwargs(case)
    form = form_class(request.POST or None, **kwargs)
    if request.method == "GET":
        _viewed(request, case, "cases.case_view", case.school_id, page=str(title))
    if request.method == "POST" and form.is_valid():
        saved = once.save_once(
            request,
            form,
            lambda: (
                service(actor=request.user, case=case, request=request, **form.cleaned_data) or True
            ),
        )
        if saved is once.REPEATED:
            return once.already_saved(request, _case_url(case))
        if saved is not None:
            messages.success(request, success)
            return redirect(_case_url(case))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "cases/form_page.html",
        {"form": form, "title": title, "case": case, "school": case.school},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def case_edit(request, pk: int):
    def initial(case):
        return {
            "school": case.school,
            "on": case.opened_on,
            "initial": {
                "student": case.student_id,
                "alias": case.alias,
                "summary": case.summary,
                "content_groups": list(case.content_groups.all()),
                "is_urgent": case.is_urgent,
                "follow_up_on": case.follow_up_on,
            },
        }

    return _form_page(
        request,
        pk,
        CaseForm,
        _("Sửa thông tin hồ sơ"),
        services.case_update,
        _("Đã lưu."),
        form_kwargs=initial,
    )


@require_http_methods(["GET", "POST"])
@login_required
def consent_create(request, pk: int):
    return _form_page(
        request,
        pk,
        ConsentForm,
        _("Ghi nhận sự đồng ý"),
        services.consent_record,
        _("Đã ghi nhận sự đồng ý."),
    )


@require_http_methods(["GET", "POST"])
@login_required
def assessment_create(request, pk: int):
    return _form_page(
        request,
        pk,
        AssessmentForm,
        _("Ghi đánh giá"),
        services.assessment_record,
        _("Đã lưu đánh giá."),
        form_kwargs=lambda case: {},
    )


@require_http_methods(["GET", "POST"])
@login_required
def plan_edit(request, pk: int):
    def initial(case):
        plan = case.plans.order_by("-version").first()
        return {"initial": {"goals": plan.goals, "review_on": plan.review_on}} if plan else {}

    return _form_page(
        request,
        pk,
        PlanForm,
        _("Kế hoạch hỗ trợ"),
        services.plan_save,
        _("Đã lưu kế hoạch (phiên bản mới)."),
        form_kwargs=initial,
    )


@require_http_methods(["GET", "POST"])
@login_required
def session_create(request, pk: int):
    return _form_page(
        request,
        pk,
        SessionRecordForm,
        _("Ghi buổi tư vấn"),
        services.session_record,
        _("Đã lưu buổi tư vấn."),
    )


@require_http_methods(["GET", "POST"])
@login_required
def disclosure_create(request, pk: int):
    return _form_page(
        request,
        pk,
        DisclosureForm,
        _("Ghi việc chia sẻ thông tin với đơn vị phối hợp"),
        services.disclosure_record,
        _("Đã ghi việc chia sẻ thông tin."),
        form_kwargs=lambda case: {},
    )


@require_GET
@login_required
def session_detail(request, pk: int):
    session = access.get_session_for_user(request.user, pk, request=request)
    _viewed(request, session, "cases.session_view", session.school_id, case=session.case_id)
    return render(
        request,
        "cases/session_detail.html",
        {
            "session": session,
            "case": session.case,
            "students": list(session.students.all()),
            "content_groups": list(session.content_groups.all()),
        },
    )


@require_GET
@login_required
def student_chronology(request, pk: int):
    student = student_access.get_student_for_user(request.user, pk, request=request)
    entries = selectors.chronology(fetched_by=request.user, student=student)
    _viewed(request, student, "cases.chronology_view", student.school_id, entries=len(entries))
    return render(
        request,
        "cases/chronology.html",
        {"student": student, "entries": entries, "printed_at": timezone.localtime()},
    )


# --- Teachers ---------------------------------------------------------------------------------


@require_GET
@login_required
def referral_list(request):
    referrals = selectors.teacher_referrals(fetched_by=request.user)
    return render(request, "cases/referral_list.html", {"referrals": referrals})


@require_http_methods(["GET", "POST"])
@login_required
def referral_create(request):
    students = selectors.referral_students(fetched_by=request.user)
    form = ReferralForm(request.POST or None, students=students)
    if not request.POST and request.GET.get("student"):
        form.initial["student"] = request.GET["student"]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = intake.teacher_referral_create(
                actor=request.user,
                student=data["student"],
                message=data["message"],
                said_urgent=data["said_urgent"],
                content_groups=data["content_groups"],
                request=request,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            if referral.is_urgent:
                messages.warning(
                    request,
                    _(
                        "Đã báo cán bộ tư vấn và đánh dấu gấp. Nếu học sinh đang gặp nguy hiểm "
                        "ngay lúc này, hãy gọi 111 (bảo vệ trẻ em) hoặc 115 (cấp cứu) và báo Ban "
                        "giám hiệu."
                    ),
                )
            else:
                messages.success(request, _("Đã báo cán bộ tư vấn. Cảm ơn thầy cô."))
            return redirect("referral_list")
    status = 400 if request.method == "POST" else 200
    return render(request, "cases/referral_form.html", {"form": form}, status=status)


# --- Safeguarding alerts ------------------------------------------------------------------


def _back(request, fallback: str) -> str:
    """Where the person came from (a page of this site), else `fallback`."""
    from django.utils.http import url_has_allowed_host_and_scheme

    wanted = request.POST.get("next", "")
    allowed = url_has_allowed_host_and_scheme(wanted, {request.get_host()}, request.is_secure())
    return wanted if wanted and allowed else fallback


@require_POST
@login_required
def alert_acknowledge(request, pk: int):
    alert = access.get_alert_for_user(request.user, pk, request=request)
    try:
        alerts.acknowledge(actor=request.user, alert=alert, request=request)
    except ValidationError as error:
        messages.info(request, " ".join(error.messages))
    else:
        messages.success(request, _("Đã xác nhận cảnh báo. Cảm ơn thầy cô."))
    return redirect(_back(request, reverse("home")))


@require_http_methods(["GET", "POST"])
@login_required
def child_protection_report(request, pk: int):
    """Record that the school reported a child-protection case (counselors and leadership)."""
    alert = access.get_alert_for_user(request.user, pk, request=request)
    if not account_access.roles_over(request.user, alert.school_id) & set(alerts.TEAM_ROLES):
        # A Department officer may acknowledge an escalated alert, but the report is the
        # school's to record.
        raise PermissionDenied
    form = ChildProtectionReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        saved = once.save_once(
            request,
            form,
            lambda: alerts.report_record(
                actor=request.user, alert=alert, request=request, **form.cleaned_data
            ),
        )
        if saved is not None:
            if saved is not once.REPEATED:
                messages.success(request, _("Đã ghi nhận việc báo cáo."))
            return redirect(_back(request, reverse("home")))
    return render(
        request,
        "cases/report_form.html",
        {
            "form": form,
            "alert": alert,
            "clock": alerts.clock(alert),
            "next": request.POST.get("next") or request.GET.get("next", ""),
        },
        status=400 if request.method == "POST" else 200,
    )
