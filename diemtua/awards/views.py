"""Evaluation and awards pages. Thin: access.py finds, services.py writes, selectors.py
reads; evidence.py brings what other apps know about a subject, as suggestions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from diemtua.accounts import access as account_access
from diemtua.audit import services as audit
from diemtua.core import once, uploads
from diemtua.funding.selectors import programs_for_units
from diemtua.orgs.models import OrgUnit, OrgUnitAncestor
from diemtua.programs.models import DesignatedStaff

from . import access, evidence, selectors, services
from .forms import (
    CriteriaSetForm,
    DecisionForm,
    EvaluationForm,
    NominationForm,
    RefuseForm,
    criteria_text,
)
from .models import Evaluation, Evidence, NominationStatus, SetStatus, SubjectKind


def _units(user):
    units = access.officer_units(user)
    return units, OrgUnit.objects.filter(pk__in=[u.pk for u in units]).order_by("search_name")


@require_GET
@login_required
def awards_home(request):
    account_access.require_role(request.user, access.VIEW_ROLES)
    officer = bool(access.officer_units(request.user))
    user = request.user
    return render(
        request,
        "awards/home.html",
        {
            "officer": officer,
            "criteria_sets": list(selectors.criteria_sets_for(fetched_by=user)[:50])
            if officer
            else [],
            "evaluations": Paginator(selectors.evaluations_for(fetched_by=user), 50).get_page(
                request.GET.get("page")
            ),
            "nominations": list(
                selectors.nominations_for(fetched_by=user).order_by("-nominated_on", "-pk")[:100]
            ),
            "decisions": list(selectors.decisions_for(fetched_by=user)[:50]),
        },
    )


# --- Criteria sets ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def criteria_set_create(request):
    units, choices = _units(request.user)
    if not units:
        raise PermissionDenied
    form = CriteriaSetForm(
        request.POST or None,
        units=choices,
        programs=programs_for_units(units),
        initial={"owner": units[0].pk},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        criteria_set = once.save_once(
            request,
            form,
            lambda: services.criteria_set_create(
                actor=request.user,
                owner=data["owner"],
                program=data["program"],
                title=data["title"],
                subject_kind=data["subject_kind"],
                description=data["description"],
                criteria=data["criteria"],
                request=request,
            ),
        )
        if criteria_set is once.REPEATED:
            return once.already_saved(request, reverse("awards_home"))
        if criteria_set is not None:
            messages.success(request, _("Đã tạo bộ tiêu chí."))
            return redirect("criteria_set_detail", pk=criteria_set.pk)
    return render(
        request,
        "awards/criteria_set_form.html",
        {"form": form, "criteria_set": None, "title": _("Tạo bộ tiêu chí đánh giá")},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@login_required
def criteria_set_detail(request, pk: int):
    criteria_set = access.get_criteria_set_for_user(request.user, pk, request=request)
    return render(
        request,
        "awards/criteria_set_detail.html",
        {
            "criteria_set": criteria_set,
            "criteria": list(criteria_set.criteria.all()),
            "ranking": selectors.ranking(criteria_set),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def criteria_set_edit(request, pk: int):
    criteria_set = access.get_criteria_set_for_user(request.user, pk, request=request, manage=True)
    form = CriteriaSetForm(
        request.POST or None,
        editing=True,
        initial={
            "title": criteria_set.title,
            "description": criteria_set.description,
            "status": criteria_set.status,
            "criteria": criteria_text(criteria_set),
        },
    )
    url = reverse("criteria_set_detail", kwargs={"pk": criteria_set.pk})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = once.save_once(
            request,
            form,
            lambda: services.criteria_set_update(
                actor=request.user,
                criteria_set=criteria_set,
                title=data["title"],
                description=data["description"],
                status=data["status"],
                criteria=data["criteria"],
                request=request,
            ),
        )
        if saved is once.REPEATED:
            return once.already_saved(request, url)
        if saved is not None:
            messages.success(request, _("Đã lưu thay đổi."))
            return redirect(url)
    return render(
        request,
        "awards/criteria_set_form.html",
        {
            "form": form,
            "criteria_set": criteria_set,
            "locked": criteria_set.evaluations.exists(),
            "title": _("Sửa bộ tiêu chí"),
        },
        status=400 if request.method == "POST" else 200,
    )


# --- Evaluations ------------------------------------------------------------------------------


def _staff_choices(criteria_set):
    if criteria_set.subject_kind != SubjectKind.PERSON or criteria_set.program_id is None:
        return DesignatedStaff.objects.none()
    below_owner = OrgUnitAncestor.objects.filter(ancestor_id=criteria_set.owner_id).values(
        "descendant_id"
    )
    return (
        DesignatedStaff.objects.filter(
            enrolment__program_id=criteria_set.program_id, enrolment__school_id__in=below_owner
        )
        .select_related("enrolment__school")
        .order_by("enrolment__school__search_name", "full_name")
    )


def _subject(criteria_set, data, schools, staff):
    """(unit, staff member) named by the form's data, or (None, None); never raises."""
    chosen_staff = None
    raw_staff = str(data.get("staff", "")).strip()
    if raw_staff.isascii() and raw_staff.isdigit() and len(raw_staff) < 12:
        chosen_staff = staff.filter(pk=int(raw_staff)).first()
    if chosen_staff is not None:
        return chosen_staff.enrolment.school, chosen_staff
    raw = str(data.get("subject", "")).strip()
    if raw.isascii() and raw.isdigit() and len(raw) < 12:
        unit = schools.filter(pk=int(raw)).first()
        if unit is not None:
            return unit, None
    unit = selectors.unit_by_code(within=criteria_set.owner, code=str(data.get("subject_code", "")))
    return unit, None


