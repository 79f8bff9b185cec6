"""Budget pages: the table with totals, the xlsx export, a line's page, record and change a
line, and its attachments. Thin: access.py finds, services.py writes, selectors.py reads."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from diemtua.accounts import access as account_access
from diemtua.audit import services as audit
from diemtua.core import once, uploads
from diemtua.orgs.models import OrgUnit

from . import access, export, selectors, services
from .forms import BudgetLineForm, FilterForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filtered(request):
    account_access.require_role(request.user, access.VIEW_ROLES)
    choices = selectors.filter_choices(fetched_by=request.user)
    form = FilterForm(request.GET or None, units=choices["units"], programs=choices["programs"])
    lines = selectors.lines_for(fetched_by=request.user, **form.filters())
    return form, choices, lines


@require_GET
@login_required
def budget_table(request):
    form, choices, lines = _filtered(request)
    return render(
        request,
        "funding/table.html",
        {
            "filters": form,
            "years": choices["years"],
            "totals": selectors.budget_totals(lines),
            "page": Paginator(selectors.table_rows(lines), 50).get_page(request.GET.get("page")),
            "can_record": bool(access.managing_units(request.user)),
            "query": request.GET.urlencode(),
        },
    )


@require_GET
@login_required
def budget_export(request):
    form, _choices, lines = _filtered(request)
    rows = list(selectors.table_rows(lines))
    content = export.build_workbook(rows, selectors.budget_totals(lines))
    audit.record(
        actor=request.user,
        action="funding.budget_export",
        request=request,
        extra={"lines": len(rows), "filters": {k: str(v or "") for k, v in form.filters().items()}},
    )
    response = HttpResponse(content, content_type=XLSX)
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="kinh-phi-{stamp}.xlsx"'
    return response


@require_GET
@login_required
def budget_line_detail(request, pk: int):
    line = access.get_line_for_user(request.user, pk, request=request)
    return render(
        request,
        "funding/detail.html",
        {
            "line": line,
            "attachments": list(line.attachments.select_related("uploaded_by")),
            "history": selectors.line_history(line),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def budget_line_create(request):
    units = access.managing_units(request.user)
    if not units:
        raise PermissionDenied
    unit_choices = OrgUnit.objects.filter(pk__in=[u.pk for u in units]).order_by("search_name")
    form = BudgetLineForm(
        request.POST or None,
        request.FILES or None,
        units=unit_choices,
        programs=selectors.programs_for_units(units),
        initial={"unit": units[0].pk, "fiscal_year": timezone.localdate().year},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        line = once.save_once(
            request,
            form,
            lambda: services.budget_line_create(
                actor=request.user,
                unit=data["unit"],
                files=data["files"],
                request=request,
                **{f: data[f] for f in services.LINE_FIELDS},
            ),
        )
        if line is once.REPEATED:
            return once.already_saved(request, reverse("budget_table"))
        if line is not None:
            messages.success(request, _("Đã ghi dòng kinh phí “%(title)s”.") % {"title": line})
            return redirect("budget_line_detail", pk=line.pk)
    return render(
        request,
        "funding/form.html",
        {"form": form, "line": None, "title": _("Ghi dòng kinh phí")},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def budget_line_edit(request, pk: int):
    line = access.get_line_for_user(request.user, pk, request=request, edit=True)
    form = BudgetLineForm(
        request.POST or None,
        request.FILES or None,
        programs=selectors.programs_for_unit(line.unit),
        editing=True,
        initial={f: getattr(line, f) for f in services.LINE_FIELDS},
    )
    url = reverse("budget_line_detail", kwargs={"pk": line.pk})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = once.save_once(
            request,
            form,
            lambda: services.budget_line_update(
                actor=request.user,
                line=line,
                files=data["files"],
                request=request,
                **{f: data[f] for f in services.LINE_FIELDS},
            ),
        )
        if saved is once.REPEATED:
            return once.already_saved(request, url)
        if saved is not None:
            messages.success(request, _("Đã lưu thay đổi."))
            return redirect(url)
    return render(
        request,
        "funding/form.html",
        {
            "form": form,
            "line": line,
            "attachments": list(line.attachments.all()),
            "title": _("Sửa dòng kinh phí"),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@login_required
def budget_attachment_download(request, pk: int):
    """The file, to whoever may see its line: always a download, every one audited."""
    attachment = access.get_attachment_for_user(request.user, pk, request=request)
    response = uploads.download_response(attachment)
    audit.record(
        actor=request.user,
        action="funding.attachment_download",
        obj=attachment,
        org_unit=attachment.line.unit_id,
        request=request,
        extra={"line": attachment.line_id, "file_kind": attachment.file_kind},
    )
    return response


@require_http_methods(["GET", "POST"])
@login_required
def budget_attachment_delete(request, pk: int):
    attachment = access.get_attachment_for_user(request.user, pk, request=request, edit=True)
    line = attachment.line
    if request.method == "POST":
        services.budget_attachment_delete(
            actor=request.user, attachment=attachment, request=request
        )
        messages.success(request, _("Đã xóa tệp “%(name)s”.") % {"name": attachment})
        return redirect("budget_line_detail", pk=line.pk)
    return render(request, "funding/confirm_delete.html", {"line": line, "attachment": attachment})
