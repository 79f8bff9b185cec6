"""Writes of visits and their follow-up actions. Each is one transaction with one audit row
(ids and codes only; no findings text in the trail). Files are checked by their content
(core/uploads.py) before anything is written and removed from the disk once a deletion has
committed. Notifications go out once the transaction has committed."""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from diemtua.audit import services as audit
from diemtua.core import uploads
from diemtua.notifications import recipients
from diemtua.notifications.models import Kind
from diemtua.notifications.services import notify
from diemtua.orgs.models import OrgKind, OrgUnitAncestor

from . import access
from .models import (
    ActionEvent,
    ActionEventKind,
    ActionFile,
    ActionStatus,
    FollowUpAction,
    Visit,
    VisitAmendment,
    VisitPhoto,
    VisitScore,
    VisitStatus,
)

VISIT_FIELDS = ("kind", "visited_on", "program", "team", "findings", "recommendations")
PHOTO_KINDS = frozenset({"jpeg", "png", "webp"})
MAX_FILES = 10
MAX_PHOTOS = 30
MAX_ACTIONS = 50
MAX_TEXT = 10_000
# Records go back to the first school-counseling circular's era; a visit may be planned ahead.
EARLIEST = datetime.date(2015, 1, 1)
PLAN_AHEAD = datetime.timedelta(days=366)
# An action's deadline: from the visit's day to two years later.
LONGEST_DEADLINE = datetime.timedelta(days=731)
UPLOAD_FOLDER = "visits"


