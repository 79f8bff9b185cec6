"""Writes of budget lines and their attachments: one transaction, one audit row each.

Amounts are not personal data: a change is audited with the old and the new value of every
amount that moved, so the trail answers "who raised the estimate, from what to what".
"""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diemtua.audit import services as audit
from diemtua.core import uploads
from diemtua.core.text import fold

from . import access
from .models import FIRST_YEAR, BudgetAttachment, BudgetLine

LINE_FIELDS = (
    "program",
    "fiscal_year",
    "source",
    "source_detail",
    "purpose",
    "title",
    "planned",
    "committed",
    "spent",
    "over_reason",
    "note",
)
AMOUNTS = ("planned", "committed", "spent")
TEXTS = ("source_detail", "title", "over_reason", "note")
# Estimates, contracts, settlements, sponsors' letters, photos of what was bought.
ALLOWED_FILES = frozenset({"pdf", "docx", "xlsx", "jpeg", "png", "webp"})
MAX_FILES = 10
MAX_ATTACHMENTS = 30
UPLOAD_FOLDER = "funding"
# A budget is planned at most two years ahead.
YEARS_AHEAD = 2


def _money(value) -> str:
    return f"{int(value):,}".replace(",", ".")


def _rule_errors(line: BudgetLine) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    last_year = timezone.localdate().year + YEARS_AHEAD
    if line.fiscal_year and not FIRST_YEAR <= line.fiscal_year <= last_year:
        add(
            "fiscal_year",
            _("Năm ngân sách phải từ %(first)s đến %(last)s.")
            % {"first": FIRST_YEAR, "last": last_year},
        )
    program = line.program
    if program is not None and line.unit_id:
        from .selectors import programs_for_unit

        if not programs_for_unit(line.unit).filter(pk=program.pk).exists():
            add(
                "program",
                _("%(unit)s không tham gia chương trình “%(program)s”.")
                % {"unit": line.unit.name, "program": program.title},
            )
    if (
        program is not None
        and line.fiscal_year
        and not program.starts_on.year <= line.fiscal_year <= program.ends_on.year
    ):
        add(
            "fiscal_year",
            _(
                "Chương trình “%(program)s” chạy từ %(start)s đến %(end)s: năm ngân sách "
                "phải nằm trong khoảng đó."
            )
            % {
                "program": program.title,
                "start": program.starts_on.strftime("%d/%m/%Y"),
                "end": program.ends_on.strftime("%d/%m/%Y"),
            },
        )
    for field in AMOUNTS:
        value = getattr(line, field)
        if value is None:
            setattr(line, field, Decimal(0))
        elif value < 0:
            add(field, _("Số tiền không được âm."))
    if not line.over_reason:
        if (
            line.committed is not None
            and line.planned is not None
            and line.committed > line.planned
        ):
            add(
                "over_reason",
                _(
                    "Số đã cam kết (%(committed)s đ) lớn hơn dự toán (%(planned)s đ): hãy ghi lý "
                    "do (ví dụ: dự toán bổ sung đang chờ phê duyệt)."
                )
                % {"committed": _money(line.committed), "planned": _money(line.planned)},
            )
        if line.spent is not None and line.committed is not None and line.spent > line.committed:
            add(
                "over_reason",
                _(
                    "Số đã chi (%(spent)s đ) lớn hơn số đã cam kết (%(committed)s đ): hãy ghi lý "
                    "do (ví dụ: tạm ứng chờ quyết toán)."
                )
                % {"spent": _money(line.spent), "committed": _money(line.committed)},
            )
    return errors


def _file_kinds(files, *, already: int = 0) -> tuple[list, list[str]]:
    checked, messages = [], []
    if len(files) > MAX_FILES:
        return [], [
            _("Mỗi lần chỉ tải lên được tối đa %(n)s tệp; bạn đã chọn %(count)s tệp.")
            % {"n": MAX_FILES, "count": len(files)}
        ]
    if already + len(files) > MAX_ATTACHMENTS:
        return [], [_("Một dòng kinh phí có tối đa %(n)s tệp đính kèm.") % {"n": MAX_ATTACHMENTS}]
    for upload in files:
        try:
            checked.append((upload, uploads.check_upload(upload, allowed=ALLOWED_FILES)))
        except ValidationError as error:
            messages.extend(error.messages)
    return checked, messages


