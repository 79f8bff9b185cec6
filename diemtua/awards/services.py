"""Writes of criteria sets, evaluations, nominations and award decisions: one transaction and
one audit row each (ids, codes and points only; no personal data beyond a staff member's name,
which stays in the record)."""

import datetime
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diemtua.accounts import access as account_access
from diemtua.audit import services as audit
from diemtua.core import uploads
from diemtua.core.text import fold
from diemtua.orgs.models import OrgUnitAncestor

from . import access
from .models import (
    AwardDecision,
    CriteriaSet,
    Criterion,
    DecisionDocument,
    Evaluation,
    Nomination,
    NominationStatus,
    Score,
    SetStatus,
    SubjectKind,
)

DOCUMENT_KINDS = frozenset({"pdf", "docx"})
MAX_CRITERIA = 50
EARLIEST = datetime.date(2015, 1, 1)


def _require_officer(actor, unit) -> None:
    if actor is not None and not access.is_officer_at(actor, unit.pk):
        raise PermissionDenied


def _below(unit, other) -> bool:
    """Is `other` the unit itself or below it?"""
    return OrgUnitAncestor.objects.filter(ancestor=unit, descendant=other).exists()


def _check_criteria(criteria: list[dict]) -> list[str]:
    errors = []
    if not criteria:
        errors.append(_("Bộ tiêu chí cần ít nhất một tiêu chí."))
    if len(criteria) > MAX_CRITERIA:
        errors.append(_("Một bộ tiêu chí có tối đa %(n)s tiêu chí.") % {"n": MAX_CRITERIA})
    codes = [c["code"] for c in criteria]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        errors.append(_("Mã tiêu chí bị trùng: %(codes)s.") % {"codes": ", ".join(duplicates)})
    return errors


def _write_criteria(criteria_set: CriteriaSet, criteria: list[dict]) -> None:
    criteria_set.criteria.all().delete()
    for position, item in enumerate(criteria, start=1):
        criterion = Criterion(
            criteria_set=criteria_set,
            position=position,
            code=item["code"],
            text=item["text"],
            max_points=item["max_points"],
            evidence=item.get("evidence", ""),
        )
        criterion.full_clean(exclude=["criteria_set"])
        criterion.save()


@transaction.atomic
def criteria_set_create(
    *,
    actor,
    owner,
    title: str,
    subject_kind: str,
    criteria: list[dict],
    program=None,
    description: str = "",
    request=None,
) -> CriteriaSet:
    """A criteria set of `owner` (the actor's own unit), with its criteria in order."""
    _require_officer(actor, owner)
    criteria_set = CriteriaSet(
        owner=owner,
        program=program,
        title=title.strip(),
        subject_kind=subject_kind,
        description=description.strip(),
        created_by=actor,
    )
    errors = _check_criteria(criteria)
    try:
        criteria_set.full_clean()
    except ValidationError as error:
        if errors:
            raise ValidationError({**error.message_dict, "criteria": errors}) from None
        raise
    if errors:
        raise ValidationError({"criteria": errors})
    criteria_set.save()
    _write_criteria(criteria_set, criteria)
    audit.record(
        actor=actor,
        action="awards.criteria_set_create",
        obj=criteria_set,
        org_unit=owner.pk,
        request=request,
        extra={"criteria": len(criteria), "subject_kind": subject_kind},
    )
    return criteria_set


