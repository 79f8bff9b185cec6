"""Writes of directives: issue (draft, then send), tasks, submissions, acceptance, reminders.

Each write is one transaction with one audit row (ids and codes only). Files are checked by their
content (core/uploads.py) before anything is written and removed from the disk if the
transaction fails. Notifications say only that a task waits or a report arrived, with a link.

Decisions (docs/directives.md):
- a directive is prepared as a draft (details, letter, recipients, tasks), then sent; once sent,
  its recipients are fixed, tasks may still be added (their units are told), none removed;
- sending needs the letter (PDF or Word) and at least one recipient;
- a recipient may send a corrected report until the issuer accepts it; each submission is kept
  (history), the last is the current one, and timeliness is that of the first;
- the issuer's "remind now" works once a day per assignment; automatic reminders go 3 days
  before the deadline, on the day, and 1 and 7 days after it for units that sent nothing.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from diemtua.accounts.models import Membership
from diemtua.audit import services as audit
from diemtua.core import uploads
from diemtua.core.text import fold
from diemtua.notifications.models import Kind
from diemtua.notifications.services import notify
from diemtua.orgs.models import OrgUnit, OrgUnitAncestor

from . import access
from .models import (
    Assignment,
    Directive,
    DirectiveDocument,
    DirectiveStatus,
    Recipient,
    Submission,
    SubmissionFile,
    Task,
)

EARLIEST = datetime.date(2015, 1, 1)
# A task runs for at most three years from the letter: more is a typo (2205 for 2025).
MAX_TASK_SPAN = datetime.timedelta(days=3 * 366)
DOCUMENT_KINDS = frozenset({"pdf", "docx"})
SUBMISSION_KINDS = frozenset({"pdf", "docx", "xlsx"})
UPLOAD_FOLDER = "directives"
DIRECTIVE_FIELDS = ("number_symbol", "issued_on", "subject", "issuer_name", "summary", "program")
# Automatic reminder stages: days before (+) or after (−) the deadline.
STAGES = {3: "before", 0: "due", -1: "late1", -7: "late7"}


def _d(day: datetime.date) -> str:
    return formats.date_format(day, "d/m/Y")


# --- People to tell ---------------------------------------------------------------------------


def people_of(units: list[OrgUnit]) -> dict[int, list]:
    """unit pk → active people who answer for it (a merged unit: its successor's), one query."""
    targets: dict[int, int] = {}
    for unit in units:
        targets[unit.pk] = unit.successor_id or unit.pk
    rows = Membership.objects.filter(
        org_unit_id__in=set(targets.values()), user__is_active=True
    ).select_related("user", "org_unit")
    by_unit: dict[int, list] = {}
    for m in rows:
        by_unit.setdefault(m.org_unit_id, []).append(m)
    people = {}
    for unit in units:
        target = targets[unit.pk]
        allowed = access.SUBMIT_ROLES.get(unit.kind, set())
        people[unit.pk] = [m.user for m in by_unit.get(target, []) if m.role in allowed]
    return people


def _officers_of(directive: Directive) -> list:
    role = access.OWNER_ROLE_AT.get(directive.owner.kind)
    return [
        m.user
        for m in Membership.objects.filter(
            org_unit_id=directive.owner_id, role=role, user__is_active=True
        ).select_related("user")
    ]


def _tell_assignments(assignments: list[Assignment], text_for, dedupe: str) -> int:
    people = people_of([a.unit for a in assignments])
    sent = 0
    for a in assignments:
        sent += len(
            notify(
                users=people.get(a.unit_id, []),
                kind=Kind.REMINDER,
                text=text_for(a),
                link=reverse("directive_assignment", kwargs={"pk": a.pk}),
                dedupe_key=f"{dedupe}:{a.pk}",
            )
        )
    return sent


# --- Directives -------------------------------------------------------------------------------


def _check_document(document) -> uploads.FileKind | None:
    if document is None:
        return None
    try:
        return uploads.check_upload(document, allowed=DOCUMENT_KINDS)
    except ValidationError as error:
        raise ValidationError({"document": error.messages}) from None


def _store_document(directive: Directive, document, kind, *, actor, saved: list[str]) -> None:
    name = uploads.store(document, folder=UPLOAD_FOLDER, kind=kind)
    saved.append(name)
    old = DirectiveDocument.objects.filter(directive=directive).first()
    if old is not None:
        old_name = old.stored_name
        old.delete()
        transaction.on_commit(lambda: uploads.delete(old_name))
    row = DirectiveDocument(
        directive=directive,
        stored_name=name,
        original_name=uploads.clean_name(document.name),
        file_kind=kind.code,
        content_type=kind.content_type,
        size=document.size,
        uploaded_by=actor,
    )
    row.full_clean()
    row.save()


def _forget(names) -> None:
    for name in names:
        uploads.delete(name)


def _rule_errors(directive: Directive, recipients: list[OrgUnit] | None) -> dict:
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if directive.issued_on and not EARLIEST <= directive.issued_on <= today:
        errors.setdefault("issued_on", []).append(
            _("Ngày ban hành phải từ %(start)s đến hôm nay (%(today)s).")
            % {"start": _d(EARLIEST), "today": _d(today)}
        )
    if directive.program_id:
        above = OrgUnitAncestor.objects.filter(
            descendant_id=directive.owner_id, ancestor_id=directive.program.owner_id
        ).exists()
        if not above:
            errors.setdefault("program", []).append(
                _("Chỉ gắn được với chương trình của đơn vị mình hoặc cấp trên.")
            )
    if recipients is not None and directive.issued_on:
        inside = set(
            OrgUnitAncestor.objects.filter(
                ancestor_id=directive.owner_id,
                descendant__in=recipients,
                descendant__kind__in=list(access.RECIPIENT_KINDS),
                depth__gte=1,
            ).values_list("descendant_id", flat=True)
        )
        for unit in recipients:
            if unit.pk not in inside:
                errors.setdefault("recipients", []).append(
                    _("%(unit)s không thuộc %(owner)s nên không nhận được công văn này.")
                    % {"unit": unit.name, "owner": directive.owner.name}
                )
            elif (unit.valid_to and unit.valid_to < directive.issued_on) or (
                unit.valid_from and unit.valid_from > directive.issued_on
            ):
                errors.setdefault("recipients", []).append(
                    _("%(unit)s không còn hoạt động vào ngày %(day)s.")
                    % {"unit": unit.name, "day": _d(directive.issued_on)}
                )
    return errors


def _validate(directive: Directive, recipients, document) -> uploads.FileKind | None:
    errors = _rule_errors(directive, recipients)
    try:
        directive.full_clean(exclude=["created_by"] if not directive.created_by_id else None)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    try:
        kind = _check_document(document)
    except ValidationError as error:
        errors.setdefault("document", []).extend(error.message_dict["document"])
        kind = None
    if errors:
        raise ValidationError(errors)
    return kind


@transaction.atomic
def directive_create(
    *,
    actor,
    owner: OrgUnit,
    number_symbol: str,
    issued_on: datetime.date,
    subject: str,
    issuer_name: str = "",
    summary: str = "",
    program=None,
    document=None,
    recipients=(),
    request=None,
) -> Directive:
    """Record a directive of `owner` (a unit where the actor is its officer) as a draft."""
    if owner not in access.owner_units(actor):
        raise PermissionDenied
    directive = Directive(
        owner=owner,
        created_by=actor,
        number_symbol=(number_symbol or "").strip(),
        issued_on=issued_on,
        subject=(subject or "").strip(),
        issuer_name=(issuer_name or "").strip(),
        summary=(summary or "").strip(),
        program=program,
    )
    directive.search_text = fold(f"{directive.number_symbol} {directive.subject}")[:600]
    recipients = list({u.pk: u for u in recipients}.values())
    kind = _validate(directive, recipients, document)
    saved: list[str] = []
    try:
        directive.save()
        Recipient.objects.bulk_create([Recipient(directive=directive, unit=u) for u in recipients])
        if document is not None:
            _store_document(directive, document, kind, actor=actor, saved=saved)
        audit.record(
            actor=actor,
            action="directives.directive_create",
            obj=directive,
            org_unit=owner,
            request=request,
            extra={"recipients": len(recipients), "document": document is not None},
        )
    except BaseException:
        _forget(saved)
        raise
    return directive


@transaction.atomic
def directive_update(
    *, actor, directive: Directive, recipients=None, document=None, request=None, **changes
) -> Directive:
    """Change a directive's details or letter; its recipients only while it is a draft."""
    unknown = set(changes) - set(DIRECTIVE_FIELDS)
    if unknown:
        raise TypeError(f"directive_update: unknown fields {sorted(unknown)}")
    directive = (
        Directive.objects.select_for_update(of=("self",))
        .select_related("owner")
        .get(pk=directive.pk)
    )
    if not access.can_manage(actor, directive):
        raise PermissionDenied
    for text in ("number_symbol", "subject", "issuer_name", "summary"):
        if text in changes:
            changes[text] = (changes[text] or "").strip()
    changed = [f for f in DIRECTIVE_FIELDS if f in changes and getattr(directive, f) != changes[f]]
    for name in changed:
        setattr(directive, name, changes[name])
    directive.search_text = fold(f"{directive.number_symbol} {directive.subject}")[:600]
    current = set(directive.recipients.values_list("unit_id", flat=True))
    new_recipients = None
    if recipients is not None:
        new_recipients = list({u.pk: u for u in recipients}.values())
        if {u.pk for u in new_recipients} == current:
            new_recipients = None
        elif not directive.is_draft:
            raise ValidationError({"recipients": [_("Công văn đã gửi: không đổi được nơi nhận.")]})
    units = new_recipients
    if units is None and "issued_on" in changed:
        units = list(OrgUnit.objects.filter(pk__in=current))
    kind = _validate(directive, units, document)
    if new_recipients is not None:
        kept = {u.pk for u in new_recipients}
        if Assignment.objects.filter(task__directive=directive).exclude(unit_id__in=kept).exists():
            raise ValidationError(
                {
                    "recipients": [
                        _("Có nhiệm vụ đang giao cho đơn vị bị bỏ ra; hãy xóa nhiệm vụ đó trước.")
                    ]
                }
            )
    if not (changed or new_recipients is not None or document is not None):
        return directive
    saved: list[str] = []
    try:
        if changed:
            directive.save(update_fields=[*changed, "search_text", "updated_at"])
        if new_recipients is not None:
            directive.recipients.exclude(unit_id__in=[u.pk for u in new_recipients]).delete()
            Recipient.objects.bulk_create(
                [
                    Recipient(directive=directive, unit=u)
                    for u in new_recipients
                    if u.pk not in current
                ]
            )
        if document is not None:
            _store_document(directive, document, kind, actor=actor, saved=saved)
        names = changed + ["recipients"] * (new_recipients is not None)
        names += ["document"] * (document is not None)
        audit.record(
            actor=actor,
            action="directives.directive_update",
            obj=directive,
            org_unit=directive.owner_id,
            request=request,
            extra={"changed": sorted(names)},
        )
    except BaseException:
        _forget(saved)
        raise
    return directive


@transaction.atomic
def directive_send(*, actor, directive: Directive, request=None) -> Directive:
    """Send a draft: its recipients see their tasks and are told (on commit)."""
    # Locked: two clicks must not send (and notify) twice.
    directive = (
        Directive.objects.select_for_update(of=("self",))
        .select_related("owner")
        .get(pk=directive.pk)
    )
    if not access.can_manage(actor, directive):
        raise PermissionDenied
    if not directive.is_draft:
        raise ValidationError(_("Công văn này đã được gửi."))
    problems = []
    if not DirectiveDocument.objects.filter(directive=directive).exists():
        problems.append(_("Chưa đính kèm văn bản (PDF hoặc Word)."))
    if not directive.recipients.exists():
        problems.append(_("Chưa chọn nơi nhận."))
    if problems:
        raise ValidationError(problems)
    directive.status = DirectiveStatus.SENT
    directive.sent_at = timezone.now()
    directive.full_clean()
    directive.save(update_fields=["status", "sent_at", "updated_at"])
    assignments = Assignment.objects.filter(task__directive=directive).count()
    audit.record(
        actor=actor,
        action="directives.directive_send",
        obj=directive,
        org_unit=directive.owner_id,
        request=request,
        extra={"recipients": directive.recipients.count(), "assignments": assignments},
    )
    pk = directive.pk
    transaction.on_commit(lambda: notify_new_tasks(directive_id=pk))
    return directive


def notify_new_tasks(*, directive_id: int, task_id: int | None = None) -> int:
    """Tell each recipient unit's people about their tasks (idempotent: one key per task)."""
    directive = Directive.objects.filter(pk=directive_id, status=DirectiveStatus.SENT).first()
    if directive is None:
        return 0
    # A directive recorded after the fact (its deadlines passed) tells nobody.
    assignments = Assignment.objects.filter(
        task__directive=directive, task__deadline__gte=timezone.localdate()
    ).select_related("unit", "task")
    if task_id is not None:
        assignments = assignments.filter(task_id=task_id)
    with override("vi"):
        template = _("Công văn %(number)s giao nhiệm vụ, hạn %(date)s: %(subject)s")

        def text(a):
            return template % {
                "number": directive.number_symbol,
                "date": _d(a.task.deadline),
                "subject": directive.subject,
            }

        return _tell_assignments(list(assignments), text, "directive_new")


# --- Tasks ------------------------------------------------------------------------------------


@transaction.atomic
def task_create(
    *,
    actor,
    directive: Directive,
    description: str,
    deadline: datetime.date,
    units=None,
    request=None,
) -> Task:
    """Add a task with its deadline, given to `units` (default: every recipient)."""
    directive = (
        Directive.objects.select_for_update(of=("self",))
        .select_related("owner")
        .get(pk=directive.pk)
    )
    if not access.can_manage(actor, directive):
        raise PermissionDenied
    recipients = {r.unit_id: r.unit for r in directive.recipients.select_related("unit")}
    chosen = list(recipients.values()) if units is None else list({u.pk: u for u in units}.values())
    errors: dict[str, list[str]] = {}
    if not recipients:
        errors["units"] = [_("Công văn chưa có nơi nhận: hãy chọn nơi nhận trước.")]
    elif not chosen:
        errors["units"] = [_("Hãy chọn ít nhất một đơn vị được giao nhiệm vụ.")]
    elif any(u.pk not in recipients for u in chosen):
        errors["units"] = [_("Chỉ giao nhiệm vụ cho các đơn vị nhận công văn.")]
    if deadline:
        if deadline < directive.issued_on:
            errors.setdefault("deadline", []).append(
                _("Hạn không được trước ngày ban hành (%(day)s).")
                % {"day": _d(directive.issued_on)}
            )
        elif deadline > directive.issued_on + MAX_TASK_SPAN:
            errors.setdefault("deadline", []).append(
                _("Hạn không quá 3 năm kể từ ngày ban hành; hãy kiểm tra lại năm.")
            )
        elif not directive.is_draft and deadline < timezone.localdate():
            errors.setdefault("deadline", []).append(
                _("Công văn đã gửi: hạn của nhiệm vụ mới không được trước hôm nay.")
            )
    task = Task(directive=directive, description=(description or "").strip(), deadline=deadline)
    try:
        task.full_clean()
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    task.save()
    Assignment.objects.bulk_create([Assignment(task=task, unit=u) for u in chosen])
    audit.record(
        actor=actor,
        action="directives.task_create",
        obj=task,
        org_unit=directive.owner_id,
        request=request,
        extra={"directive": directive.pk, "units": len(chosen), "deadline": deadline.isoformat()},
    )
    if not directive.is_draft:
        ids = (directive.pk, task.pk)
        transaction.on_commit(lambda: notify_new_tasks(directive_id=ids[0], task_id=ids[1]))
    return task


@transaction.atomic
def task_delete(*, actor, task: Task, request=None) -> None:
    """Remove a task of a draft (a sent one stays: its recipients were told)."""
    directive = Directive.objects.select_for_update(of=("self",)).get(pk=task.directive_id)
    if not access.can_manage(actor, directive):
        raise PermissionDenied
    if not directive.is_draft:
        raise ValidationError(_("Công văn đã gửi: không xóa được nhiệm vụ đã giao."))
    pk = task.pk
    units = task.assignments.count()
    task.delete()
    audit.record(
        actor=actor,
        action="directives.task_delete",
        object_type="directives.task",
        object_id=str(pk),
        org_unit=directive.owner_id,
        request=request,
        extra={"directive": directive.pk, "units": units},
    )


# --- Submissions ------------------------------------------------------------------------------


def submit_refusal(assignment: Assignment) -> str:
    """Why the recipient may not submit now ("" when they may)."""
    if assignment.task.directive.status != DirectiveStatus.SENT:
        return _("Công văn chưa được gửi.")
    if assignment.accepted_at is not None:
        return _(
            "Đơn vị ban hành đã tiếp nhận báo cáo lúc %(at)s; không gửi lại được nữa. Nếu cần "
            "bổ sung, hãy liên hệ đơn vị ban hành."
        ) % {"at": formats.date_format(timezone.localtime(assignment.accepted_at), "H:i d/m/Y")}
    return ""


@transaction.atomic
def submission_create(
    *, actor, assignment: Assignment, note: str = "", file=None, request=None
) -> Submission:
    """A recipient's report (note and/or document); a later one, before acceptance, replaces
    it as the current report and the earlier one is kept."""
    # Locked: two colleagues submitting at once must both be recorded in order, not interleave.
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("task__directive__owner", "unit")
        .get(pk=assignment.pk)
    )
    if not access.may_submit(actor, assignment):
        raise PermissionDenied
    refusal = submit_refusal(assignment)
    if refusal:
        raise ValidationError(refusal, code="refused")
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    kind = None
    if file is not None:
        try:
            kind = uploads.check_upload(file, allowed=SUBMISSION_KINDS)
        except ValidationError as error:
            errors["file"] = error.messages
    if not note and file is None:
        errors.setdefault("note", []).append(
            _("Hãy ghi kết quả thực hiện hoặc đính kèm tệp báo cáo.")
        )
    now = timezone.now()
    submission = Submission(assignment=assignment, note=note, submitted_at=now, submitted_by=actor)
    try:
        submission.full_clean()
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    saved: list[str] = []
    try:
        submission.save()
        if file is not None:
            name = uploads.store(file, folder=UPLOAD_FOLDER, kind=kind)
            saved.append(name)
            stored = SubmissionFile(
                submission=submission,
                stored_name=name,
                original_name=uploads.clean_name(file.name),
                file_kind=kind.code,
                content_type=kind.content_type,
                size=file.size,
                uploaded_by=actor,
            )
            stored.full_clean()
            stored.save()
        first = assignment.submitted_at is None
        assignment.current = submission
        fields = ["current", "updated_at"]
        if first:
            assignment.submitted_at = now
            assignment.submitted_on = timezone.localdate(now)
            fields += ["submitted_at", "submitted_on"]
        assignment.save(update_fields=fields)
        audit.record(
            actor=actor,
            action="directives.submission_create",
            obj=submission,
            org_unit=assignment.unit_id,
            request=request,
            extra={
                "assignment": assignment.pk,
                "directive": assignment.task.directive_id,
                "file": file is not None,
                "correction": not first,
                "late": timezone.localdate(assignment.submitted_at) > assignment.task.deadline,
            },
        )
    except BaseException:
        _forget(saved)
        raise
    directive, unit_name, correction = assignment.task.directive, assignment.unit.name, not first
    transaction.on_commit(
        lambda: _tell_issuer(directive, unit_name, submission.pk, correction=correction)
    )
    return submission


