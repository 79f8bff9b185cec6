"""Report pages: the list ("Báo cáo"), start, detail, edit (and submit), return, approve, the
completeness and timeliness tracker, and the .docx export. Thin: reporting.access finds the
report, services.py writes, selectors.py and report_content.py read."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from diemtua.accounts import access as account_access
from diemtua.core import once
from diemtua.orgs.models import OrgKind

from . import access, exports, report_content, selectors, services, validation
from .forms import ApproveForm, ReportEditForm, ReportStartForm, ReturnForm, TrackerForm
from .models import ReportKind, ReportStatus

# Importing the builder registers the "report_docx" export kind.
from . import docx  # noqa: F401,E402  isort: skip


@require_GET
@login_required
def report_list(request):
    account_access.require_role(request.user, access.DASHBOARD_ROLES)
    options = selectors.start_options(fetched_by=request.user)
    return render(request, "reporting/report_list.html", _list_context(request, options))


def _list_context(request, options, start_form=None) -> dict:
    user = request.user
    return {
        "mine": selectors.reports_for(fetched_by=user),
        "waiting": selectors.waiting_for(fetched_by=user),
        "decided": selectors.decided_recently(fetched_by=user),
        "start_form": start_form or (ReportStartForm(options=options) if options else None),
        "can_track": bool(selectors.tracker_units(fetched_by=user)),
    }


@require_POST
@login_required
def report_start(request):
    options = selectors.start_options(fetched_by=request.user)
    if not options:
        raise PermissionDenied
    form = ReportStartForm(request.POST, options=options)
    if form.is_valid():
        unit, period = form.chosen()
        try:
            report = services.report_start(
                actor=request.user, unit=unit, period=period, request=request
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            if report.is_editable:
                return redirect("report_edit", pk=report.pk)
            return redirect("report_detail", pk=report.pk)
    return render(
        request, "reporting/report_list.html", _list_context(request, options, form), status=400
    )


def _detail_context(request, report, **forms_) -> dict:
    user = request.user
    exact = access.sees_exact(user, report.org_unit)
    figures = report_content.figures_for(report)
    can_edit = report.is_editable and access.can_prepare(user, report.org_unit)
    can_decide = report.status == ReportStatus.SUBMITTED and access.can_decide(user, report)
    presentation = report_content.present(report, figures, exact=exact)
    context = {
        "report": report,
        "head": report_content.letterhead(report),
        "presentation": presentation,
        "text": report_content.typed_text(report, shown=access.sees_typed_text(user, report)),
        "legend": report_content.legend(),
        "events": selectors.events_of(report),
        "last_return": selectors.last_return(report)
        if report.status == ReportStatus.RETURNED
        else None,
        "can_edit": can_edit,
        "can_decide": can_decide,
        "exact": exact,
        "date_line": report_content.decree_date(
            timezone.localtime(report.submitted_at).date()
            if report.submitted_at
            else timezone.localdate(),
            report.place,
        ),
        "number_line": report_content.number_line(
            report, report_content.symbol_abbrev(report.org_unit)
        ),
    }
    if can_edit:
        findings = validation.run(
            report,
            report_content.totals_of(figures),
            exact=exact,
            as_shown=presentation.totals,
        )
        context["problems"] = validation.errors(findings)
        context["warnings"] = validation.warnings(findings)
    if report.kind == ReportKind.PROVINCE and report.status != ReportStatus.APPROVED:
        context["pending"] = selectors.pending_schools(report)
    if can_decide:
        context["return_form"] = forms_.get("return_form") or ReturnForm()
        context["approve_form"] = forms_.get("approve_form") or ApproveForm()
    return context


@require_GET
@login_required
def report_detail(request, pk: int):
    report = access.get_report_for_user(request.user, pk)
    return render(request, "reporting/report_detail.html", _detail_context(request, report))


@require_http_methods(["GET", "POST"])
@login_required
def report_edit(request, pk: int):
    report = access.get_report_for_user(request.user, pk, action="edit")
    if not report.is_editable:
        messages.info(request, _("Báo cáo đã gửi/đã duyệt, không sửa được."))
        return redirect("report_detail", pk=report.pk)
    initial = {name: getattr(report, name) for name in services.EDITABLE_FIELDS}
    form = ReportEditForm(request.POST or None, report=report, initial=initial)
    submitting = request.POST.get("then") == "submit"
    if request.method == "POST" and form.is_valid():

        def save():
            updated = services.report_update(
                actor=request.user, report=report, request=request, **form.values()
            )
            if submitting:
                return services.report_submit(actor=request.user, report=updated, request=request)
            return updated

        saved = once.save_once(request, form, save)
        if saved is once.REPEATED:
            return once.already_saved(request, reverse("report_detail", kwargs={"pk": report.pk}))
        if saved is not None:
            if submitting:
                messages.success(request, _("Đã gửi báo cáo lên cấp trên."))
                for warning in getattr(saved, "warnings", []):
                    messages.warning(request, warning)
            else:
                messages.success(request, _("Đã lưu báo cáo (chưa gửi)."))
            return redirect("report_detail", pk=report.pk)
        report.refresh_from_db()
    context = {
        "report": report,
        "form": form,
        "last_return": selectors.last_return(report)
        if report.status == ReportStatus.RETURNED
        else None,
    }
    return render(
        request,
        "reporting/report_edit.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@login_required
def report_submit(request, pk: int):
    report = access.get_report_for_user(request.user, pk, action="edit")
    form = forms.Form(request.POST)
    saved = once.save_once(
        request,
        form,
        lambda: services.report_submit(actor=request.user, report=report, request=request),
    )
    url = reverse("report_detail", kwargs={"pk": report.pk})
    if saved is once.REPEATED:
        return once.already_saved(request, url)
    if saved is None:
        for message in form.non_field_errors():
            messages.error(request, message)
        return redirect(url)
    messages.success(request, _("Đã gửi báo cáo lên cấp trên."))
    for warning in saved.warnings:
        messages.warning(request, warning)
    return redirect(url)


@require_POST
@login_required
def report_return(request, pk: int):
    report = access.get_report_for_user(request.user, pk, action="decide")
    form = ReturnForm(request.POST)
    url = reverse("report_detail", kwargs={"pk": report.pk})
    if form.is_valid():
        saved = once.save_once(
            request,
            form,
            lambda: services.report_return(
                actor=request.user,
                report=report,
                comment=form.cleaned_data["comment"],
                request=request,
            ),
        )
        if saved is once.REPEATED:
            return once.already_saved(request, url)
        if saved is not None:
            messages.success(request, _("Đã trả lại báo cáo kèm ý kiến."))
            return redirect(url)
        if not form.has_error("comment"):
            for message in form.non_field_errors():
                messages.error(request, message)
            return redirect(url)
    report.refresh_from_db()
    return render(
        request,
        "reporting/report_detail.html",
        _detail_context(request, report, return_form=form),
        status=400,
    )


@require_POST
@login_required
def report_approve(request, pk: int):
    report = access.get_report_for_user(request.user, pk, action="decide")
    form = ApproveForm(request.POST)
    url = reverse("report_detail", kwargs={"pk": report.pk})
    if not form.is_valid():
        return render(
            request,
            "reporting/report_detail.html",
            _detail_context(request, report, approve_form=form),
            status=400,
        )
    saved = once.save_once(
        request,
        form,
        lambda: services.report_approve(
            actor=request.user,
            report=report,
            comment=form.cleaned_data["comment"],
            request=request,
        ),
    )
    if saved is once.REPEATED:
        return once.already_saved(request, url)
    if saved is None:
        for message in form.non_field_errors():
            messages.error(request, message)
    else:
        messages.success(request, _("Đã duyệt báo cáo. Số liệu của kỳ này được khóa."))
    return redirect(url)


@require_POST
@login_required
def report_docx(request, pk: int):
    report = access.get_report_for_user(request.user, pk)
    job = exports.export_request(
        actor=request.user, kind="report_docx", params={"report": report.pk}
    )
    return redirect("export_job", pk=job.pk)


TRACKER_KINDS = {OrgKind.MINISTRY, OrgKind.DEPARTMENT, OrgKind.COMMUNE}


@require_GET
@login_required
def report_tracker(request):
    roots = selectors.tracker_units(fetched_by=request.user)
    if not roots:
        raise PermissionDenied
    unit = roots[0]
    wanted = request.GET.get("unit", "").strip()
    if wanted:
        if not (wanted.isascii() and wanted.isdigit()):
            raise Http404
        unit = access.get_unit_for_dashboard(request.user, wanted)
        # The same reach as the dashboards: an officer of today's province also follows the
        # units it succeeded (Tuyên Quang → Hà Giang's 2024 schools).
        if not access._roles_over_with_history(request.user, unit) & access.OFFICER_ROLES:
            raise PermissionDenied
        if unit.kind not in TRACKER_KINDS:
            messages.info(request, _("Bảng theo dõi lập cho Bộ, Sở hoặc xã/phường."))
            unit = roots[0]
    today = timezone.localdate()
    form = TrackerForm(request.GET or None, periods=selectors.recent_semesters(today, 6))
    period = form.chosen_period()
    if request.GET.get("period") and not form.is_valid():
        for message in form.errors.get("period", []):
            messages.warning(request, message)
    data = selectors.tracker(fetched_by=request.user, unit=unit, period=period, today=today)
    return render(
        request,
        "reporting/report_tracker.html",
        {"tracker": data, "form": form, "unit": unit, "period": period, "roots": roots},
    )