@transaction.atomic
def criteria_set_update(
    *,
    actor,
    criteria_set: CriteriaSet,
    title: str,
    description: str,
    status: str,
    criteria: list[dict] | None = None,
    request=None,
) -> CriteriaSet:
    """Change a set. Its criteria are locked once the first subject is scored: a score must
    keep meaning what it meant (a new set is made for a new round)."""
    criteria_set = CriteriaSet.objects.select_for_update(of=("self",)).get(pk=criteria_set.pk)
    _require_officer(actor, criteria_set.owner)
    scored = criteria_set.evaluations.exists()
    current = [
        {"code": c.code, "text": c.text, "max_points": c.max_points, "evidence": c.evidence}
        for c in criteria_set.criteria.all()
    ]
    criteria_changed = criteria is not None and criteria != current
    errors: dict[str, list[str]] = {}
    if criteria_changed:
        if scored:
            errors["criteria"] = [
                _(
                    "Đã có đối tượng được chấm theo bộ tiêu chí này nên không sửa được tiêu chí. "
                    "Hãy tạo bộ tiêu chí mới nếu cần."
                )
            ]
        else:
            problems = _check_criteria(criteria)
            if problems:
                errors["criteria"] = problems
    if status == SetStatus.DRAFT and scored:
        errors.setdefault("status", []).append(
            _("Đã có kết quả chấm nên không trở lại trạng thái “Đang soạn tiêu chí” được.")
        )
    if status == SetStatus.PUBLISHED and not scored:
        errors.setdefault("status", []).append(
            _("Chưa có kết quả nào để công bố: hãy chấm điểm trước.")
        )
    old_status = criteria_set.status
    criteria_set.title, criteria_set.description = title.strip(), description.strip()
    criteria_set.status = status
    try:
        criteria_set.full_clean()
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    criteria_set.save(update_fields=["title", "description", "status", "updated_at"])
    if criteria_changed:
        _write_criteria(criteria_set, criteria)
    audit.record(
        actor=actor,
        action="awards.criteria_set_update",
        obj=criteria_set,
        org_unit=criteria_set.owner_id,
        request=request,
        extra={"status": [old_status, status], "criteria_changed": criteria_changed},
    )
    return criteria_set


def _score_errors(criteria, scores: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for criterion in criteria:
        points, _note = scores.get(criterion.pk, (None, ""))
        field = f"c{criterion.pk}_points"
        if points is None:
            errors[field] = [_("Hãy chấm điểm tiêu chí %(code)s.") % {"code": criterion.code}]
        elif points < 0 or points > criterion.max_points:
            errors[field] = [
                _("Điểm của tiêu chí %(code)s phải từ 0 đến %(max)s.")
                % {"code": criterion.code, "max": criterion.max_points}
            ]
    return errors


@transaction.atomic
def evaluation_save(
    *,
    actor,
    criteria_set: CriteriaSet,
    subject_unit,
    evaluated_on: datetime.date,
    scores: dict,
    person_name: str = "",
    person_user=None,
    person_staff=None,
    comment: str = "",
    evaluation: Evaluation | None = None,
    request=None,
) -> Evaluation:
    """Score a subject (or re-score it: `evaluation`); `scores` maps criterion id → (points,
    note). The first score locks the set's criteria (draft → open); a published set is final."""
    criteria_set = CriteriaSet.objects.select_for_update(of=("self",)).get(pk=criteria_set.pk)
    _require_officer(actor, criteria_set.owner)
    errors: dict[str, list[str]] = {}
    if criteria_set.status == SetStatus.PUBLISHED:
        raise ValidationError(
            _("Kết quả của bộ tiêu chí này đã công bố nên không chấm hoặc sửa điểm được nữa.")
        )
    criteria = list(criteria_set.criteria.all())
    errors.update(_score_errors(criteria, scores))
    if subject_unit is not None and not _below(criteria_set.owner, subject_unit):
        errors.setdefault("subject", []).append(
            _("%(unit)s không thuộc phạm vi của %(owner)s.")
            % {"unit": subject_unit.name, "owner": criteria_set.owner.name}
        )
    person_name = person_name.strip()
    if criteria_set.subject_kind == SubjectKind.PERSON and not person_name:
        errors.setdefault("person_name", []).append(_("Hãy nhập họ và tên người được đánh giá."))
    if criteria_set.subject_kind == SubjectKind.UNIT:
        person_name, person_user, person_staff = "", None, None
    today = timezone.localdate()
    if evaluated_on and not EARLIEST <= evaluated_on <= today:
        errors.setdefault("evaluated_on", []).append(
            _("Ngày đánh giá phải từ %(start)s đến hôm nay.") % {"start": "01/01/2015"}
        )
    if errors:
        raise ValidationError(errors)
    creating = evaluation is None
    if creating:
        evaluation = Evaluation(criteria_set=criteria_set, evaluator=actor)
    else:
        evaluation = Evaluation.objects.select_for_update(of=("self",)).get(pk=evaluation.pk)
    old_total = evaluation.total
    evaluation.subject_unit = subject_unit
    evaluation.person_name = person_name
    evaluation.person_key = fold(person_name)
    evaluation.person_user = person_user
    evaluation.person_staff = person_staff
    evaluation.evaluated_on = evaluated_on
    evaluation.comment = comment.strip()
    evaluation.total = sum((scores[c.pk][0] for c in criteria), Decimal(0))
    evaluation.full_clean()
    evaluation.save()
    evaluation.scores.all().delete()
    Score.objects.bulk_create(
        [
            Score(evaluation=evaluation, criterion=c, points=scores[c.pk][0], note=scores[c.pk][1])
            for c in criteria
        ]
    )
    if criteria_set.status == SetStatus.DRAFT:
        criteria_set.status = SetStatus.OPEN
        criteria_set.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor,
        action="awards.evaluation_create" if creating else "awards.evaluation_update",
        obj=evaluation,
        org_unit=criteria_set.owner_id,
        request=request,
        extra={
            "criteria_set": criteria_set.pk,
            "subject_unit": subject_unit.pk,
            "total": str(evaluation.total) if creating else [str(old_total), str(evaluation.total)],
        },
    )
    return evaluation