def _d(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def _on_commit_notify(**kwargs) -> None:
    transaction.on_commit(lambda: notify(**kwargs))


def _school_people(visit: Visit) -> list:
    return recipients.at_unit(visit.school_id, access.SCHOOL_ROLES)


def _visitors(visit: Visit) -> list:
    role = access.VISITOR_ROLE_AT.get(visit.visiting_unit.kind)
    people = recipients.at_unit(visit.visiting_unit_id, [role]) if role else []
    return [*people, visit.created_by]


def _link(visit: Visit) -> str:
    return reverse("visit_detail", kwargs={"pk": visit.pk})


def _action_link(action: FollowUpAction) -> str:
    return reverse("visit_action_detail", kwargs={"pk": action.pk})


# --- Rules ------------------------------------------------------------------------------------


def _header_errors(visit: Visit) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    today = timezone.localdate()
    if visit.visited_on and not EARLIEST <= visit.visited_on <= today + PLAN_AHEAD:
        add(
            "visited_on",
            _("Ngày làm việc phải từ %(start)s đến %(end)s.")
            % {"start": _d(EARLIEST), "end": _d(today + PLAN_AHEAD)},
        )
    school = visit.school
    if school.kind != OrgKind.SCHOOL:
        add("school", _("Hãy chọn một trường học."))
    elif not OrgUnitAncestor.objects.filter(
        ancestor_id=visit.visiting_unit_id, descendant_id=school.pk
    ).exists():
        add(
            "school",
            _("%(school)s không thuộc phạm vi quản lý của %(unit)s.")
            % {"school": school.name, "unit": visit.visiting_unit.name},
        )
    elif visit.visited_on and school.valid_to and school.valid_to < visit.visited_on:
        add(
            "school",
            _("%(school)s đã kết thúc hoạt động từ %(day)s.")
            % {"school": school.name, "day": _d(school.valid_to)},
        )
    if visit.visited_on and not visit.checklist.applies_on(visit.visited_on):
        add(
            "checklist",
            _("Bảng tiêu chí “%(title)s” không áp dụng cho ngày %(day)s (%(regulation)s).")
            % {
                "title": visit.checklist.title,
                "day": _d(visit.visited_on),
                "regulation": visit.checklist.regulation,
            },
        )
    program = visit.program
    if (
        program is not None
        and school.kind == OrgKind.SCHOOL
        and not OrgUnitAncestor.objects.filter(
            ancestor_id=program.owner_id, descendant_id=school.pk
        ).exists()
    ):
        add("program", _("Chương trình này không áp dụng cho trường đã chọn."))
    return errors


def _raise(errors: dict, visit: Visit | None = None, exclude=()) -> None:
    if visit is not None:
        try:
            visit.full_clean(exclude=list(exclude), validate_constraints=False)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _locked(visit: Visit) -> None:
    if not visit.is_draft:
        raise ValidationError(
            _(
                "Biên bản đã hoàn thành và gửi trường nên không sửa được. Hãy ghi đính chính "
                "hoặc lập một đợt làm việc mới."
            )
        )


def _totals(visit: Visit, scores: dict[str, int | None]) -> None:
    total = maximum = Decimal(0)
    for criterion in visit.checklist.criteria:
        weight = Decimal(str(criterion.get("weight", 1)))
        maximum += criterion["max_score"] * weight
        total += (scores.get(criterion["code"]) or 0) * weight
    visit.score_total = total
    visit.score_max = maximum
    visit.score_percent = (total * 100 / maximum).quantize(Decimal("0.1")) if maximum else 0


def _check_photos(files, *, already: int) -> list:
    checked, messages = [], []
    if len(files) > MAX_FILES:
        raise ValidationError(
            {"photos": [_("Mỗi lần chỉ tải lên được tối đa %(n)s ảnh.") % {"n": MAX_FILES}]}
        )
    if already + len(files) > MAX_PHOTOS:
        raise ValidationError(
            {"photos": [_("Một đợt làm việc có tối đa %(n)s ảnh.") % {"n": MAX_PHOTOS}]}
        )
    for upload in files:
        try:
            checked.append((upload, uploads.check_upload(upload, allowed=PHOTO_KINDS)))
        except ValidationError as error:
            messages.extend(error.messages)
    if messages:
        raise ValidationError({"photos": messages})
    return checked


def _store(model, checked, *, actor, saved: list[str], **owner) -> list:
    rows = []
    for upload, kind in checked:
        name = uploads.store(upload, folder=UPLOAD_FOLDER, kind=kind)
        saved.append(name)
        row = model(
            stored_name=name,
            original_name=uploads.clean_name(upload.name),
            file_kind=kind.code,
            content_type=kind.content_type,
            size=upload.size,
            uploaded_by=actor,
            **owner,
        )
        row.full_clean()
        row.save()
        rows.append(row)
    return rows


def _forget(names: Iterable[str]) -> None:
    for name in names:
        uploads.delete(name)


# --- Visits -----------------------------------------------------------------------------------


@transaction.atomic
def visit_create(
    *,
    actor,
    visiting_unit,
    school,
    kind: str,
    visited_on: datetime.date,
    checklist,
    program=None,
    team: str = "",
    request=None,
) -> Visit:
    """Open a draft visit of `school` by `visiting_unit` (one the actor visits from)."""
    if visiting_unit.pk not in {u.pk for u in access.visiting_units(actor)}:
        raise PermissionDenied
    visit = Visit(
        visiting_unit=visiting_unit,
        school=school,
        kind=kind,
        visited_on=visited_on,
        checklist=checklist,
        program=program,
        team=team.strip(),
        created_by=actor,
    )
    _totals(visit, {})
    _raise(_header_errors(visit), visit)
    visit.save()
    VisitScore.objects.bulk_create(
        [VisitScore(visit=visit, criterion=c["code"]) for c in checklist.criteria]
    )
    audit.record(
        actor=actor,
        action="visits.visit_create",
        obj=visit,
        org_unit=visit.school_id,
        request=request,
        extra={"kind": kind, "visiting_unit": visiting_unit.pk, "checklist": checklist.pk},
    )
    return visit


@transaction.atomic
def visit_update(
    *,
    actor,
    visit: Visit,
    scores: dict[str, tuple[int | None, str]] | None = None,
    photos=(),
    remove_photos=(),
    request=None,
    **changes,
) -> Visit:
    """Change a draft's header, findings and recommendations, its scores (criterion code →
    (score or None, note)), and add or remove photos."""
    unknown = set(changes) - set(VISIT_FIELDS)
    if unknown:
        raise TypeError(f"visit_update: unknown fields {sorted(unknown)}")
    # Locked so two visitors saving the same draft (or completing it) do not interleave.
    visit = _visits_for_update().get(pk=visit.pk)
    _locked(visit)
    for text in ("team", "findings", "recommendations"):
        if changes.get(text) is not None:
            changes[text] = changes[text].strip()
    changed = [f for f in VISIT_FIELDS if f in changes and getattr(visit, f) != changes[f]]
    for field in changed:
        setattr(visit, field, changes[field])
    errors = _header_errors(visit)
    rows = {row.criterion: row for row in visit.scores.all()}
    criteria = {c["code"]: c for c in visit.checklist.criteria}
    changed_scores = []
    for code, (score, note) in (scores or {}).items():
        criterion, row = criteria.get(code), rows.get(code)
        if criterion is None or row is None:
            continue
        if score is not None and not 0 <= score <= criterion["max_score"]:
            errors.setdefault(f"score_{code}", []).append(
                _("Điểm phải từ 0 đến %(max)s.") % {"max": criterion["max_score"]}
            )
            continue
        note = (note or "").strip()[:500]
        if (row.score, row.note) != (score, note):
            row.score, row.note = score, note
            changed_scores.append(row)
    remove = set(remove_photos)
    keep = visit.photos.exclude(pk__in=remove).count()
    try:
        checked = _check_photos(list(photos), already=keep)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
        checked = []
    _raise(errors, visit)
    if changed_scores:
        VisitScore.objects.bulk_update(changed_scores, ["score", "note"])
    _totals(visit, {code: row.score for code, row in rows.items()})
    visit.save(update_fields=[*changed, "score_total", "score_max", "score_percent", "updated_at"])
    removed = list(visit.photos.filter(pk__in=remove))
    names = [p.stored_name for p in removed]
    VisitPhoto.objects.filter(pk__in=[p.pk for p in removed]).delete()
    transaction.on_commit(lambda: _forget(names))
    saved: list[str] = []
    try:
        added = _store(VisitPhoto, checked, actor=actor, saved=saved, visit=visit)
        audit.record(
            actor=actor,
            action="visits.visit_update",
            obj=visit,
            org_unit=visit.school_id,
            request=request,
            extra={
                "changed": sorted(changed),
                "scores": sorted(r.criterion for r in changed_scores),
                "photos_added": [p.pk for p in added],
                "photos_removed": [p.pk for p in removed],
            },
        )
    except BaseException:
        _forget(saved)
        raise
    return visit


def _visits_for_update():
    return Visit.objects.select_for_update(of=("self",)).select_related(
        "visiting_unit", "school", "checklist", "program", "created_by"
    )


@transaction.atomic
def visit_complete(*, actor, visit: Visit, request=None) -> Visit:
    """Finish a draft: every criterion scored, findings written, the day not in the future.
    The visit is then locked and sent to the school with its follow-up actions."""
    visit = _visits_for_update().get(pk=visit.pk)
    _locked(visit)
    problems = []
    missing = visit.scores.filter(score__isnull=True).count()
    if missing:
        problems.append(_("Còn %(n)s tiêu chí chưa chấm điểm.") % {"n": missing})
    if not visit.findings.strip():
        problems.append(_("Hãy ghi kết quả, nhận xét trước khi hoàn thành."))
    today = timezone.localdate()
    if visit.visited_on > today:
        problems.append(
            _("Ngày làm việc (%(day)s) chưa đến: chưa thể hoàn thành biên bản.")
            % {"day": _d(visit.visited_on)}
        )
    if problems:
        raise ValidationError(problems)
    visit.status = VisitStatus.COMPLETED
    visit.completed_at = timezone.now()
    visit.completed_by = actor
    visit.full_clean()
    visit.save(update_fields=["status", "completed_at", "completed_by", "updated_at"])
    actions = visit.actions.count()
    audit.record(
        actor=actor,
        action="visits.visit_complete",
        obj=visit,
        org_unit=visit.school_id,
        request=request,
        extra={"actions": actions, "score_percent": str(visit.score_percent)},
    )
    with override("vi"):
        text = _("%(unit)s đã gửi biên bản %(kind)s ngày %(day)s (%(n)s việc cần khắc phục)") % {
            "unit": visit.visiting_unit.name,
            "kind": visit.get_kind_display().lower(),
            "day": _d(visit.visited_on),
            "n": actions,
        }
    _on_commit_notify(
        users=_school_people(visit),
        kind=Kind.REMINDER,
        text=text,
        link=_link(visit),
        dedupe_key=f"visit_complete:{visit.pk}",
    )
    return visit


@transaction.atomic
def visit_delete(*, actor, visit: Visit, request=None) -> None:
    """Delete a draft (never a completed visit) and its photos."""
    visit = _visits_for_update().get(pk=visit.pk)
    _locked(visit)
    names = list(visit.photos.values_list("stored_name", flat=True))
    pk, school_id = visit.pk, visit.school_id
    visit.delete()
    transaction.on_commit(lambda: _forget(names))
    audit.record(
        actor=actor,
        action="visits.visit_delete",
        object_type="visits.visit",
        object_id=str(pk),
        org_unit=school_id,
        request=request,
        extra={"photos": len(names)},
    )


@transaction.atomic
def visit_amend(*, actor, visit: Visit, text: str, request=None) -> VisitAmendment:
    """Append a correction to a completed visit; what was sent stays readable as it was."""
    if visit.is_draft:
        raise ValidationError(_("Biên bản đang ghi: hãy sửa trực tiếp."))
    amendment = VisitAmendment(visit=visit, text=(text or "").strip(), made_by=actor)
    if len(amendment.text) > MAX_TEXT:
        raise ValidationError({"text": [_("Nội dung quá dài (tối đa 10.000 ký tự).")]})
    amendment.full_clean()
    amendment.save()
    audit.record(
        actor=actor,
        action="visits.visit_amend",
        obj=visit,
        org_unit=visit.school_id,
        request=request,
        extra={"amendment": amendment.pk},
    )
    with override("vi"):
        message = _("%(unit)s đã đính chính biên bản ngày %(day)s") % {
            "unit": visit.visiting_unit.name,
            "day": _d(visit.visited_on),
        }
    _on_commit_notify(
        users=_school_people(visit),
        kind=Kind.REMINDER,
        text=message,
        link=_link(visit),
        dedupe_key=f"visit_amend:{amendment.pk}",
    )
    return amendment


# --- Follow-up actions ------------------------------------------------------------------------


def _deadline_errors(visit: Visit, due_on: datetime.date | None, *, field="due_on") -> dict:
    if due_on is None:
        return {}
    earliest = visit.visited_on if visit.is_draft else timezone.localdate()
    latest = visit.visited_on + LONGEST_DEADLINE
    if not earliest <= due_on <= latest:
        return {
            field: [
                _("Hạn hoàn thành phải từ %(start)s đến %(end)s.")
                % {"start": _d(earliest), "end": _d(latest)}
            ]
        }
    return {}


@transaction.atomic
def action_create(
    *,
    actor,
    visit: Visit,
    description: str,
    due_on: datetime.date,
    owner_name: str = "",
    request=None,
) -> FollowUpAction:
    """Add a follow-up action the school must carry out by `due_on`."""
    visit = _visits_for_update().get(pk=visit.pk)
    action = FollowUpAction(
        visit=visit,
        description=(description or "").strip(),
        owner_name=(owner_name or "").strip(),
        due_on=due_on,
        created_by=actor,
    )
    errors = _deadline_errors(visit, due_on)
    if visit.actions.count() >= MAX_ACTIONS:
        errors.setdefault("__all__", []).append(
            _("Một đợt làm việc có tối đa %(n)s việc cần khắc phục.") % {"n": MAX_ACTIONS}
        )
    try:
        action.full_clean()
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    action.save()
    audit.record(
        actor=actor,
        action="visits.action_create",
        obj=action,
        org_unit=visit.school_id,
        request=request,
        extra={"visit": visit.pk, "due_on": due_on.isoformat()},
    )
    if not visit.is_draft:
        with override("vi"):
            text = _("Việc cần khắc phục mới sau đợt làm việc ngày %(day)s, hạn %(due)s") % {
                "day": _d(visit.visited_on),
                "due": _d(due_on),
            }
        _on_commit_notify(
            users=_school_people(visit),
            kind=Kind.REMINDER,
            text=text,
            link=_action_link(action),
            dedupe_key=f"visit_action_new:{action.pk}",
        )
    return action


@transaction.atomic
def action_delete(*, actor, action: FollowUpAction, request=None) -> None:
    """Remove an action from a draft (once sent, an action is verified, not deleted)."""
    visit = _visits_for_update().get(pk=action.visit_id)
    _locked(visit)
    pk = action.pk
    action.delete()
    audit.record(
        actor=actor,
        action="visits.action_delete",
        object_type="visits.followupaction",
        object_id=str(pk),
        org_unit=visit.school_id,
        request=request,
        extra={"visit": visit.pk},
    )


def _lock_action(action: FollowUpAction) -> FollowUpAction:
    # Locked so an answer and a verdict on the same action cannot cross.
    return (
        FollowUpAction.objects.select_for_update(of=("self",))
        .select_related("visit__visiting_unit", "visit__school", "visit__created_by")
        .get(pk=action.pk)
    )


def _event(action, kind: str, text: str, actor) -> ActionEvent:
    event = ActionEvent(action=action, kind=kind, text=text, made_by=actor)
    event.full_clean()
    event.save()
    return event


def _event_text(text: str, *, required_message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [required_message]})
    if len(text) > MAX_TEXT:
        raise ValidationError({"text": [_("Nội dung quá dài (tối đa 10.000 ký tự).")]})
    return text


