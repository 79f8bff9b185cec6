"""Directive pages (mounted at /directives/): the list, issuing (draft → send), tasks, the
issuer's tracker and export, a recipient's task page with its submission, and the downloads.
Thin: access.py finds the object, services.py writes, selectors.py reads."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from diemtua.accounts import access as account_access
from diemtua.audit import services as audit
from diemtua.core import once, uploads
from diemtua.orgs.models import OrgUnit

from . import access, export, selectors, services
from .forms import DirectiveForm, SubmissionForm, TaskForm, TrackerFilterForm
from .models import DirectiveDocument


@require_GET
@login_required
def directive_list(request):
    """Tasks given to the user's units, and the directives they issue and track."""
    account_access.require_role(request.user, access.VIEW_ROLES)
    status = request.GET.get("status", "")
    status = status if status in selectors.STATUSES else ""
    tasks = list(selectors.assignments_for(fetched_by=request.user, status=status)[:200])
    managed = None
    query = request.GET.get("q", "")[:100]
    if account_access.units_with_role(request.user, access.MANAGE_ROLES):
        managed = Paginator(
            selectors.directives_managed(fetched_by=request.user, query=query), 25
        ).get_page(request.GET.get("page"))
    return render(
        request,
        "directives/list.html",
        {
            "tasks": tasks,
            "managed": managed,
            "status": status,
            "query": query,
            "statuses": selectors.STATUS_LABELS,
            "owner_units": access.owner_units(request.user),
            "today": timezone.localdate(),
        },
    )


def _recipients(form, owner) -> list[OrgUnit]:
    data = form.cleaned_data
    units = list(data.get("recipients") or [])
    for kind in data.get("groups") or []:
        units += list(selectors.units_by_kind(owner=owner, kind=kind))
    return units


