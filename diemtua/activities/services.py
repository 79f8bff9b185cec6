"""Writes of activities and their attachments. Each is one transaction with one audit row
(ids and codes only). Files are checked by their content (core/uploads.py) before anything is
written, and removed from the disk once a deletion has committed."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diemtua.audit import services as audit
from diemtua.core import uploads
from diemtua.core.text import fold
from diemtua.orgs.models import OrgKind, SchoolLevel

from . import access
from .models import CAMPAIGN_KINDS, SPAN_KINDS, Activity, Attachment

ACTIVITY_FIELDS = (
    "kind",
    "title",
    "held_on",
    "end_on",
    "target_group",
    "male_count",
    "female_count",
    "primary_count",
    "lower_secondary_count",
    "upper_secondary_count",
    "reach",
    "reach_measure",
    "partners_other",
    "description",
)
LEVEL_FIELDS = {
    SchoolLevel.PRIMARY: "primary_count",
    SchoolLevel.LOWER_SECONDARY: "lower_secondary_count",
    SchoolLevel.UPPER_SECONDARY: "upper_secondary_count",
}
# Files per save: a handful of photos and the slides; more is almost always a wrong selection.
MAX_FILES = 10
MAX_ATTACHMENTS = 30
# Records go back to the first school-counseling circular's era; a plan may look a year ahead.
EARLIEST = datetime.date(2015, 1, 1)
PLAN_AHEAD = datetime.timedelta(days=366)
UPLOAD_FOLDER = "activities"


def _d(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def _rule_errors(activity: Activity, content_groups, *, actor) -> dict[str, list[str]]:
    """The rules an activity keeps, as field → messages (several may fail at once)."""
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    if actor is not None:
        allowed = access.kinds_allowed(access.roles_at(actor, activity.org_unit_id))
        if not allowed:
            raise PermissionDenied
        if activity.kind and activity.kind not in allowed:
            add("kind", _("Giáo viên ghi được tiết học, sinh hoạt lớp và họp cha mẹ học sinh."))
    today = timezone.localdate()
    if activity.held_on and not EARLIEST <= activity.held_on <= today + PLAN_AHEAD:
        add(
            "held_on",
            _("Ngày tổ chức phải từ %(start)s đến %(end)s.")
            % {"start": _d(EARLIEST), "end": _d(today + PLAN_AHEAD)},
        )
    if activity.end_on:
        if activity.kind and activity.kind not in SPAN_KINDS:
            add("end_on", _("Chỉ chiến dịch truyền thông và câu lạc bộ có ngày kết thúc."))
        elif activity.held_on and activity.end_on < activity.held_on:
            add(
                "end_on",
                _("Ngày kết thúc (%(end)s) không được trước ngày bắt đầu (%(start)s).")
                % {"end": _d(activity.end_on), "start": _d(activity.held_on)},
            )
    if activity.kind in CAMPAIGN_KINDS:
        if activity.reach and not activity.reach_measure:
            add("reach_measure", _("Hãy chọn đơn vị tính của lượt tiếp cận."))
    elif activity.reach or activity.reach_measure:
        add("reach", _("Lượt tiếp cận chỉ ghi cho hoạt động truyền thông."))
    students = (
        (activity.primary_count or 0)
        + (activity.lower_secondary_count or 0)
        + (activity.upper_secondary_count or 0)
    )
    if students > (activity.male_count or 0) + (activity.female_count or 0):
        add(
            NON_FIELD_ERRORS,
            _(
                "Tổng số học sinh theo cấp học (%(students)s) không được lớn hơn tổng số người "
                "tham gia (nam + nữ = %(total)s)."
            )
            % {"students": students, "total": activity.participants},
        )
    unit = activity.org_unit
    own_level = LEVEL_FIELDS.get(unit.school_level) if unit.kind == OrgKind.SCHOOL else None
    if own_level:
        for field in LEVEL_FIELDS.values():
            if field != own_level and getattr(activity, field):
                add(
                    field,
                    _("%(school)s là trường %(level)s: chỉ ghi số học sinh của cấp học này.")
                    % {"school": unit.name, "level": unit.get_school_level_display().lower()},
                )
    if activity.held_on:
        for group in content_groups:
            if (group.valid_from and group.valid_from > activity.held_on) or (
                group.valid_to and group.valid_to < activity.held_on
            ):
                add(
                    "content_groups",
                    _(
                        "Nhóm “%(group)s” (%(regulation)s) không áp dụng cho ngày %(day)s. Hãy "
                        "chọn nhóm của văn bản có hiệu lực vào ngày đó."
                    )
                    % {
                        "group": group.label,
                        "regulation": group.get_regulation_display(),
                        "day": _d(activity.held_on),
                    },
                )
    return errors


def _file_kinds(files, *, already: int = 0) -> tuple[list, list[str]]:
    """(file, kind) of each acceptable file, and the messages of the refused ones."""
    checked, messages = [], []
    if len(files) > MAX_FILES:
        messages.append(
            _("Mỗi lần chỉ tải lên được tối đa %(n)s tệp; bạn đã chọn %(count)s tệp.")
            % {"n": MAX_FILES, "count": len(files)}
        )
        return [], messages
    if already + len(files) > MAX_ATTACHMENTS:
        messages.append(_("Một hoạt động có tối đa %(n)s tệp đính kèm.") % {"n": MAX_ATTACHMENTS})
        return [], messages
    for upload in files:
        try:
            checked.append((upload, uploads.check_upload(upload)))
        except ValidationError as error:
            messages.extend(error.messages)
    return checked, messages


def _validate(activity, content_groups, files, *, actor, already: int = 0) -> list:
    errors = _rule_errors(activity, content_groups, actor=actor)
    try:
        # The constraints are checked by the rules above, with messages on the right fields.
        activity.full_clean(validate_constraints=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    checked, file_errors = _file_kinds(files, already=already)
    if file_errors:
        errors["files"] = file_errors
    if errors:
        raise ValidationError(errors)
    return checked


def _store(activity: Activity, checked, *, actor, saved: list[str]) -> list[Attachment]:
    """Save each checked file and its row; `saved` collects stored names for clean-up."""
    rows = []
    for upload, kind in checked:
        name = uploads.store(upload, folder=UPLOAD_FOLDER, kind=kind)
        saved.append(name)
        attachment = Attachment(
            activity=activity,
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


def _forget_files(names: Iterable[str]) -> None:
    for name in names:
        uploads.delete(name)


@transaction.atomic
def activity_create(
    *,
    actor,
    org_unit,
    kind: str,
    title: str,
    held_on: datetime.date,
    end_on: datetime.date | None = None,
    target_group: str = "students",
    male_count: int = 0,
    female_count: int = 0,
    primary_count: int = 0,
    lower_secondary_count: int = 0,
    upper_secondary_count: int = 0,
    reach: int | None = None,
    reach_measure: str = "",
    partners_other: str = "",
    description: str = "",
    content_groups=(),
    partners=(),
    files=(),
    request=None,
) -> Activity:
    """Record an activity of `org_unit` (one of the actor's own units), with its files."""
    activity = Activity(
        org_unit=org_unit,
        created_by=actor,
        kind=kind,
        title=title.strip(),
        held_on=held_on,
        end_on=end_on,
        target_group=target_group,
        male_count=male_count or 0,
        female_count=female_count or 0,
        primary_count=primary_count or 0,
        lower_secondary_count=lower_secondary_count or 0,
        upper_secondary_count=upper_secondary_count or 0,
        reach=reach,
        reach_measure=reach_measure,
        partners_other=partners_other.strip(),
        description=description.strip(),
    )
    activity.search_title = fold(activity.title)
    content_groups, partners = list(content_groups), list(partners)
    checked = _validate(activity, content_groups, list(files), actor=actor)
    saved: list[str] = []
    try:
        activity.save()
        activity.content_groups.set(content_groups)
        activity.partners.set(partners)
        attachments = _store(activity, checked, actor=actor, saved=saved)
        audit.record(
            actor=actor,
            action="activities.activity_create",
            obj=activity,
            org_unit=activity.org_unit_id,
            request=request,
            extra={"kind": activity.kind, "attachments": [a.pk for a in attachments]},
        )
    except BaseException:
        _forget_files(saved)
        raise
    return activity


@transaction.atomic
def activity_update(
    *,
    actor,
    activity: Activity,
    content_groups=None,
    partners=None,
    files=(),
    request=None,
    **changes,
) -> Activity:
    """Change an activity's fields, groups or partners, and add files to it."""
    unknown = set(changes) - set(ACTIVITY_FIELDS)
    if unknown:
        raise TypeError(f"activity_update: unknown fields {sorted(unknown)}")
    # Locked so two people saving the same activity do not interleave their file counts.
    activity = Activity.objects.select_for_update().select_related("org_unit").get(pk=activity.pk)
    for text in ("title", "partners_other", "description"):
        if text in changes and changes[text] is not None:
            changes[text] = changes[text].strip()
    for count in ACTIVITY_FIELDS:
        if count.endswith("_count") and count in changes and changes[count] is None:
            changes[count] = 0
    changed = [f for f in ACTIVITY_FIELDS if f in changes and getattr(activity, f) != changes[f]]
    for field in changed:
        setattr(activity, field, changes[field])
    activity.search_title = fold(activity.title)
    groups = list(content_groups) if content_groups is not None else None
    partner_list = list(partners) if partners is not None else None
    current_groups = set(activity.content_groups.values_list("pk", flat=True))
    current_partners = set(activity.partners.values_list("pk", flat=True))
    groups_changed = groups is not None and {g.pk for g in groups} != current_groups
    partners_changed = partner_list is not None and {p.pk for p in partner_list} != current_partners
    files = list(files)
    # A teacher may change their own class activity but not turn it into another kind of work;
    # the rule for who records which kind applies to the saved result.
    checked = _validate(
        activity,
        groups if groups is not None else activity.content_groups.all(),
        files,
        actor=actor,
        already=activity.attachments.count(),
    )
    if not (changed or groups_changed or partners_changed or files):
        return activity
    saved: list[str] = []
    try:
        if changed:
            activity.save(update_fields=[*changed, "search_title", "updated_at"])
        if groups_changed:
            activity.content_groups.set(groups)
        if partners_changed:
            activity.partners.set(partner_list)
        attachments = _store(activity, checked, actor=actor, saved=saved)
        changed_names = changed + ["content_groups"] * groups_changed
        changed_names += ["partners"] * partners_changed
        audit.record(
            actor=actor,
            action="activities.activity_update",
            obj=activity,
            org_unit=activity.org_unit_id,
            request=request,
            extra={"changed": sorted(changed_names), "attachments": [a.pk for a in attachments]},
        )
    except BaseException:
        _forget_files(saved)
        raise
    return activity


@transaction.atomic
def activity_delete(*, actor, activity: Activity, request=None) -> None:
    """Delete an activity and its files (the files once the deletion has committed)."""
    names = list(activity.attachments.values_list("stored_name", flat=True))
    pk, unit_id, kind = activity.pk, activity.org_unit_id, activity.kind
    activity.delete()
    transaction.on_commit(lambda: _forget_files(names))
    audit.record(
        actor=actor,
        action="activities.activity_delete",
        object_type="activities.activity",
        object_id=str(pk),
        org_unit=unit_id,
        request=request,
        extra={"kind": kind, "attachments": len(names)},
    )


@transaction.atomic
def attachment_delete(*, actor, attachment: Attachment, request=None) -> None:
    name, pk = attachment.stored_name, attachment.pk
    activity = attachment.activity
    attachment.delete()
    transaction.on_commit(lambda: uploads.delete(name))
    audit.record(
        actor=actor,
        action="activities.attachment_delete",
        object_type="activities.attachment",
        object_id=str(pk),
        org_unit=activity.org_unit_id,
        request=request,
        extra={"activity": activity.pk, "file_kind": attachment.file_kind},
    )