def _validate(line: BudgetLine, files, *, already: int = 0) -> list:
    errors = _rule_errors(line)
    try:
        line.full_clean(validate_constraints=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    checked, file_errors = _file_kinds(files, already=already)
    if file_errors:
        errors["files"] = file_errors
    if errors:
        raise ValidationError(errors)
    return checked


def _store(line: BudgetLine, checked, *, actor, saved: list[str]) -> list[BudgetAttachment]:
    rows = []
    for upload, kind in checked:
        name = uploads.store(upload, folder=UPLOAD_FOLDER, kind=kind)
        saved.append(name)
        attachment = BudgetAttachment(
            line=line,
            stored_name=name,
            original_name=uploads.clean_name(upload.name),
            file_kind=kind.code,
            content_type=kind.content_type,
            size=upload.size,
            uploaded_by=actor,
        )
        attachment.full_clean()
        attachment.save()
        rows.append(attachment)
    return rows


def _forget(names) -> None:
    for name in names:
        uploads.delete(name)


@transaction.atomic
def budget_line_create(
    *,
    actor,
    unit,
    fiscal_year: int,
    source: str,
    purpose: str,
    title: str,
    planned: Decimal = Decimal(0),
    committed: Decimal = Decimal(0),
    spent: Decimal = Decimal(0),
    program=None,
    source_detail: str = "",
    over_reason: str = "",
    note: str = "",
    files=(),
    request=None,
) -> BudgetLine:
    """Record a line of `unit`, which must be one the actor manages (access.can_manage)."""
    if actor is not None and not access.can_manage(actor, unit):
        raise PermissionDenied
    line = BudgetLine(
        unit=unit,
        program=program,
        fiscal_year=fiscal_year,
        source=source,
        source_detail=source_detail.strip(),
        purpose=purpose,
        title=title.strip(),
        planned=planned,
        committed=committed,
        spent=spent,
        over_reason=over_reason.strip(),
        note=note.strip(),
        created_by=actor,
    )
    line.search_title = fold(line.title)
    checked = _validate(line, list(files))
    saved: list[str] = []
    try:
        line.save()
        attachments = _store(line, checked, actor=actor, saved=saved)
        audit.record(
            actor=actor,
            action="funding.budget_line_create",
            obj=line,
            org_unit=line.unit_id,
            request=request,
            extra={
                "fiscal_year": line.fiscal_year,
                "source": line.source,
                "purpose": line.purpose,
                "program": line.program_id,
                "amounts": {f: str(int(getattr(line, f))) for f in AMOUNTS},
                "attachments": [a.pk for a in attachments],
            },
        )
    except BaseException:
        _forget(saved)
        raise
    return line


@transaction.atomic
def budget_line_update(*, actor, line: BudgetLine, files=(), request=None, **changes) -> BudgetLine:
    """Change a line's fields and add files; amounts that moved are audited old → new."""
    unknown = set(changes) - set(LINE_FIELDS)
    if unknown:
        raise TypeError(f"budget_line_update: unknown fields {sorted(unknown)}")
    # Locked: two officers correcting the same line must not lose each other's old values.
    line = (
        BudgetLine.objects.select_for_update(of=("self",))
        .select_related("unit", "unit__successor", "program")
        .get(pk=line.pk)
    )
    if actor is not None and not access.can_manage(actor, line.unit):
        raise PermissionDenied
    for text in TEXTS:
        if text in changes and changes[text] is not None:
            changes[text] = changes[text].strip()
    for amount in AMOUNTS:
        if amount in changes and changes[amount] is None:
            changes[amount] = Decimal(0)
    old = {f: getattr(line, f) for f in LINE_FIELDS}
    changed = [f for f in LINE_FIELDS if f in changes and old[f] != changes[f]]
    for field in changed:
        setattr(line, field, changes[field])
    line.search_title = fold(line.title)
    files = list(files)
    checked = _validate(line, files, already=line.attachments.count())
    if not (changed or files):
        return line
    saved: list[str] = []
    try:
        if changed:
            line.save(update_fields=[*changed, "search_title", "updated_at"])
        attachments = _store(line, checked, actor=actor, saved=saved)
        audit.record(
            actor=actor,
            action="funding.budget_line_update",
            obj=line,
            org_unit=line.unit_id,
            request=request,
            extra={
                "changed": sorted(changed),
                "amounts": {
                    f: [str(int(old[f])), str(int(getattr(line, f)))]
                    for f in AMOUNTS
                    if f in changed
                },
                "attachments": [a.pk for a in attachments],
            },
        )
    except BaseException:
        _forget(saved)
        raise
    return line


@transaction.atomic
def budget_attachment_delete(*, actor, attachment: BudgetAttachment, request=None) -> None:
    name, pk, line = attachment.stored_name, attachment.pk, attachment.line
    attachment.delete()
    transaction.on_commit(lambda: uploads.delete(name))
    audit.record(
        actor=actor,
        action="funding.attachment_delete",
        object_type="funding.budgetattachment",
        object_id=str(pk),
        org_unit=line.unit_id,
        request=request,
        extra={"line": line.pk, "file_kind": attachment.file_kind},
    )


def fiscal_years_around(today: datetime.date | None = None) -> list[int]:
    today = today or timezone.localdate()
    return list(range(today.year + YEARS_AHEAD, FIRST_YEAR - 1, -1))