def _tell_issuer(directive: Directive, unit_name: str, submission_id: int, *, correction) -> None:
    submitted = Submission.objects.filter(pk=submission_id).values_list("submitted_at", flat=True)
    when = submitted.first()
    if when is None or when < timezone.now() - datetime.timedelta(days=1):
        return  # a report recorded after the fact (a demo or an import) is no news
    with override("vi"):
        template = (
            _("%(unit)s gửi lại báo cáo (bản sửa) theo công văn %(number)s")
            if correction
            else _("%(unit)s đã nộp báo cáo theo công văn %(number)s")
        )
        text = template % {"unit": unit_name, "number": directive.number_symbol}
    notify(
        users=_officers_of(directive),
        kind=Kind.REMINDER,
        text=text,
        link=reverse("directive_detail", kwargs={"pk": directive.pk}),
        dedupe_key=f"directive_submission:{submission_id}",
    )


@transaction.atomic
def assignment_accept(*, actor, assignment: Assignment, request=None) -> Assignment:
    """The issuer takes the current report as final (no more corrections)."""
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("task__directive__owner", "unit")
        .get(pk=assignment.pk)
    )
    if not access.can_manage(actor, assignment.task.directive):
        raise PermissionDenied
    if assignment.current_id is None:
        raise ValidationError(_("Đơn vị chưa nộp báo cáo, chưa có gì để tiếp nhận."))
    if assignment.accepted_at is not None:
        raise ValidationError(_("Báo cáo này đã được tiếp nhận."))
    assignment.accepted_at = timezone.now()
    assignment.accepted_by = actor
    assignment.full_clean()
    assignment.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    audit.record(
        actor=actor,
        action="directives.assignment_accept",
        obj=assignment,
        org_unit=assignment.task.directive.owner_id,
        request=request,
        extra={"submission": assignment.current_id, "unit": assignment.unit_id},
    )
    return assignment


