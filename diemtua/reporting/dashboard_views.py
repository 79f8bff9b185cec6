"""Dashboard pages: a unit's figures (school, commune, province, ministry), a program's
localities and schools, the merged units, plus "update now" and "export to Excel".

Thin: reporting.access / dashboard_access find the unit or program (404 outsider, 403 wrong
role, refusals audited), reporting.tables builds every table (with suppression), the
selectors read the rest. Pages above the school show aggregates only, so viewing one writes
no audit row; exports are audited by reporting.exports.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from diemtua.core import once

from . import access, dashboard_access, exports, tables
from . import dashboard_selectors as selectors
from .xlsx import build_dashboard_table  # noqa: F401 — registers the export builder

PARAM_NAMES = ("period", "compare", "borders", "section", "indicator")


def unit_page(user, unit, query, today=None):
    """The unit's dashboard with everything around it (also used by the xlsx builder)."""
    today = today or timezone.localdate()
    page = tables.unit_dashboard(
        user=user,
        unit=unit,
        query=query,
        today=today,
        exact=access.sees_exact(user, unit),
        programs=selectors.programs_of_unit(unit),
    )
    tree = page.figures.tree
    page.crumbs = selectors.breadcrumb(user, unit, tree, page.params)
    page.computed_at = selectors.computed_at(unit, page.params.period, tree)
    page.stale_units = selectors.stale_count(unit, tree)
    if unit.valid_to and unit.successor_id:
        page.successor = unit.successor
        page.successor_from = unit.valid_to + datetime.timedelta(days=1)
    return page


def program_page(user, program, scope, query, today=None):
    school_ids = list(program.enrolments.values_list("school_id", flat=True))
    return tables.program_dashboard(
        program=program,
        scope=scope,
        query=query,
        today=today or timezone.localdate(),
        statuses_for=lambda period: selectors.semester_report_statuses(school_ids, period),
        exact_for=lambda school: access.sees_exact(user, school),
    )


@require_GET
@login_required
def dashboard_home(request):
    units = access.dashboard_roots(request.user)  # 403 without a dashboard role
    return redirect("dashboard_unit", selectors.top_unit(units).pk)


@require_GET
@login_required
def dashboard_unit(request, pk):
    unit = access.get_unit_for_dashboard(request.user, pk)
    page = unit_page(request.user, unit, request.GET)
    return render(
        request,
        "reporting/dashboard_unit.html",
        {"page": page, "unit": unit, "params": page.params},
    )


@require_GET
@login_required
def dashboard_program(request, pk):
    program, scope = dashboard_access.get_program_for_dashboard(request.user, pk)
    page = program_page(request.user, program, scope, request.GET)
    return render(
        request,
        "reporting/dashboard_program.html",
        {"page": page, "program": program, "params": page.params},
    )


@require_GET
@login_required
def dashboard_history(request):
    access.dashboard_roots(request.user)  # 403 without a dashboard role
    return render(
        request,
        "reporting/dashboard_history.html",
        {"items": selectors.ended_units(request.user)},
    )


def _posted_params(request) -> dict[str, str]:
    return {name: request.POST.get(name, "")[:64] for name in PARAM_NAMES}


def _back(url_name, pk, params: dict) -> str:
    from urllib.parse import urlencode

    query = urlencode({k: v for k, v in params.items() if v})
    return f"{reverse(url_name, args=[pk])}?{query}" if query else reverse(url_name, args=[pk])


@require_POST
@login_required
def dashboard_refresh(request, pk):
    unit = access.get_unit_for_dashboard(request.user, pk)
    back = _back("dashboard_unit", unit.pk, _posted_params(request))
    if not once.claim(request):
        messages.info(request, _("Yêu cầu cập nhật này đã được thực hiện."))
        return redirect(back)
    try:
        result = selectors.refresh_in_scope(actor=request.user, unit=unit)
    except selectors.RefreshBusy:
        once.release(request)
        messages.warning(
            request, _("Số liệu của đơn vị này đang được cập nhật. Vui lòng chờ một lát.")
        )
        return redirect(back)
    except Exception:
        once.release(request)
        raise
    once.done(request)
    if result["units"]:
        messages.success(
            request,
            _("Đã cập nhật số liệu của %(n)s đơn vị.") % {"n": result["units"]},
        )
    else:
        messages.info(request, _("Số liệu đã mới nhất, không có gì cần cập nhật."))
    return redirect(back)


def _export(request, *, view: str, pk: int, table_keys, params: dict, back: str):
    table = request.POST.get("table", "")[:40]
    if table not in table_keys:
        messages.error(request, _("Không có bảng này trên trang; hãy chọn lại bảng cần xuất."))
        return redirect(back)
    if not once.claim(request):
        return once.already_saved(request, back)
    try:
        job = exports.export_request(
            actor=request.user,
            kind="dashboard_table",
            params={"view": view, "pk": pk, "table": table, **params},
        )
    except Exception:
        once.release(request)
        raise
    once.done(request)
    return redirect(reverse("export_job", args=[job.pk]))


@require_POST
@login_required
def dashboard_export(request, pk):
    unit = access.get_unit_for_dashboard(request.user, pk)
    page = unit_page(request.user, unit, _posted_params(request))
    params = page.params.values()
    return _export(
        request,
        view="unit",
        pk=unit.pk,
        table_keys=page.tables,
        params=params,
        back=_back("dashboard_unit", unit.pk, params),
    )


@require_POST
@login_required
def dashboard_program_export(request, pk):
    program, scope = dashboard_access.get_program_for_dashboard(request.user, pk)
    page = program_page(request.user, program, scope, _posted_params(request))
    params = page.params.values()
    return _export(
        request,
        view="program",
        pk=program.pk,
        table_keys=page.tables,
        params=params,
        back=_back("dashboard_program", program.pk, params),
    )


def rebuild_for_job(job):
    """The page an export job came from, rebuilt for its requester with today's access
    (PermissionDenied / Http404 when it no longer holds)."""
    params = job.params or {}
    user = job.requested_by
    if params.get("view") == "program":
        program, scope = dashboard_access.get_program_for_dashboard(user, params.get("pk"))
        page = program_page(user, program, scope, params)
        title = program.title
    elif params.get("view") == "unit":
        unit = access.get_unit_for_dashboard(user, params.get("pk"))
        page = unit_page(user, unit, params)
        title = unit.name
    else:
        raise Http404
    if page.params.errors:
        # The saved choices no longer name a period or indicator: fail, do not guess.
        raise ValueError("; ".join(page.params.errors))
    return page, title