def _evidence_texts(found: dict) -> dict:
    texts = {}
    visits = found.get("visits")
    if "visits" in found:
        texts[Evidence.VISITS] = (
            _("Điểm trung bình các đợt giám sát đã hoàn thành: %(v)s%%")
            % {"v": str(visits).replace(".", ",")}
            if visits is not None
            else _("Chưa có đợt giám sát đã hoàn thành.")
        )
    if "staff_trained" in found:
        pair = found["staff_trained"]
        texts[Evidence.STAFF_TRAINED] = (
            _("%(t)s/%(n)s cán bộ được phân công đã được tập huấn.") % {"t": pair[0], "n": pair[1]}
            if pair
            else _("Chưa có cán bộ được phân công.")
        )
    if "training_hours" in found:
        hours = found["training_hours"]
        texts[Evidence.TRAINING_HOURS] = (
            _("%(h)s giờ tập huấn đã tham dự.") % {"h": str(hours).replace(".", ",")}
            if hours is not None
            else _("Chưa có dữ liệu tập huấn.")
        )
    return texts


def _evaluation_page(request, criteria_set, form, *, evaluation, unit, staff_member, title, status):
    found = {}
    if unit is not None:
        found = evidence.for_subject(
            subject_unit=unit,
            staff=staff_member,
            user=getattr(evaluation, "person_user", None),
            program=criteria_set.program,
        )
    texts = _evidence_texts(found)
    rows = [(c, points, note, texts.get(c.evidence)) for c, points, note in form.score_rows()]
    return render(
        request,
        "awards/evaluation_form.html",
        {
            "form": form,
            "criteria_set": criteria_set,
            "evaluation": evaluation,
            "rows": rows,
            "subject_unit": unit,
            "staff_member": staff_member,
            "evidence": texts,
            "title": title,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def evaluation_create(request, pk: int):
    criteria_set = access.get_criteria_set_for_user(request.user, pk, request=request, manage=True)
    url = reverse("criteria_set_detail", kwargs={"pk": criteria_set.pk})
    if criteria_set.status == SetStatus.PUBLISHED:
        messages.error(request, _("Kết quả đã công bố: không chấm thêm được."))
        return redirect(url)
    criteria = list(criteria_set.criteria.all())
    schools, staff = selectors.subject_schools(criteria_set), _staff_choices(criteria_set)
    source = request.POST if request.method == "POST" else request.GET
    unit, staff_member = _subject(criteria_set, source, schools, staff)
    initial = {"evaluated_on": timezone.localdate()}
    for key in ("subject", "subject_code", "staff"):
        if request.GET.get(key):
            initial[key] = request.GET[key][:32]
    form = EvaluationForm(
        request.POST or None,
        criteria_set=criteria_set,
        criteria=criteria,
        schools=schools,
        staff=staff,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if unit is None:
            form.add_error(
                "subject" if "subject" in form.fields and not data.get("subject_code") else
                "subject_code",
                _("Hãy chọn trường hoặc nhập đúng mã trường thuộc phạm vi của đơn vị."),
            )  # fmt: skip
        else:
            person_name = staff_member.full_name if staff_member else data.get("person_name", "")
            saved = once.save_once(
                request,
                form,
                lambda: services.evaluation_save(
                    actor=request.user,
                    criteria_set=criteria_set,
                    subject_unit=unit,
                    person_name=person_name or "",
                    person_user=staff_member.user if staff_member else None,
                    person_staff=staff_member,
                    evaluated_on=data["evaluated_on"],
                    scores=form.scores(),
                    comment=data["comment"],
                    request=request,
                ),
            )
            if saved is once.REPEATED:
                return once.already_saved(request, url)
            if saved is not None:
                messages.success(request, _("Đã lưu kết quả chấm của %(s)s.") % {"s": saved})
                return redirect("evaluation_detail", pk=saved.pk)
    return _evaluation_page(
        request, criteria_set, form, evaluation=None, unit=unit, staff_member=staff_member,
        title=_("Chấm điểm"), status=400 if request.method == "POST" else 200,
    )  # fmt: skip


@require_GET
@login_required
def evaluation_detail(request, pk: int):
    evaluation = access.get_evaluation_for_user(request.user, pk, request=request)
    rank, count = selectors.rank_of(evaluation)
    return render(
        request,
        "awards/evaluation_detail.html",
        {
            "evaluation": evaluation,
            "scores": list(evaluation.scores.select_related("criterion")),
            "rank": rank,
            "count": count,
            "nominations": list(
                evaluation.nominations.filter(
                    Q(status__in=[NominationStatus.APPROVED, NominationStatus.NOT_APPROVED])
                    | Q(pk__in=selectors.nominations_for(fetched_by=request.user).values("pk"))
                ).select_related("decision")
            ),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def evaluation_edit(request, pk: int):
    evaluation = access.get_evaluation_for_user(request.user, pk, request=request, manage=True)
    criteria_set = evaluation.criteria_set
    criteria = list(criteria_set.criteria.all())
    initial = {"evaluated_on": evaluation.evaluated_on, "comment": evaluation.comment}
    for score in evaluation.scores.all():
        initial[f"c{score.criterion_id}_points"] = str(score.points).replace(".", ",")
        initial[f"c{score.criterion_id}_note"] = score.note
    form = EvaluationForm(
        request.POST or None,
        criteria_set=criteria_set,
        criteria=criteria,
        editing=True,
        initial=initial,
    )
    url = reverse("evaluation_detail", kwargs={"pk": evaluation.pk})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = once.save_once(
            request,
            form,
            lambda: services.evaluation_save(
                actor=request.user,
                criteria_set=criteria_set,
                evaluation=evaluation,
                subject_unit=evaluation.subject_unit,
                person_name=evaluation.person_name,
                person_user=evaluation.person_user,
                person_staff=evaluation.person_staff,
                evaluated_on=data["evaluated_on"],
                scores=form.scores(),
                comment=data["comment"],
                request=request,
            ),
        )
        if saved is once.REPEATED:
            return once.already_saved(request, url)
        if saved is not None:
            messages.success(request, _("Đã lưu thay đổi."))
            return redirect(url)
    return _evaluation_page(
        request, criteria_set, form, evaluation=evaluation, unit=evaluation.subject_unit,
        staff_member=evaluation.person_staff, title=_("Sửa kết quả chấm"),
        status=400 if request.method == "POST" else 200,
    )  # fmt: skip


# --- Nominations ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def nomination_create(request):
    units, choices = _units(request.user)
    if not units:
        raise PermissionDenied
    evaluations = (
        Evaluation.objects.filter(criteria_set__owner_id__in=[u.pk for u in units])
        .select_related("subject_unit")
        .order_by("-total")
    )
    initial = {"nominating_unit": units[0].pk, "award_title": ""}
    raw = request.GET.get("evaluation", "")
    if raw.isascii() and raw.isdigit() and len(raw) < 12:
        chosen = evaluations.filter(pk=int(raw)).first()
        if chosen is not None:
            initial.update(
                evaluation=chosen.pk,
                subject_kind=chosen.criteria_set.subject_kind,
                subject_code=chosen.subject_unit.code,
                person_name=chosen.person_name,
                nominating_unit=chosen.criteria_set.owner_id,
            )
    form = NominationForm(request.POST or None, units=choices, evaluations=evaluations,
                          initial=initial)  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        basis = data["evaluation"]
        subject = (
            selectors.unit_by_code(within=data["nominating_unit"], code=data["subject_code"])
            if data["subject_code"]
            else (basis.subject_unit if basis else None)
        )
        if subject is None:
            form.add_error(
                "subject_code",
                _("Hãy nhập đúng mã trường (đơn vị) thuộc phạm vi của đơn vị đề nghị."),
            )
        else:
            person_name = data["person_name"] or (basis.person_name if basis else "")
            nomination = once.save_once(
                request,
                form,
                lambda: services.nomination_create(
                    actor=request.user,
                    nominating_unit=data["nominating_unit"],
                    subject_kind=data["subject_kind"],
                    subject_unit=subject,
                    person_name=person_name,
                    person_user=basis.person_user if basis else None,
                    evaluation=basis,
                    program=basis.criteria_set.program if basis else None,
                    award_title=data["award_title"],
                    reason=data["reason"],
                    request=request,
                ),
            )
            if nomination is once.REPEATED:
                return once.already_saved(request, reverse("awards_home"))
            if nomination is not None:
                messages.success(request, _("Đã ghi đề nghị khen thưởng."))
                return redirect("nomination_detail", pk=nomination.pk)
    return render(
        request,
        "awards/nomination_form.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@login_required
def nomination_detail(request, pk: int):
    nomination = access.get_nomination_for_user(request.user, pk, request=request)
    return render(
        request,
        "awards/nomination_detail.html",
        {"nomination": nomination, "refuse_form": RefuseForm()},
    )


@require_POST
@login_required
def nomination_refuse(request, pk: int):
    nomination = access.get_nomination_for_user(request.user, pk, request=request, manage=True)
    form = RefuseForm(request.POST)
    if form.is_valid():
        try:
            services.nomination_refuse(
                actor=request.user,
                nomination=nomination,
                note=form.cleaned_data["note"],
                request=request,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Đã ghi: đề nghị không được duyệt."))
            return redirect("nomination_detail", pk=nomination.pk)
    return render(
        request,
        "awards/nomination_detail.html",
        {"nomination": nomination, "refuse_form": form},
        status=400,
    )


# --- Decisions --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def decision_create(request):
    units, choices = _units(request.user)
    if not units:
        raise PermissionDenied
    form = DecisionForm(
        request.POST or None,
        request.FILES or None,
        units=choices,
        proposals=selectors.proposals_for_decision(issuing_units=units),
        initial={"issuing_unit": units[0].pk},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        decision = once.save_once(
            request,
            form,
            lambda: services.decision_create(
                actor=request.user,
                issuing_unit=data["issuing_unit"],
                number=data["number"],
                signed_on=data["signed_on"],
                title=data["title"],
                nominations=data["nominations"],
                files=data["files"],
                request=request,
            ),
        )
        if decision is once.REPEATED:
            return once.already_saved(request, reverse("awards_home"))
        if decision is not None:
            messages.success(request, _("Đã ghi quyết định %(d)s.") % {"d": decision})
            return redirect("decision_detail", pk=decision.pk)
    return render(
        request,
        "awards/decision_form.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@login_required
def decision_detail(request, pk: int):
    decision = access.get_decision_for_user(request.user, pk, request=request)
    return render(
        request,
        "awards/decision_detail.html",
        {
            "decision": decision,
            "nominations": list(
                decision.nominations.select_related("subject_unit", "nominating_unit")
            ),
            "documents": list(decision.documents.all()),
        },
    )


@require_GET
@login_required
def decision_document_download(request, pk: int):
    document = access.get_document_for_user(request.user, pk, request=request)
    response = uploads.download_response(document)
    audit.record(
        actor=request.user,
        action="awards.document_download",
        obj=document,
        org_unit=document.decision.issuing_unit_id,
        request=request,
        extra={"decision": document.decision_id},
    )
    return response