# --- Reminders --------------------------------------------------------------------------------


def _reminder_text(assignment: Assignment, stage: str) -> str:
    directive, task = assignment.task.directive, assignment.task
    values = {"number": directive.number_symbol, "date": _d(task.deadline)}
    with override("vi"):
        if stage in ("late1", "late7"):
            text = _("Quá hạn %(date)s, chưa nộp báo cáo theo công văn %(number)s")
        elif stage == "due":
            text = _("Hôm nay (%(date)s) là hạn báo cáo theo công văn %(number)s")
        else:
            text = _("Nhắc: hạn báo cáo %(date)s theo công văn %(number)s")
        return text % values


@transaction.atomic
def assignment_remind(*, actor, assignment: Assignment, request=None) -> int:
    """The issuer's "remind now" for one unit: once a day; returns how many people were told."""
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("task__directive__owner", "unit")
        .get(pk=assignment.pk)
    )
    if not access.can_manage(actor, assignment.task.directive):
        raise PermissionDenied
    now = timezone.now()
    today = timezone.localdate(now)
    if assignment.task.directive.status != DirectiveStatus.SENT:
        raise ValidationError(_("Công văn chưa được gửi."))
    if assignment.submitted_at is not None:
        raise ValidationError(_("Đơn vị đã nộp báo cáo, không cần nhắc."))
    if assignment.manual_reminded_on == today:
        raise ValidationError(
            _("Hôm nay đã nhắc đơn vị này. Mỗi ngày chỉ nhắc một lần; ngày mai nhắc lại được.")
        )
    stage = "manual"
    sent = _tell_assignments(
        [assignment],
        lambda a: _reminder_text(a, "late1" if today > a.task.deadline else stage),
        f"directive_remind:manual:{today.isoformat()}",
    )
    assignment.manual_reminded_on = today
    assignment.last_reminded_at = now
    assignment.save(update_fields=["manual_reminded_on", "last_reminded_at", "updated_at"])
    audit.record(
        actor=actor,
        action="directives.assignment_remind",
        obj=assignment,
        org_unit=assignment.task.directive.owner_id,
        request=request,
        extra={"stage": stage, "people": sent},
    )
    return sent