@transaction.atomic
def action_answer(
    *, actor, action: FollowUpAction, text: str, files=(), request=None
) -> ActionEvent:
    """The school reports what it did, with files as evidence; the visitor is told."""
    action = _lock_action(action)
    if action.visit.is_draft:
        raise PermissionDenied
    if action.status not in (ActionStatus.OPEN, ActionStatus.REOPENED):
        raise ValidationError(
            _("Việc này đang ở trạng thái “%(status)s”: không cần báo cáo thêm.")
            % {"status": action.get_status_display()}
        )
    text = _event_text(text, required_message=_("Hãy ghi trường đã làm gì."))
    files = list(files)
    if len(files) > MAX_FILES:
        raise ValidationError(
            {"files": [_("Mỗi lần chỉ tải lên được tối đa %(n)s tệp.") % {"n": MAX_FILES}]}
        )
    checked, messages = [], []
    for upload in files:
        try:
            checked.append((upload, uploads.check_upload(upload)))
        except ValidationError as error:
            messages.extend(error.messages)
    if messages:
        raise ValidationError({"files": messages})
    event = _event(action, ActionEventKind.ANSWER, text, actor)
    action.status = ActionStatus.ANSWERED
    action.answered_at = timezone.now()
    action.save(update_fields=["status", "answered_at", "updated_at"])
    saved: list[str] = []
    try:
        stored = _store(ActionFile, checked, actor=actor, saved=saved, event=event)
        audit.record(
            actor=actor,
            action="visits.action_answer",
            obj=action,
            org_unit=action.visit.school_id,
            request=request,
            extra={"visit": action.visit_id, "files": [f.pk for f in stored]},
        )
    except BaseException:
        _forget(saved)
        raise
    with override("vi"):
        message = _("%(school)s đã báo cáo kết quả một việc cần khắc phục") % {
            "school": action.visit.school.name
        }
    _on_commit_notify(
        users=_visitors(action.visit),
        kind=Kind.REMINDER,
        text=message,
        link=_action_link(action),
        dedupe_key=f"visit_action_answer:{event.pk}",
    )
    return event


