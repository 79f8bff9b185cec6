"""Visit pages: list, record (create, then score and write up), detail, complete, amend,
delete a draft; follow-up actions: add, list (both sides), detail, answer, verify or return;
photo and file downloads. Thin: access.py finds the object, services.py writes, selectors.py
reads."""

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
from diemtua.core import once, uploads

from . import access, selectors, services
from .forms import (
    ActionFilterForm,
    ActionForm,
    AmendForm,
    AnswerForm,
    ReviewForm,
    VisitCreateForm,
    VisitEditForm,
    VisitFilterForm,
)


def _nav(user) -> dict:
    return {"can_visit": bool(access.visiting_units(user))}


@require_GET
@login_required
def visit_list(request):
    account_access.require_role(request.user, access.VIEW_ROLES)
    filters = VisitFilterForm(
        request.GET or None, schools=selectors.filter_schools(fetched_by=request.user)
    )
    rows = selectors.visits_for(fetched_by=request.user, **filters.filters())
    return render(
        request,
        "visits/list.html",
        {
            "filters": filters,
            "page": Paginator(rows, 25).get_page(request.GET.get("page")),
            "counts": selectors.action_counts(fetched_by=request.user),
            "tab": "visits",
            **_nav(request.user),
        },
    )


def _unit_for(request, units):
    """The visiting unit the form is for: the one chosen (POST or ?unit=) when it is one of the
    user's, else the first."""
    wanted = request.POST.get("visiting_unit") or request.GET.get("unit") or ""
    for unit in units:
        if str(unit.pk) == str(wanted).strip():
            return unit
    return units[0]


