"""Program pages. Thin: access.py finds the object and the person's scope, services.py writes,
selectors.py reads."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from diemtua.accounts import access as account_access
from diemtua.accounts.models import User
from diemtua.audit import services as audit
from diemtua.core import once, uploads
from diemtua.core.forms import _PK_MAX
from diemtua.orgs.models import OrgKind, OrgUnit, SchoolLevel

from . import access, rules, selectors, services, staffing
from .forms import (
    ConfigureForm,
    EnrolForm,
    ProgramForm,
    SearchForm,
    StaffEndForm,
    StaffForm,
    TaskForm,
    TaskStatusForm,
)
from .models import ProgramStatus, ProgramTask, RuleKind, TaskStatus

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _status(request, form) -> int:
    return 400 if request.method == "POST" and form.errors else 200


def _q(request) -> str:
    return (request.GET.get("q") or "")[:100]


# -- Programs ------------------------------------------------------------------------------


@require_GET
@login_required
def program_list(request):
    account_access.require_role(request.user, access.VIEW_ROLES)
    status = request.GET.get("status", "")
    rows = selectors.programs_for(fetched_by=request.user, q=_q(request), status=status)
    return render(
        request,
        "programs/list.html",
        {
            "page": Paginator(rows, 25).get_page(request.GET.get("page")),
            "search": SearchForm(request.GET or None),
            "status": status,
            "statuses": ProgramStatus.choices,
            "can_create": bool(access.officer_units(request.user)),
            "can_staffing": bool(account_access.roles_of(request.user) & access.STAFFING_ROLES),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def program_create(request):
    units = access.officer_units(request.user)
    if not units:
        raise PermissionDenied
    owners = OrgUnit.objects.filter(pk__in=[u.pk for u in units]).order_by("kind", "search_name")
    form = ProgramForm(
        request.POST or None,
        owners=owners,
        initial={"owner": units[0].pk, "status": ProgramStatus.DRAFT},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        program = once.save_once(
            request,
            form,
            lambda: services.program_create(actor=request.user, request=request, **data),
        )
        if program is once.REPEATED:
            return once.already_saved(request, reverse("program_list"))
        if program is not None:
            messages.success(request, _("Đã tạo chương trình “%(t)s”.") % {"t": program})
            return redirect("program_configure", pk=program.pk)
    return render(
        request,
        "programs/form.html",
        {"form": form, "program": None, "title": _("Tạo chương trình")},
        status=_status(request, form),
    )


@require_GET
@login_required
def program_detail(request, pk: int):
    program, scope = access.get_program_for_user(request.user, pk, request=request)
    overview = selectors.program_overview(fetched_by=request.user, program=program, scope=scope)
    tasks = selectors.tasks_for(fetched_by=request.user, program=program, scope=scope)
    today = timezone.localdate()
    rule_rows = list(program.rules.all())
    for rule in rule_rows:
        rule.level_labels = ", ".join(
            str(SchoolLevel(code).label).lower() for code in rules.level_codes(rule)
        )
    return render(
        request,
        "programs/detail.html",
        {
            "program": program,
            "scope": scope,
            "rules": rule_rows,
            "closed": program.status == ProgramStatus.CLOSED,
            "task_count": tasks.count(),
            "overdue_count": tasks.exclude(status=TaskStatus.DONE).filter(due_on__lt=today).count(),
            **overview,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def program_edit(request, pk: int):
    program, scope = access.get_program_for_user(request.user, pk, request=request, manage=True)
    fields = services.PROGRAM_FIELDS
    form = ProgramForm(request.POST or None, initial={f: getattr(program, f) for f in fields})
    if request.method == "POST" and form.is_valid():
        saved = once.save_once(
            request,
            form,
            lambda: services.program_update(
                actor=request.user, program=program, request=request, **form.cleaned_data
            ),
        )
        url = reverse("program_detail", kwargs={"pk": program.pk})
        if saved is once.REPEATED:
            return once.already_saved(request, url)
        if saved is not None:
            messages.success(request, _("Đã lưu thay đổi."))
            return redirect(url)
    return render(
        request,
        "programs/form.html",
        {"form": form, "program": program, "title": _("Sửa chương trình")},
        status=_status(request, form),
    )


@require_http_methods(["GET", "POST"])
@login_required
def program_configure(request, pk: int):
    """Localities and selection rules, with the live check of the rules as saved."""
    program, scope = access.get_program_for_user(request.user, pk, request=request, manage=True)
    localities = OrgUnit.objects.filter(kind=OrgKind.DEPARTMENT)
    if program.owner.kind == OrgKind.DEPARTMENT:
        localities = localities.filter(pk=program.owner_id)
    else:
        # Departments that existed during the program (the 2024 pilot's Hà Giang, Hòa Bình).
        localities = localities.exclude(valid_to__lt=program.starts_on)
    saved_rules = {r.kind: r for r in program.rules.all()}
    levels_rule = saved_rules.get(RuleKind.ONE_PER_LEVEL)
    initial = {
        "localities": list(program.localities.values_list("unit_id", flat=True)),
        "schools_per_locality": getattr(
            saved_rules.get(RuleKind.SCHOOLS_PER_LOCALITY), "number", 0
        ),
        "levels": levels_rule.levels.split(",") if levels_rule else [],
        "staff_per_school": getattr(saved_rules.get(RuleKind.STAFF_PER_SCHOOL), "number", 0),
        "staff_trained": RuleKind.STAFF_TRAINED in saved_rules,
    }
    form = ConfigureForm(
        request.POST or None,
        localities=localities.order_by("valid_to", "search_name"),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = once.save_once(
            request,
            form,
            lambda: services.program_configure(
                actor=request.user,
                program=program,
                localities=data["localities"],
                schools_per_locality=data["schools_per_locality"] or 0,
                levels=data["levels"],
                staff_per_school=data["staff_per_school"] or 0,
                staff_trained=data["staff_trained"],
                request=request,
            ),
        )
        url = reverse("program_detail", kwargs={"pk": program.pk})
        if saved is once.REPEATED:
            return once.already_saved(request, url)
        if saved is not None:
            messages.success(request, _("Đã lưu địa phương và quy tắc lựa chọn."))
            return redirect(url)
    return render(
        request,
        "programs/configure.html",
        {"form": form, "program": program, "closed": program.status == ProgramStatus.CLOSED},
        status=_status(request, form),
    )


@require_http_methods(["GET", "POST"])
@login_required
def program_enrol(request, pk: int):
    """Find a school of a locality the person manages and enrol it."""
    program, scope = access.get_program_for_user(request.user, pk, request=request, enrol=True)
    localities = OrgUnit.objects.filter(
        pk__in=[pk for pk in scope.managed_localities if pk <= _PK_MAX]
    ).order_by("search_name")
    schools = OrgUnit.objects.filter(kind=OrgKind.SCHOOL, valid_to__isnull=True)
    form = EnrolForm(
        request.POST or None,
        schools=schools,
        localities=localities,
        initial={"enrolled_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["locality"].pk not in scope.managed_localities:
            raise PermissionDenied
        enrolment = once.save_once(
            request,
            form,
            lambda: services.enrolment_create(
                actor=request.user, program=program, request=request, **data
            ),
        )
        url = reverse("program_detail", kwargs={"pk": program.pk})
        if enrolment is once.REPEATED:
            return once.already_saved(request, url)
        if enrolment is not None:
            messages.success(
                request,
                _("Đã thêm %(school)s vào chương trình. Hãy ghi cán bộ được phân công.")
                % {"school": enrolment.school.name},
            )
            return redirect("program_staff_create", pk=enrolment.pk)
    q = _q(request)
    candidates = selectors.enrol_candidates(program=program, scope=scope, q=q)
    names = dict(localities.values_list("pk", "name"))
    for school in candidates:
        school.localities = [(pk, names.get(pk, "")) for pk in school.locality_ids]
    return render(
        request,
        "programs/enrol.html",
        {
            "program": program,
            "form": form,
            "q": q,
            "candidates": candidates,
            "today": timezone.localdate(),
            "closed": program.status == ProgramStatus.CLOSED,
        },
        status=_status(request, form),
    )


# -- Designated staff ----------------------------------------------------------------------


def _school_users(school_id: int):
    return User.objects.filter(memberships__org_unit_id=school_id, is_active=True).distinct()


@require_http_methods(["GET", "POST"])
@login_required
def program_staff_create(request, pk: int):
    enrolment, scope = access.get_enrolment_for_user(request.user, pk, request=request, manage=True)
    form = StaffForm(
        request.POST or None,
        users=_school_users(enrolment.school_id).order_by("search_name"),
        initial={"since": timezone.localdate()},
    )
    url = reverse("program_detail", kwargs={"pk": enrolment.program_id})
    if request.method == "POST" and form.is_valid():
        staff = once.save_once(
            request,
            form,
            lambda: services.staff_create(
                actor=request.user, enrolment=enrolment, request=request, **form.cleaned_data
            ),
        )
        if staff is once.REPEATED:
            return once.already_saved(request, url)
        if staff is not None:
            messages.success(request, _("Đã ghi cán bộ %(name)s.") % {"name": staff})
            return redirect(f"{url}#school-{enrolment.school_id}")
    return render(
        request,
        "programs/staff_form.html",
        {
            "form": form,
            "enrolment": enrolment,
            "staff": None,
            "title": _("Ghi cán bộ được phân công"),
        },
        status=_status(request, form),
    )


@require_http_methods(["GET", "POST"])
@login_required
def program_staff_edit(request, pk: int):
    staff, scope = access.get_staff_for_user(request.user, pk, request=request, manage=True)
    enrolment = staff.enrolment
    initial = {f: getattr(staff, f) for f in services.STAFF_FIELDS}
    initial["user"] = staff.user_id
    form = StaffForm(
        request.POST or None,
        users=_school_users(enrolment.school_id).order_by("search_name"),
        initial=initial,
    )
    url = reverse("program_detail", kwargs={"pk": enrolment.program_id})
    if request.method == "POST" and form.is_valid():
        saved = once.save_once(
            request,
            form,
            lambda: services.staff_update(
                actor=request.user, staff=staff, request=request, **form.cleaned_data
            ),
        )
        if saved is once.REPEATED:
            return once.already_saved(request, url)
        if saved is not None:
            messages.success(request, _("Đã lưu thay đổi."))
            return redirect(f"{url}#school-{enrolment.school_id}")
    return render(
        request,
        "programs/staff_form.html",
        {
            "form": form,
            "enrolment": enrolment,
            "staff": staff,
            "title": _("Sửa cán bộ được phân công"),
        },
        status=_status(request, form),
    )


@require_http_methods(["GET", "POST"])
@login_required
def program_staff_end(request, pk: int):
    staff, scope = access.get_staff_for_user(request.user, pk, request=request, manage=True)
    enrolment = staff.enrolment
    form = StaffEndForm(request.POST or None, initial={"until": timezone.localdate()})
    url = reverse("program_detail", kwargs={"pk": enrolment.program_id})
    if request.method == "POST" and form.is_valid():
        saved = once.save_once(
            request,
            form,
            lambda: services.staff_end(
                actor=request.user, staff=staff, request=request, **form.cleaned_data
            ),
        )
        if saved is once.REPEATED:
            return once.already_saved(request, url)
        if saved is not None:
            messages.success(
                request,
                _("%(name)s đã thôi phân công. Kiểm tra quy tắc bên dưới cho thấy chỗ trống.")
                % {"name": staff},
            )
            return redirect(f"{url}#school-{enrolment.school_id}")
    return render(
        request,
        "programs/staff_end.html",
        {"form": form, "staff": staff, "enrolment": enrolment},
        status=_status(request, form),
    )


# -- Tasks and timeline --------------------------------------------------------------------


@require_GET
@login_required
def program_tasks(request, pk: int):
    program, scope = access.get_program_for_user(request.user, pk, request=request)
    status = request.GET.get("status", "")
    rows = selectors.tasks_for(
        fetched_by=request.user, program=program, scope=scope, q=_q(request), status=status
    )
    return render(
        request,
        "programs/tasks.html",
        {
            "program": program,
            "scope": scope,
            "page": Paginator(rows, 50).get_page(request.GET.get("page")),
            "q": _q(request),
            "status": status,
            "statuses": TaskStatus.choices,
            "today": timezone.localdate(),
            "closed": program.status == ProgramStatus.CLOSED,
        },
    )


def _task_form(request, program, *, task=None, initial=None):
    others = ProgramTask.objects.filter(program=program).order_by("starts_on", "pk")
    if task is not None:
        others = others.exclude(pk=task.pk)
    return TaskForm(
        request.POST or None,
        units=services.responsible_choices(program),
        tasks=others,
        initial=initial,
    )


@require_http_methods(["GET", "POST"])
@login_required
def program_task_create(request, pk: int):
    program, scope = access.get_program_for_user(request.user, pk, request=request, manage=True)
    today = timezone.localdate()
    form = _task_form(
        request,
        program,
        initial={"responsible": program.owner_id, "starts_on": today, "due_on": today},
    )
    if request.method == "POST" and form.is_valid():
        task = once.save_once(
            request,
            form,
            lambda: services.task_create(
                actor=request.user, program=program, request=request, **form.cleaned_data
            ),
        )
        if task is once.REPEATED:
            return once.already_saved(request, reverse("program_tasks", kwargs={"pk": pk}))
        if task is not None:
            messages.success(request, _("Đã thêm nhiệm vụ “%(t)s”.") % {"t": task})
            return redirect("program_task_detail", pk=task.pk)
    return render(
        request,
        "programs/task_form.html",
        {"form": form, "program": program, "task": None, "title": _("Thêm nhiệm vụ")},
        status=_status(request, form),
    )


@require_GET
@login_required
def program_task_detail(request, pk: int):
    task, scope = access.get_task_for_user(request.user, pk, request=request)
    return render(
        request,
        "programs/task_detail.html",
        {
            "task": task,
            "program": task.program,
            "today": timezone.localdate(),
            "closed": task.program.status == ProgramStatus.CLOSED,
            **selectors.task_dependencies(task=task, fetched_by=request.user, scope=scope),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def program_task_edit(request, pk: int):
    task, scope = access.get_task_for_user(request.user, pk, request=request, edit=True)
    initial = {f: getattr(task, f) for f in services.TASK_FIELDS}
    initial["responsible"] = task.responsible_id
    initial["depends_on"] = list(task.depends_on.values_list("pk", flat=True))
    form = _task_form(request, task.program, task=task, initial=initial)
    url = reverse("program_task_detail", kwargs={"pk": task.pk})
    if request.method == "POST" and form.is_valid():
        saved = once.save_once(
            request,
            form,
            lambda: services.task_update(
                actor=request.user, task=task, request=request, **form.cleaned_data
            ),
        )
        if saved is once.REPEATED:
            return once.already_saved(request, url)
        if saved is not None:
            messages.success(request, _("Đã lưu thay đổi."))
            return redirect(url)
    return render(
        request,
        "programs/task_form.html",
        {"form": form, "program": task.program, "task": task, "title": _("Sửa nhiệm vụ")},
        status=_status(request, form),
    )


@require_http_methods(["GET", "POST"])
@login_required
def program_task_status(request, pk: int):
    task, scope = access.get_task_for_user(request.user, pk, request=request, status=True)
    form = TaskStatusForm(
        request.POST or None,
        request.FILES or None,
        initial={
            "status": task.status,
            "done_on": task.done_on or timezone.localdate(),
            "evidence_note": task.evidence_note,
        },
    )
    url = reverse("program_task_detail", kwargs={"pk": task.pk})
    if request.method == "POST" and form.is_valid():
        saved = once.save_once(
            request,
            form,
            lambda: services.task_status_set(
                actor=request.user, task=task, request=request, **form.cleaned_data
            ),
        )
        if saved is once.REPEATED:
            return once.already_saved(request, url)
        if saved is not None:
            messages.success(
                request, _("Đã cập nhật tình trạng: %(s)s.") % {"s": saved.get_status_display()}
            )
            return redirect(url)
    return render(
        request,
        "programs/task_status.html",
        {"form": form, "task": task, "program": task.program},
        status=_status(request, form),
    )


@require_GET
@login_required
def program_evidence_download(request, pk: int):
    """A task's evidence, to whoever may see the task; always a download, audited."""
    evidence = access.get_evidence_for_user(request.user, pk, request=request)
    response = uploads.download_response(evidence)
    audit.record(
        actor=request.user,
        action="programs.evidence_download",
        obj=evidence,
        org_unit=evidence.task.responsible_id,
        request=request,
        extra={"task": evidence.task_id, "file_kind": evidence.file_kind},
    )
    return response