def _review(action: FollowUpAction) -> FollowUpAction:
    action = _lock_action(action)
    if action.status != ActionStatus.ANSWERED:
        raise ValidationError(
            _("Chỉ xác nhận hoặc trả lại được việc mà trường đã báo cáo kết quả.")
        )
    return action


@transaction.atomic
def action_verify(*, actor, action: FollowUpAction, comment: str = "", request=None) -> None:
    """The visitor accepts the school's answer: the action is done."""
    action = _review(action)
    comment = (comment or "").strip()[:MAX_TEXT] or _("Đã xác nhận hoàn thành.")
    _event(action, ActionEventKind.VERIFY, comment, actor)
    action.status = ActionStatus.VERIFIED
    action.verified_at = timezone.now()
    action.save(update_fields=["status", "verified_at", "updated_at"])
    audit.record(
        actor=actor,
        action="visits.action_verify",
        obj=action,
        org_unit=action.visit.school_id,
        request=request,
        extra={"visit": action.visit_id},
    )
    with override("vi"):
        message = _("%(unit)s đã xác nhận hoàn thành một việc cần khắc phục") % {
            "unit": action.visit.visiting_unit.name
        }
    _on_commit_notify(
        users=_school_people(action.visit),
        kind=Kind.REMINDER,
        text=message,
        link=_action_link(action),
        dedupe_key=f"visit_action_verify:{action.pk}:{action.verified_at.isoformat()}",
    )