@transaction.atomic
def nomination_create(
    *,
    actor,
    nominating_unit,
    subject_kind: str,
    subject_unit,
    award_title: str,
    reason: str,
    person_name: str = "",
    person_user=None,
    evaluation: Evaluation | None = None,
    program=None,
    nominated_on: datetime.date | None = None,
    request=None,
) -> Nomination:
    _require_officer(actor, nominating_unit)
    errors: dict[str, list[str]] = {}
    if subject_unit is not None and not _below(nominating_unit, subject_unit):
        errors["subject_code"] = [
            _("%(unit)s không thuộc phạm vi của %(owner)s.")
            % {"unit": subject_unit.name, "owner": nominating_unit.name}
        ]
    person_name = person_name.strip()
    if subject_kind == SubjectKind.PERSON and not person_name:
        errors["person_name"] = [_("Hãy nhập họ và tên người được đề nghị khen thưởng.")]
    if subject_kind == SubjectKind.UNIT:
        person_name, person_user = "", None
    if errors:
        raise ValidationError(errors)
    nomination = Nomination(
        nominating_unit=nominating_unit,
        program=program,
        evaluation=evaluation,
        subject_kind=subject_kind,
        subject_unit=subject_unit,
        person_name=person_name,
        person_user=person_user,
        award_title=award_title.strip(),
        reason=reason.strip(),
        nominated_by=actor,
        nominated_on=nominated_on or timezone.localdate(),
    )
    nomination.full_clean()
    nomination.save()
    audit.record(
        actor=actor,
        action="awards.nomination_create",
        obj=nomination,
        org_unit=nominating_unit.pk,
        request=request,
        extra={"subject_unit": subject_unit.pk, "subject_kind": subject_kind},
    )
    return nomination