@require_GET
@login_required
def program_timeline(request, pk: int):
    program, scope = access.get_program_for_user(request.user, pk, request=request)
    chart = selectors.timeline(fetched_by=request.user, program=program, scope=scope)
    return render(
        request,
        "programs/timeline.html",
        {"program": program, "scope": scope, "today": timezone.localdate(), **chart},
    )


# -- Staffing overview ---------------------------------------------------------------------


def _province(request, key: str = "province"):
    """The province asked for (?province=), checked: 404 outside, 403 without the role; None
    when not asked."""
    raw = (request.GET.get(key) or "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= _PK_MAX:
        raise Http404
    province = OrgUnit.objects.filter(
        pk=int(raw), kind=OrgKind.DEPARTMENT, valid_to__isnull=True
    ).first()
    if province is None:
        raise Http404
    account_access.require_roles_over(request.user, province.pk, access.STAFFING_ROLES)
    return province


@require_GET
@login_required
def program_staffing(request):
    """Ministry: every province's counts, with drill-down; a Department: its own schools."""
    account_access.require_role(request.user, access.STAFFING_ROLES)
    provinces = selectors.staffing_provinces(fetched_by=request.user)
    province = _province(request)
    if province is None and len(provinces) == 1:
        province = provinces[0]
    context = {"provinces": provinces, "province": province}
    if province is not None:
        gaps_only = request.GET.get("gaps") == "1"
        rows = selectors.staffing_schools(
            fetched_by=request.user, province=province, q=_q(request), gaps_only=gaps_only
        )
        page = Paginator(rows, 50).get_page(request.GET.get("page"))
        selectors.staffing_details(page.object_list)
        context.update({"page": page, "q": _q(request), "gaps_only": gaps_only})
        context["totals"] = next((p for p in provinces if p.pk == province.pk), None)
    return render(request, "programs/staffing.html", context)


@require_GET
@login_required
def program_staffing_export(request):
    # The province first: someone outside it gets 404 whatever their role, as for the page.
    province = _province(request)
    account_access.require_role(request.user, access.STAFFING_ROLES)
    if province is None:
        provinces = selectors.staffing_provinces(fetched_by=request.user)
        if len(provinces) != 1:
            messages.info(request, _("Hãy chọn một tỉnh, thành phố để xuất danh sách."))
            return redirect("program_staffing")
        province = provinces[0]
    content, stats = staffing.build_workbook(fetched_by=request.user, province=province)
    # The list of people leaves the system: who exported which province is kept in the trail.
    audit.record(
        actor=request.user,
        action="programs.staffing_export",
        obj=province,
        org_unit=province.pk,
        request=request,
        extra=stats,
    )
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, staffing.filename(province))
    return response