@transaction.atomic
def action_reopen(
    *,
    actor,
    action: FollowUpAction,
    comment: str,
    due_on: datetime.date | None = None,
    request=None,
) -> None:
    """The visitor returns the answer with a comment (and, if they wish, a new deadline)."""
    action = _review(action)
    comment = _event_text(
        comment, required_message=_("Hãy ghi lý do trả lại để trường biết cần làm gì thêm.")
    )
    errors = _deadline_errors(action.visit, due_on)
    if errors:
        raise ValidationError(errors)
    event = _event(action, ActionEventKind.REOPEN, comment, actor)
    action.status = ActionStatus.REOPENED
    fields = ["status", "updated_at"]
    if due_on is not None and due_on != action.due_on:
        action.due_on = due_on
        fields.append("due_on")
    action.save(update_fields=fields)
    audit.record(
        actor=actor,
        action="visits.action_reopen",
        obj=action,
        org_unit=action.visit.school_id,
        request=request,
        extra={"visit": action.visit_id, "due_on": action.due_on.isoformat()},
    )
    with override("vi"):
        message = _("%(unit)s yêu cầu làm tiếp một việc cần khắc phục, hạn %(due)s") % {
            "unit": action.visit.visiting_unit.name,
            "due": _d(action.due_on),
        }
    _on_commit_notify(
        users=_school_people(action.visit),
        kind=Kind.REMINDER,
        text=message,
        link=_action_link(action),
        dedupe_key=f"visit_action_reopen:{event.pk}",
    )