@transaction.atomic
def nomination_refuse(*, actor, nomination: Nomination, note: str, request=None) -> Nomination:
    """Mark a proposal as not approved, with the reason (an approval comes with a decision)."""
    nomination = Nomination.objects.select_for_update(of=("self",)).get(pk=nomination.pk)
    if actor is not None and not (
        account_access.roles_over(actor, nomination.nominating_unit_id) & access.OFFICER_ROLES
    ):
        raise PermissionDenied
    if nomination.status != NominationStatus.PROPOSED:
        raise ValidationError(_("Đề nghị này đã được xét rồi."))
    if not note.strip():
        raise ValidationError({"note": [_("Hãy ghi lý do không duyệt.")]})
    nomination.status = NominationStatus.NOT_APPROVED
    nomination.decided_note = note.strip()[:500]
    nomination.decided_at = timezone.now()
    nomination.save(update_fields=["status", "decided_note", "decided_at", "updated_at"])
    audit.record(
        actor=actor,
        action="awards.nomination_refuse",
        obj=nomination,
        org_unit=nomination.nominating_unit_id,
        request=request,
    )
    return nomination


def _document_kinds(files) -> tuple[list, list[str]]:
    checked, messages = [], []
    for upload in files:
        try:
            checked.append((upload, uploads.check_upload(upload, allowed=DOCUMENT_KINDS)))
        except ValidationError as error:
            messages.extend(error.messages)
    return checked, messages


@transaction.atomic
def decision_create(
    *,
    actor,
    issuing_unit,
    number: str,
    signed_on: datetime.date,
    title: str,
    nominations,
    files,
    request=None,
) -> AwardDecision:
    """Record a decision with its document; it approves the nominations it lists, which must
    be proposals from the issuing unit or a unit below it."""
    _require_officer(actor, issuing_unit)
    nominations = list(
        Nomination.objects.select_for_update(of=("self",)).filter(
            pk__in=[n.pk for n in nominations]
        )
    )
    errors: dict[str, list[str]] = {}
    if not nominations:
        errors["nominations"] = [_("Hãy chọn ít nhất một đề nghị được khen thưởng.")]
    for nomination in nominations:
        if nomination.status != NominationStatus.PROPOSED:
            errors.setdefault("nominations", []).append(
                _("Đề nghị “%(n)s” đã được xét rồi.") % {"n": nomination}
            )
        elif not _below(issuing_unit, nomination.nominating_unit):
            errors.setdefault("nominations", []).append(
                _("Đề nghị “%(n)s” không thuộc thẩm quyền của %(unit)s.")
                % {"n": nomination, "unit": issuing_unit.name}
            )
    files = list(files)
    if not files:
        errors["files"] = [_("Hãy đính kèm văn bản quyết định (PDF hoặc Word).")]
    checked, file_errors = _document_kinds(files)
    if file_errors:
        errors["files"] = file_errors
    if signed_on and not EARLIEST <= signed_on <= timezone.localdate():
        errors["signed_on"] = [_("Ngày ký phải từ 01/01/2015 đến hôm nay.")]
    decision = AwardDecision(
        issuing_unit=issuing_unit,
        number=number.strip(),
        signed_on=signed_on,
        title=title.strip(),
        created_by=actor,
    )
    try:
        decision.full_clean()
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field if field != NON_FIELD_ERRORS else "number", []).extend(messages)
    if errors:
        raise ValidationError(errors)
    decision.save()
    saved: list[str] = []
    try:
        for upload, kind in checked:
            name = uploads.store(upload, folder="awards", kind=kind)
            saved.append(name)
            document = DecisionDocument(
                decision=decision,
                stored_name=name,
                original_name=uploads.clean_name(upload.name),
                file_kind=kind.code,
                content_type=kind.content_type,
                size=upload.size,
                uploaded_by=actor,
            )
            document.full_clean()
            document.save()
        now = timezone.now()
        for nomination in nominations:
            nomination.status = NominationStatus.APPROVED
            nomination.decision = decision
            nomination.decided_at = now
            nomination.save(update_fields=["status", "decision", "decided_at", "updated_at"])
        audit.record(
            actor=actor,
            action="awards.decision_create",
            obj=decision,
            org_unit=issuing_unit.pk,
            request=request,
            extra={"nominations": [n.pk for n in nominations], "documents": len(checked)},
        )
    except BaseException:
        for name in saved:
            uploads.delete(name)
        raise
    return decision