@require_http_methods(["GET", "POST"])
@login_required
def directive_create(request):
    """Record a directive as a draft (?unit=<pk> when the officer has several units)."""
    owner = access.get_owner_unit(request.user, request.POST.get("unit") or request.GET.get("unit"))
    form = DirectiveForm(
        request.POST or None,
        request.FILES or None,
        programs=selectors.program_choices(owner=owner),
        units=selectors.recipient_choices(owner=owner),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        directive = once.save_once(
            request,
            form,
            lambda: services.directive_create(
                actor=request.user,
                owner=owner,
                number_symbol=data["number_symbol"],
                issued_on=data["issued_on"],
                subject=data["subject"],
                issuer_name=data["issuer_name"],
                summary=data["summary"],
                program=data["program"],
                document=data["document"],
                recipients=_recipients(form, owner),
                request=request,
            ),
        )
        if directive is once.REPEATED:
            return once.already_saved(request, reverse("directive_list"))
        if directive is not None:
            messages.success(request, _("Đã lưu bản nháp công văn. Hãy thêm nhiệm vụ rồi gửi đi."))
            return redirect("directive_detail", pk=directive.pk)
    return render(
        request,
        "directives/form.html",
        {
            "form": form,
            "owner": owner,
            "owner_units": access.owner_units(request.user),
            "directive": None,
            "title": _("Ban hành công văn mới"),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def directive_edit(request, pk: int):
    directive = access.get_directive_to_manage(request.user, pk, request=request)
    owner = directive.owner
    initial = {f: getattr(directive, f) for f in services.DIRECTIVE_FIELDS}
    initial["recipients"] = list(directive.recipients.values_list("unit_id", flat=True))
    form = DirectiveForm(
        request.POST or None,
        request.FILES or None,
        programs=selectors.program_choices(owner=owner),
        units=selectors.recipient_choices(owner=owner)
        | OrgUnit.objects.filter(pk__in=initial["recipients"]),
        sent=not directive.is_draft,
        initial=initial,
    )
    url = reverse("directive_detail", kwargs={"pk": directive.pk})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = once.save_once(
            request,
            form,
            lambda: services.directive_update(
                actor=request.user,
                directive=directive,
                recipients=_recipients(form, owner) if directive.is_draft else None,
                document=data["document"],
                request=request,
                **{f: data[f] for f in services.DIRECTIVE_FIELDS},
            ),
        )
        if saved is once.REPEATED:
            return once.already_saved(request, url)
        if saved is not None:
            messages.success(request, _("Đã lưu thay đổi."))
            return redirect(url)
    return render(
        request,
        "directives/form.html",
        {
            "form": form,
            "owner": owner,
            "directive": directive,
            "document": DirectiveDocument.objects.filter(directive=directive).first(),
            "title": _("Sửa công văn"),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@login_required
def directive_detail(request, pk: int):
    """The issuer's tracker: counts, per-task counts and one row per task × unit."""
    directive = access.get_directive_to_manage(request.user, pk, request=request)
    tasks = directive.tasks.all()
    filters = TrackerFilterForm(request.GET or None, tasks=tasks)
    data = selectors.tracker(fetched_by=request.user, directive=directive, **filters.filters())
    return render(
        request,
        "directives/detail.html",
        {
            "directive": directive,
            "document": DirectiveDocument.objects.filter(directive=directive).first(),
            "recipients": selectors.recipients_of(directive),
            "tracker": data,
            "filters": filters,
            "page": Paginator(data.rows, 100).get_page(request.GET.get("page")),
            "statuses": selectors.STATUS_LABELS,
            "today": timezone.localdate(),
        },
    )


def _post_action(request, url, call, success):
    """A button on the tracker: claim the form once, run the service, go back with a message."""
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
def directive_send(request, pk: int):
    directive = access.get_directive_to_manage(request.user, pk, request=request)
    return _post_action(
        request,
        reverse("directive_detail", kwargs={"pk": directive.pk}),
        lambda: services.directive_send(actor=request.user, directive=directive, request=request),
        lambda d: _("Đã gửi công văn tới %(n)s nơi nhận.") % {"n": d.recipients.count()},
    )


@require_http_methods(["GET", "POST"])
@login_required
def task_create(request, pk: int):
    directive = access.get_directive_to_manage(request.user, pk, request=request)
    units = OrgUnit.objects.filter(pk__in=directive.recipients.values("unit_id")).order_by(
        "kind", "search_name"
    )
    form = TaskForm(request.POST or None, units=units)
    url = reverse("directive_detail", kwargs={"pk": directive.pk})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        task = once.save_once(
            request,
            form,
            lambda: services.task_create(
                actor=request.user,
                directive=directive,
                description=data["description"],
                deadline=data["deadline"],
                units=list(data["units"]) or None,
                request=request,
            ),
        )
        if task is once.REPEATED:
            return once.already_saved(request, url)
        if task is not None:
            messages.success(
                request,
                _("Đã giao nhiệm vụ cho %(n)s đơn vị.") % {"n": task.assignments.count()},
            )
            return redirect(url)
    return render(
        request,
        "directives/task_form.html",
        {"form": form, "directive": directive},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@login_required
def task_delete(request, pk: int):
    task = access.get_task_to_manage(request.user, pk, request=request)
    return _post_action(
        request,
        reverse("directive_detail", kwargs={"pk": task.directive_id}),
        lambda: services.task_delete(actor=request.user, task=task, request=request),
        lambda _result: _("Đã xóa nhiệm vụ."),
    )


@require_GET
@login_required
def directive_export(request, pk: int):
    directive = access.get_directive_to_manage(request.user, pk, request=request)
    content, rows = export.build_workbook(fetched_by=request.user, directive=directive)
    # The file leaves the system: who took which tracker is kept in the trail.
    audit.record(
        actor=request.user,
        action="directives.directive_export",
        obj=directive,
        org_unit=directive.owner_id,
        request=request,
        extra={"rows": rows},
    )
    response = HttpResponse(content, content_type=export.CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, export.filename(directive))
    return response


@require_GET
@login_required
def directive_document(request, pk: int):
    """The letter itself, to its issuer's officers and the units it was sent to; audited."""
    directive = access.get_directive_to_read(request.user, pk, request=request)
    document = DirectiveDocument.objects.filter(directive=directive).first()
    if document is None:
        raise Http404
    response = uploads.download_response(document)
    audit.record(
        actor=request.user,
        action="directives.document_download",
        obj=document,
        org_unit=directive.owner_id,
        request=request,
        extra={"directive": directive.pk, "file_kind": document.file_kind},
    )
    return response


@require_http_methods(["GET", "POST"])
@login_required
def assignment_detail(request, pk: int):
    """A recipient's task: the directive, the deadline, what was sent; the form to submit."""
    assignment = access.get_assignment_for_user(request.user, pk, request=request)
    url = reverse("directive_assignment", kwargs={"pk": assignment.pk})
    refusal = services.submit_refusal(assignment)
    form = None
    if assignment.can_submit and not refusal:
        form = SubmissionForm(
            request.POST if request.method == "POST" else None,
            request.FILES if request.method == "POST" else None,
        )
    if request.method == "POST":
        if not assignment.can_submit:
            assignment = access.get_assignment_for_user(
                request.user, pk, action=access.SUBMIT, request=request
            )
        if refusal:
            messages.warning(request, refusal)
            return redirect(url)
        if form.is_valid():
            data = form.cleaned_data
            saved = once.save_once(
                request,
                form,
                lambda: services.submission_create(
                    actor=request.user,
                    assignment=assignment,
                    note=data["note"],
                    file=data["file"],
                    request=request,
                ),
            )
            if saved is once.REPEATED:
                return once.already_saved(request, url)
            if saved is not None:
                messages.success(request, _("Đã nộp báo cáo. Đơn vị ban hành đã được báo."))
                return redirect(url)
    directive = assignment.task.directive
    status = (
        selectors.with_status(type(assignment).objects.filter(pk=assignment.pk))
        .values_list("status", flat=True)
        .get()
    )
    return render(
        request,
        "directives/assignment.html",
        {
            "assignment": assignment,
            "directive": directive,
            "task": assignment.task,
            "status": status,
            "statuses": selectors.STATUS_LABELS,
            "document": DirectiveDocument.objects.filter(directive=directive).first(),
            "history": selectors.assignment_history(assignment),
            "form": form,
            "refusal": refusal,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@login_required
def assignment_remind(request, pk: int):
    assignment = access.get_assignment_for_user(
        request.user, pk, action=access.MANAGE, request=request
    )
    if request.POST.get("next") == "assignment":
        url = reverse("directive_assignment", kwargs={"pk": assignment.pk})
    else:
        url = reverse("directive_detail", kwargs={"pk": assignment.task.directive_id})
    return _post_action(
        request,
        url,
        lambda: services.assignment_remind(
            actor=request.user, assignment=assignment, request=request
        ),
        lambda n: _("Đã nhắc %(unit)s (%(n)s người).") % {"unit": assignment.unit.name, "n": n},
    )


@require_POST
@login_required
def assignment_accept(request, pk: int):
    assignment = access.get_assignment_for_user(
        request.user, pk, action=access.MANAGE, request=request
    )
    return _post_action(
        request,
        reverse("directive_assignment", kwargs={"pk": assignment.pk}),
        lambda: services.assignment_accept(
            actor=request.user, assignment=assignment, request=request
        ),
        lambda _a: _("Đã tiếp nhận báo cáo của %(unit)s.") % {"unit": assignment.unit.name},
    )


@require_GET
@login_required
def submission_download(request, pk: int):
    """A submitted document, to the issuer's officers and the recipient unit; audited."""
    stored = access.get_submission_file_for_user(request.user, pk, request=request)
    response = uploads.download_response(stored)
    assignment = stored.submission.assignment
    audit.record(
        actor=request.user,
        action="directives.submission_download",
        obj=stored,
        org_unit=assignment.unit_id,
        request=request,
        extra={"assignment": assignment.pk, "file_kind": stored.file_kind},
    )
    return response