def send_due_reminders(*, today: datetime.date | None = None) -> int:
    """Automatic reminders of the day (the Celery task): for each unit that has sent nothing,
    3 days before the deadline, on the day, and 1 and 7 days after it. The issuer's officers
    learn the day after the deadline how many units are missing. Idempotent: every
    notification carries a dedupe key per stage, so reruns send nothing twice."""
    today = today or timezone.localdate()
    days = {today + datetime.timedelta(days=offset): stage for offset, stage in STAGES.items()}
    due = list(
        Assignment.objects.filter(
            submitted_at__isnull=True,
            task__deadline__in=list(days),
            task__directive__status=DirectiveStatus.SENT,
        ).select_related("task__directive__owner", "unit")
    )
    if not due:
        return 0
    sent = 0
    now = timezone.now()
    for stage in set(days.values()):
        batch = [a for a in due if days[a.task.deadline] == stage]
        if batch:
            sent += _tell_assignments(
                batch, lambda a, s=stage: _reminder_text(a, s), f"directive_remind:{stage}"
            )
    Assignment.objects.filter(pk__in=[a.pk for a in due]).update(last_reminded_at=now)
    _tell_issuers_missing([a for a in due if days[a.task.deadline] == "late1"])
    audit.record(
        actor=None,
        action="directives.reminders_send",
        reason="directives.send_reminders",
        extra={"assignments": len(due), "notifications": sent, "day": today.isoformat()},
    )
    return sent


def _tell_issuers_missing(missing: list[Assignment]) -> None:
    by_task: dict[int, list[Assignment]] = {}
    for a in missing:
        by_task.setdefault(a.task_id, []).append(a)
    for rows in by_task.values():
        directive = rows[0].task.directive
        with override("vi"):
            text = _("Quá hạn %(date)s, %(n)s đơn vị chưa nộp báo cáo theo công văn %(number)s") % {
                "date": _d(rows[0].task.deadline),
                "n": len(rows),
                "number": directive.number_symbol,
            }
        notify(
            users=_officers_of(directive),
            kind=Kind.REMINDER,
            text=text,
            link=reverse("directive_detail", kwargs={"pk": directive.pk}) + "?status=missing",
            dedupe_key=f"directive_missing:{rows[0].task_id}",
        )
