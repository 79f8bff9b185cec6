"""Class rosters in Excel: import, the blank template and the export of one class."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from . import access, roster, roster_workbook, services
from .forms import RosterImportForm

# The error table stays readable; the total is still shown.
_ERRORS_SHOWN = 200


def _school(request):
    """The counselor's school named by ?school= (or the form); 404 for any other pk."""
    wanted = request.POST.get("school") or request.GET.get("school", "")
    return access.get_counselor_school(request.user, wanted)


def _list_url(school) -> str:
    return f"{reverse('student_list')}?school={school.pk}"


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=roster.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@require_http_methods(["GET", "POST"])
@login_required
def student_import(request):
    school, schools = _school(request)
    result = None
    if request.method == "POST":
        form = RosterImportForm(request.POST, request.FILES)
        if form.is_valid():
            result = services.roster_import(
                actor=request.user, school=school, file=form.cleaned_data["file"], request=request
            )
            if result.ok:
                messages.success(
                    request,
                    _("Đã nhập %(total)s học sinh (%(created)s mới, %(updated)s cập nhật).")
                    % {"total": result.total, "created": result.created, "updated": result.updated},
                )
                return redirect(_list_url(school))
    else:
        form = RosterImportForm()
    errors = result.errors if result else []
    return render(
        request,
        "students/import.html",
        {
            "school": school,
            "schools": schools,
            "form": form,
            "errors": errors[:_ERRORS_SHOWN],
            "error_count": len(errors),
            "hidden_error_count": max(0, len(errors) - _ERRORS_SHOWN),
            "max_rows": roster.MAX_ROWS,
            "headers": roster.COLUMNS,
        },
    )


@require_GET
@login_required
def student_import_template(request):
    school, _schools = _school(request)
    content = roster_workbook.template_workbook(grades=school.grades, today=timezone.localdate())
    return _xlsx(content, "mau-danh-sach-hoc-sinh.xlsx")


@require_GET
@login_required
@never_cache
def student_export(request):
    school, _schools = _school(request)
    class_name = request.GET.get("class", "").strip()[:20]
    export = services.class_export(
        actor=request.user, school=school, class_name=class_name, request=request
    )
    if export is None:
        if class_name:
            message = _("Lớp %(class)s không có học sinh nào đang học.") % {"class": class_name}
        else:
            message = _("Hãy chọn một lớp trước khi xuất ra Excel.")
        messages.warning(request, message)
        return redirect(_list_url(school))
    return _xlsx(export.content, export.filename)