@require_http_methods(["GET", "POST"])
@login_required
def visit_create(request):
    units = access.visiting_units(request.user)
    if not units:
        raise PermissionDenied
    unit = _unit_for(request, units)
    initial = {"visiting_unit": unit.pk, "visited_on": timezone.localdate(), "kind": "supervision"}
    form = VisitCreateForm(
        request.POST or None,
        units=units,
        programs=selectors.programs_for(visiting_unit=unit),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        visit = once.save_once(
            request,
            form,
            lambda: services.visit_create(
                actor=request.user,
                visiting_unit=data["visiting_unit"],
                school=data["school"],
                kind=data["kind"],
                visited_on=data["visited_on"],
                checklist=data["checklist"],
                program=data["program"],
                team=data["team"],
                request=request,
            ),
        )
        if visit is once.REPEATED:
            return once.already_saved(request, reverse("visit_list"))
        if visit is not None:
            messages.success(
                request, _("Đã tạo biên bản. Hãy chấm điểm theo từng tiêu chí và ghi nhận xét.")
            )
            return redirect("visit_edit", pk=visit.pk)
    return render(
        request,
        "visits/create.html",
        {"form": form, "schools": selectors.schools_to_visit(visiting_unit=unit)},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@login_required
def visit_detail(request, pk: int):
    visit = access.get_visit_for_user(request.user, pk, request=request)
    return render(request, "visits/detail.html", _detail_context(request, visit))


def _detail_context(request, visit, **forms) -> dict:
    context = {"visit": visit, **selectors.visit_detail(visit), "today": timezone.localdate()}
    if visit.manageable and not visit.is_draft:
        context["amend_form"] = forms.get("amend_form") or AmendForm()
    return context


@require_http_methods(["GET", "POST"])
@login_required
def visit_edit(request, pk: int):
    visit = access.get_visit_for_user(request.user, pk, request=request, manage=True)
    if not visit.is_draft:
        messages.info(request, _("Biên bản đã hoàn thành nên không sửa được; hãy ghi đính chính."))
        return redirect("visit_detail", pk=visit.pk)
    scores = {row.criterion: row for row in visit.scores.all()}
    initial = {
        "kind": visit.kind,
        "visited_on": visit.visited_on,
        "program": visit.program_id,
        "team": visit.team,
        "findings": visit.findings,
        "recommendations": visit.recommendations,
    }
    for code, row in scores.items():
        initial[f"score_{code}"] = "" if row.score is None else str(row.score)
        initial[f"note_{code}"] = row.note
    form = VisitEditForm(
        request.POST or None,
        request.FILES or None,
        visit=visit,
        programs=selectors.programs_for(visiting_unit=visit.visiting_unit),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.visit_update(
                actor=request.user,
                visit=visit,
                scores=form.scores(),
                photos=data["photos"],
                remove_photos=form.removed_photos(),
                request=request,
                **{f: data[f] for f in services.VISIT_FIELDS},
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Đã lưu biên bản (chưa gửi trường)."))
            if request.POST.get("then") == "complete":
                return _complete(request, visit)
            return redirect("visit_detail", pk=visit.pk)
    return render(
        request,
        "visits/edit.html",
        {"form": form, "visit": visit, "photos": list(visit.photos.all())},
        status=400 if request.method == "POST" else 200,
    )


def _complete(request, visit):
    try:
        services.visit_complete(actor=request.user, visit=visit, request=request)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("visit_detail", pk=visit.pk)
    messages.success(request, _("Đã hoàn thành biên bản và gửi trường."))
    return redirect("visit_detail", pk=visit.pk)


@require_POST
@login_required
def visit_complete(request, pk: int):
    visit = access.get_visit_for_user(request.user, pk, request=request, manage=True)
    return _complete(request, visit)


@require_http_methods(["GET", "POST"])
@login_required
def visit_delete(request, pk: int):
    visit = access.get_visit_for_user(request.user, pk, request=request, manage=True)
    if request.method == "POST":
        try:
            services.visit_delete(actor=request.user, visit=visit, request=request)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("visit_detail", pk=visit.pk)
        messages.success(request, _("Đã xóa biên bản đang ghi."))
        return redirect("visit_list")
    return render(request, "visits/confirm_delete.html", {"visit": visit})


@require_POST
@login_required
def visit_amend(request, pk: int):
    visit = access.get_visit_for_user(request.user, pk, request=request, manage=True)
    form = AmendForm(request.POST)
    if form.is_valid():
        saved = once.save_once(
            request,
            form,
            lambda: services.visit_amend(
                actor=request.user, visit=visit, text=form.cleaned_data["text"], request=request
            ),
        )
        url = reverse("visit_detail", kwargs={"pk": visit.pk})
        if saved is once.REPEATED:
            return once.already_saved(request, url)
        if saved is not None:
            messages.success(request, _("Đã ghi đính chính và báo cho trường."))
            return redirect(url)
    return render(
        request, "visits/detail.html", _detail_context(request, visit, amend_form=form), status=400
    )


@require_GET
@login_required
def visit_photo(request, pk: int):
    """A photo, to whoever may see its visit; always a download, and every one audited."""
    photo = access.get_photo_for_user(request.user, pk, request=request)
    response = uploads.download_response(photo)
    audit.record(
        actor=request.user,
        action="visits.photo_download",
        obj=photo,
        org_unit=photo.visit.school_id,
        request=request,
        extra={"visit": photo.visit_id},
    )
    return response


# --- Follow-up actions ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def visit_action_create(request, pk: int):
    visit = access.get_visit_for_user(request.user, pk, request=request, manage=True)
    form = ActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        action = once.save_once(
            request,
            form,
            lambda: services.action_create(
                actor=request.user,
                visit=visit,
                description=data["description"],
                owner_name=data["owner_name"],
                due_on=data["due_on"],
                request=request,
            ),
        )
        url = reverse("visit_detail", kwargs={"pk": visit.pk})
        if action is once.REPEATED:
            return once.already_saved(request, url)
        if action is not None:
            messages.success(request, _("Đã thêm việc cần khắc phục."))
            if request.POST.get("then") == "another":
                return redirect("visit_action_create", pk=visit.pk)
            return redirect(url)
    return render(
        request,
        "visits/action_form.html",
        {"form": form, "visit": visit},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@login_required
def visit_action_list(request):
    account_access.require_role(request.user, access.VIEW_ROLES)
    filters = ActionFilterForm(request.GET or None)
    state = filters.state_value()
    rows = selectors.actions_for(fetched_by=request.user, state=state)
    return render(
        request,
        "visits/actions.html",
        {
            "filters": filters,
            "state": state,
            "page": Paginator(rows, 50).get_page(request.GET.get("page")),
            "counts": selectors.action_counts(fetched_by=request.user),
            "tab": "actions",
            "today": timezone.localdate(),
            **_nav(request.user),
        },
    )


def _action_context(action, **forms) -> dict:
    visit = action.visit
    context = {"action": action, "visit": visit, **selectors.action_detail(action)}
    if visit.answerable and action.status in ("open", "reopened"):
        context["answer_form"] = forms.get("answer_form") or AnswerForm()
    if visit.manageable and action.status == "answered":
        context["review_form"] = forms.get("review_form") or ReviewForm()
    if visit.manageable and visit.is_draft:
        context["can_delete"] = True
    return context


@require_GET
@login_required
def visit_action_detail(request, pk: int):
    action = access.get_action_for_user(request.user, pk, request=request)
    return render(request, "visits/action_detail.html", _action_context(action))


@require_POST
@login_required
def visit_action_answer(request, pk: int):
    action = access.get_action_for_user(request.user, pk, request=request, need="answer")
    form = AnswerForm(request.POST, request.FILES)
    if form.is_valid():
        saved = once.save_once(
            request,
            form,
            lambda: services.action_answer(
                actor=request.user,
                action=action,
                text=form.cleaned_data["text"],
                files=form.cleaned_data["files"],
                request=request,
            ),
        )
        url = reverse("visit_action_detail", kwargs={"pk": action.pk})
        if saved is once.REPEATED:
            return once.already_saved(request, url)
        if saved is not None:
            messages.success(request, _("Đã gửi báo cáo kết quả cho đoàn."))
            return redirect(url)
    return render(
        request,
        "visits/action_detail.html",
        _action_context(action, answer_form=form),
        status=400,
    )


@require_POST
@login_required
def visit_action_review(request, pk: int):
    action = access.get_action_for_user(request.user, pk, request=request, need="manage")
    form = ReviewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if data["decision"] == "verify":
            save = lambda: services.action_verify(  # noqa: E731
                actor=request.user, action=action, comment=data["comment"], request=request
            )
            done = _("Đã xác nhận hoàn thành.")
        else:
            save = lambda: services.action_reopen(  # noqa: E731
                actor=request.user,
                action=action,
                comment=data["comment"],
                due_on=data["due_on"],
                request=request,
            )
            done = _("Đã trả lại cho trường làm tiếp.")
        saved = once.save_once(request, form, lambda: save() or True)
        url = reverse("visit_action_detail", kwargs={"pk": action.pk})
        if saved is once.REPEATED:
            return once.already_saved(request, url)
        if saved is not None:
            messages.success(request, done)
            return redirect(url)
    return render(
        request,
        "visits/action_detail.html",
        _action_context(action, review_form=form),
        status=400,
    )


@require_POST
@login_required
def visit_action_delete(request, pk: int):
    action = access.get_action_for_user(request.user, pk, request=request, need="manage")
    visit_pk = action.visit_id
    try:
        services.action_delete(actor=request.user, action=action, request=request)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("visit_action_detail", pk=action.pk)
    messages.success(request, _("Đã bỏ việc cần khắc phục khỏi biên bản."))
    return redirect("visit_detail", pk=visit_pk)


@require_GET
@login_required
def visit_action_file(request, pk: int):
    stored = access.get_action_file_for_user(request.user, pk, request=request)
    response = uploads.download_response(stored)
    action = stored.event.action
    audit.record(
        actor=request.user,
        action="visits.action_file_download",
        obj=stored,
        org_unit=action.visit.school_id,
        request=request,
        extra={"action": action.pk},
    )
    return response
