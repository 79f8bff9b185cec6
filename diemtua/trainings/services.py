"""Writes of trainings: the training itself, invitations, attendance and scores, certificates.
Each is one transaction with one audit row (ids and codes only, never names)."""

import datetime
import secrets
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from diemtua.audit import services as audit
from diemtua.core.text import fold
from diemtua.orgs.models import OrgUnitAncestor

from . import access
from .models import MAX_HOURS, MIN_HOURS, Attendance, Certificate, Participant, Training

TRAINING_FIELDS = (
    "title",
    "starts_on",
    "ends_on",
    "location",
    "mode",
    "hours",
    "curriculum",
    "trainers",
    "pass_mark",
    "program",
)
# Records go back to the first school-counseling circular's era; plans look two years ahead.
EARLIEST = datetime.date(2015, 1, 1)
PLAN_AHEAD = datetime.timedelta(days=730)
MAX_DAYS = 366
# More than this many hours a day is a typing slip (240 for 24).
MAX_HOURS_PER_DAY = 12
# Certificate codes: 10 characters from an alphabet without look-alikes (no 0/O, 1/I/L):
# 31^10 ≈ 8·10^14 codes, so guessing one is hopeless within the verification rate limit.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


def _d(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def hours_text(value: Decimal) -> str:
    text = f"{value.normalize():f}" if value == value.to_integral() else f"{value:.1f}"
    return text.replace(".", ",")


def person_key(*, user, unit, full_name: str) -> str:
    if user is not None:
        return f"u:{user.pk}"
    return f"n:{unit.pk}:{fold(full_name)}"[:160]


def in_subtree(unit_id: int, top_id: int) -> bool:
    return OrgUnitAncestor.objects.filter(ancestor_id=top_id, descendant_id=unit_id).exists()


def programs_for_owner(owner):
    """Programs a unit's training, exchange or document may belong to: programs run at or
    above the unit, and those the unit takes part in as a locality."""
    from diemtua.programs.models import Program

    above = OrgUnitAncestor.objects.filter(descendant_id=owner.pk).values("ancestor_id")
    return Program.objects.filter(Q(owner_id__in=above) | Q(localities__unit=owner)).distinct()


def check_owner(actor, owner) -> None:
    if actor is not None and owner.pk not in {u.pk for u in access.owner_units(actor)}:
        raise PermissionDenied


def _training_errors(training: Training) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(name, message):
        errors.setdefault(name, []).append(message)

    today = timezone.localdate()
    if training.starts_on and not EARLIEST <= training.starts_on <= today + PLAN_AHEAD:
        add(
            "starts_on",
            _("Ngày bắt đầu phải từ %(start)s đến %(end)s.")
            % {"start": _d(EARLIEST), "end": _d(today + PLAN_AHEAD)},
        )
    if training.starts_on and training.ends_on:
        if training.ends_on < training.starts_on:
            add(
                "ends_on",
                _("Ngày kết thúc (%(end)s) không được trước ngày bắt đầu (%(start)s).")
                % {"end": _d(training.ends_on), "start": _d(training.starts_on)},
            )
        elif (training.ends_on - training.starts_on).days >= MAX_DAYS:
            add("ends_on", _("Một khóa tập huấn kéo dài tối đa một năm."))
        elif training.hours is not None:
            days = (training.ends_on - training.starts_on).days + 1
            if training.hours > days * MAX_HOURS_PER_DAY:
                add(
                    "hours",
                    _(
                        "%(hours)s giờ trong %(days)s ngày là hơn %(per_day)s giờ mỗi ngày: hãy "
                        "kiểm tra lại số giờ hoặc ngày kết thúc."
                    )
                    % {
                        "hours": hours_text(training.hours),
                        "days": days,
                        "per_day": MAX_HOURS_PER_DAY,
                    },
                )
    if training.hours is not None and not MIN_HOURS <= training.hours <= MAX_HOURS:
        add(
            "hours",
            _("Số giờ phải từ %(low)s đến %(high)s.")
            % {"low": hours_text(MIN_HOURS), "high": hours_text(MAX_HOURS)},
        )
    if (
        training.program_id
        and training.owner_id
        and not programs_for_owner(training.owner).filter(pk=training.program_id).exists()
    ):
        add("program", _("Đơn vị tổ chức không tham gia chương trình này."))
    return errors


def _validate_training(training: Training) -> None:
    errors = _training_errors(training)
    try:
        training.full_clean(validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _clean_text(value) -> str:
    return (value or "").strip()


@transaction.atomic
def training_create(
    *,
    actor,
    owner,
    title: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    mode: str,
    hours: Decimal,
    location: str = "",
    curriculum: str = "",
    trainers: str = "",
    pass_mark: Decimal | None = None,
    program=None,
    request=None,
) -> Training:
    """A training organised by `owner` (one of the actor's own units)."""
    check_owner(actor, owner)
    training = Training(
        owner=owner,
        program=program,
        title=_clean_text(title),
        starts_on=starts_on,
        ends_on=ends_on,
        mode=mode,
        hours=hours,
        location=_clean_text(location),
        curriculum=_clean_text(curriculum),
        trainers=_clean_text(trainers),
        pass_mark=pass_mark,
        created_by=actor,
    )
    training.search_title = fold(training.title)
    _validate_training(training)
    training.save()
    audit.record(
        actor=actor,
        action="trainings.training_create",
        obj=training,
        org_unit=owner.pk,
        request=request,
        extra={"program": training.program_id, "hours": str(training.hours)},
    )
    return training


@transaction.atomic
def training_update(*, actor, training: Training, request=None, **changes) -> Training:
    unknown = set(changes) - set(TRAINING_FIELDS)
    if unknown:
        raise TypeError(f"training_update: unknown fields {sorted(unknown)}")
    training = (
        Training.objects.select_for_update(of=("self",)).select_related("owner").get(pk=training.pk)
    )
    check_owner(actor, training.owner)
    for name in ("title", "location", "curriculum", "trainers"):
        if name in changes:
            changes[name] = _clean_text(changes[name])
    changed = [f for f in TRAINING_FIELDS if f in changes and getattr(training, f) != changes[f]]
    for name in changed:
        setattr(training, name, changes[name])
    training.search_title = fold(training.title)
    _validate_training(training)
    if "hours" in changed:
        longest = (
            training.participants.filter(attendance=Attendance.PARTIAL)
            .order_by("-hours_attended")
            .values_list("hours_attended", flat=True)
            .first()
        )
        if longest is not None and longest >= training.hours:
            raise ValidationError(
                {
                    "hours": _(
                        "Đã có người tham gia một phần %(partial)s giờ: số giờ của khóa phải "
                        "lớn hơn thế."
                    )
                    % {"partial": hours_text(longest)}
                }
            )
    if not changed:
        return training
    training.save(update_fields=[*changed, "search_title", "updated_at"])
    audit.record(
        actor=actor,
        action="trainings.training_update",
        obj=training,
        org_unit=training.owner_id,
        request=request,
        extra={"changed": sorted(changed)},
    )
    return training


def _participant_errors(training: Training, participant: Participant) -> dict:
    errors: dict[str, list[str]] = {}
    if not in_subtree(participant.unit_id, training.owner_id):
        errors.setdefault("unit", []).append(
            _("%(unit)s không thuộc phạm vi của %(owner)s.")
            % {"unit": participant.unit.name, "owner": training.owner.name}
        )
    if participant.user is not None:
        units = set(participant.user.memberships.values_list("org_unit_id", flat=True))
        if participant.unit_id not in units:
            errors.setdefault("user", []).append(
                _("Tài khoản %(user)s không thuộc %(unit)s.")
                % {"user": participant.user.get_username(), "unit": participant.unit.name}
            )
    return errors


def _add_participant(training: Training, participant: Participant) -> Participant:
    """Save one invitation; a repeated person is a message, not a 500."""
    participant.search_name = fold(participant.full_name)
    participant.person_key = person_key(
        user=participant.user, unit=participant.unit, full_name=participant.full_name
    )
    errors = _participant_errors(training, participant)
    try:
        participant.full_clean(validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if not errors and training.participants.filter(person_key=participant.person_key).exists():
        errors[NON_FIELD_ERRORS] = [
            _("%(name)s đã có trong danh sách mời.") % {"name": participant.full_name}
        ]
    if errors:
        raise ValidationError(errors)
    participant.save()
    return participant


@transaction.atomic
def participant_add(
    *,
    actor,
    training: Training,
    unit,
    full_name: str = "",
    user=None,
    position: str = "",
    request=None,
) -> Participant:
    """Invite one staff member: their account when they have one, else name and unit."""
    if actor is not None and not access.can_manage(actor, training.owner_id):
        raise PermissionDenied
    name = _clean_text(full_name) or (user.full_name if user is not None else "")
    participant = _add_participant(
        training,
        Participant(
            training=training,
            user=user,
            full_name=name,
            unit=unit,
            position=_clean_text(position),
        ),
    )
    audit.record(
        actor=actor,
        action="trainings.participant_add",
        obj=participant,
        org_unit=training.owner_id,
        request=request,
        extra={"training": training.pk, "unit": unit.pk, "account": user is not None},
    )
    return participant


@transaction.atomic
def participants_invite_program(*, actor, training: Training, request=None) -> int:
    """Invite every staff member the program's schools designated (and still designate at
    the training's start) who is not invited yet. Returns how many were added."""
    from diemtua.programs.models import DesignatedStaff

    if actor is not None and not access.can_manage(actor, training.owner_id):
        raise PermissionDenied
    if training.program_id is None:
        raise ValidationError(_("Khóa tập huấn này không thuộc chương trình nào."))
    staff = (
        DesignatedStaff.objects.filter(
            enrolment__program_id=training.program_id,
            since__lte=training.ends_on,
            enrolment__school_id__in=OrgUnitAncestor.objects.filter(
                ancestor_id=training.owner_id
            ).values("descendant_id"),
        )
        .filter(Q(until__isnull=True) | Q(until__gte=training.starts_on))
        .select_related("enrolment__school", "user")
        .order_by("full_name", "pk")
    )
    known = set(training.participants.values_list("person_key", flat=True))
    added = []
    for person in staff:
        school = person.enrolment.school
        key = person_key(user=person.user, unit=school, full_name=person.full_name)
        if key in known:
            continue
        known.add(key)
        participant = Participant(
            training=training,
            user=person.user,
            full_name=person.full_name,
            unit=school,
            position=person.position,
        )
        try:
            added.append(_add_participant(training, participant))
        except ValidationError:
            continue  # e.g. an account no longer at that school: invite them by hand
    if not added:
        raise ValidationError(_("Không có cán bộ được phân công nào chưa được mời."))
    audit.record(
        actor=actor,
        action="trainings.participants_invite",
        obj=training,
        org_unit=training.owner_id,
        request=request,
        extra={"program": training.program_id, "added": len(added)},
    )
    return len(added)


@transaction.atomic
def participant_remove(*, actor, participant: Participant, request=None) -> None:
    training = participant.training
    if actor is not None and not access.can_manage(actor, training.owner_id):
        raise PermissionDenied
    if Certificate.objects.filter(participant=participant).exists():
        raise ValidationError(
            _("%(name)s đã được cấp giấy chứng nhận nên không xóa khỏi danh sách được.")
            % {"name": participant.full_name}
        )
    pk, unit_id = participant.pk, participant.unit_id
    participant.delete()
    audit.record(
        actor=actor,
        action="trainings.participant_remove",
        object_type="trainings.participant",
        object_id=str(pk),
        org_unit=training.owner_id,
        request=request,
        extra={"training": training.pk, "unit": unit_id},
    )


def _row_errors(training: Training, participant: Participant, row: dict, today) -> dict:
    """Messages for one row of the attendance table, keyed by the form's field names."""
    errors: dict[str, list[str]] = {}
    pk = participant.pk
    name = participant.full_name

    def add(prefix, message):
        errors.setdefault(f"{prefix}_{pk}", []).append(message)

    state = row["attendance"]
    hours, pre, post = row.get("hours_attended"), row.get("pre_score"), row.get("post_score")
    if state != Attendance.INVITED and training.starts_on > today:
        add(
            "attendance",
            _("%(name)s: khóa tập huấn bắt đầu ngày %(day)s, chưa điểm danh được.")
            % {"name": name, "day": _d(training.starts_on)},
        )
    if state == Attendance.PARTIAL:
        if hours is None:
            add("hours", _("%(name)s: hãy ghi số giờ đã tham gia.") % {"name": name})
        elif not Decimal("0") < hours < training.hours:
            add(
                "hours",
                _("%(name)s: số giờ tham gia một phần phải lớn hơn 0 và nhỏ hơn %(total)s.")
                % {"name": name, "total": hours_text(training.hours)},
            )
    elif hours is not None:
        add("hours", _("%(name)s: chỉ ghi số giờ khi tham gia một phần.") % {"name": name})
    if state in (Attendance.INVITED, Attendance.ABSENT) and (pre is not None or post is not None):
        add("post", _("%(name)s: người vắng mặt không có điểm kiểm tra.") % {"name": name})
    certificate = getattr(participant, "certificate", None)
    if certificate is not None and certificate.is_valid:
        if state != Attendance.ATTENDED:
            add(
                "attendance",
                _(
                    "%(name)s đã được cấp giấy chứng nhận (mã %(code)s): hãy thu hồi giấy trước "
                    "khi sửa điểm danh."
                )
                % {"name": name, "code": certificate.display_code},
            )
        elif (
            training.pass_mark is not None
            and post is not None
            and post < training.pass_mark
            and post != participant.post_score
        ):
            add(
                "post",
                _("%(name)s đã được cấp giấy chứng nhận: hãy thu hồi giấy trước khi hạ điểm.")
                % {"name": name},
            )
    return errors


ROW_FIELDS = ("attendance", "hours_attended", "pre_score", "post_score")


@transaction.atomic
def attendance_record(*, actor, training: Training, rows: dict[int, dict], request=None) -> int:
    """Record attendance and scores for many participants at once (the table form).

    `rows` maps participant id → {attendance, hours_attended, pre_score, post_score}. All rows
    are checked first; nothing is saved unless every row is right. Returns rows changed."""
    if actor is not None and not access.can_manage(actor, training.owner_id):
        raise PermissionDenied
    training = Training.objects.select_for_update(of=("self",)).get(pk=training.pk)
    participants = {
        p.pk: p
        for p in training.participants.select_related("certificate").filter(pk__in=list(rows))
    }
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    changed = []
    for pk, row in rows.items():
        participant = participants.get(pk)
        if participant is None:
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                _("Danh sách đã thay đổi trong lúc bạn nhập: hãy tải lại trang.")
            )
            continue
        errors.update(_row_errors(training, participant, row, today))
        fields = [f for f in ROW_FIELDS if getattr(participant, f) != row.get(f)]
        if fields:
            changed.append((participant, row, fields))
    if errors:
        raise ValidationError(errors)
    counts: dict[str, int] = {}
    for participant, row, fields in changed:
        for name in fields:
            setattr(participant, name, row.get(name))
        participant.full_clean(validate_constraints=False)
        participant.save(update_fields=[*fields, "updated_at"])
        counts[participant.attendance] = counts.get(participant.attendance, 0) + 1
    if changed:
        audit.record(
            actor=actor,
            action="trainings.attendance_record",
            obj=training,
            org_unit=training.owner_id,
            request=request,
            extra={"changed": len(changed), "by_attendance": counts},
        )
    return len(changed)


def eligible(training: Training, participant: Participant) -> bool:
    """Who gets a certificate: attended in full and, with a pass mark, reached it after."""
    if participant.attendance != Attendance.ATTENDED:
        return False
    if training.pass_mark is None:
        return True
    return participant.post_score is not None and participant.post_score >= training.pass_mark


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))


def _unused_code() -> str:
    # A collision is a one-in-10^14 event; drawing again is cheaper than reasoning about it.
    while True:
        code = new_code()
        if not Certificate.objects.filter(code=code).exists():
            return code


def normalise_code(text: str) -> str:
    """What a person typed or scanned → the stored form (spaces, dashes, case ignored)."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[:32]


@transaction.atomic
def certificates_issue(*, actor, training: Training, request=None) -> int:
    """Issue a certificate to every eligible participant who has none. Returns how many."""
    if actor is not None and not access.can_manage(actor, training.owner_id):
        raise PermissionDenied
    training = Training.objects.select_for_update(of=("self",)).get(pk=training.pk)
    today = timezone.localdate()
    if training.ends_on > today:
        raise ValidationError(
            _("Khóa tập huấn kết thúc ngày %(day)s: cấp giấy chứng nhận sau ngày đó.")
            % {"day": _d(training.ends_on)}
        )
    waiting = [
        p
        for p in training.participants.filter(
            attendance=Attendance.ATTENDED, certificate__isnull=True
        ).order_by("pk")
        if eligible(training, p)
    ]
    if not waiting:
        raise ValidationError(
            _("Không còn ai đủ điều kiện mà chưa được cấp giấy chứng nhận.")
            if training.pass_mark is None
            else _(
                "Không còn ai đủ điều kiện (tham gia đầy đủ và điểm cuối khóa từ %(mark)s) mà "
                "chưa được cấp giấy chứng nhận."
            )
            % {"mark": training.pass_mark}
        )
    issued = []
    for participant in waiting:
        certificate = Certificate(
            participant=participant, code=_unused_code(), issued_on=today, issued_by=actor
        )
        certificate.full_clean()
        certificate.save()
        issued.append(certificate)
    audit.record(
        actor=actor,
        action="trainings.certificates_issue",
        obj=training,
        org_unit=training.owner_id,
        request=request,
        extra={"issued": len(issued), "certificates": [c.pk for c in issued]},
    )
    return len(issued)


@transaction.atomic
def certificate_revoke(*, actor, certificate: Certificate, reason: str, request=None) -> None:
    training = certificate.participant.training
    if actor is not None and not access.can_manage(actor, training.owner_id):
        raise PermissionDenied
    reason = _clean_text(reason)
    if not reason:
        raise ValidationError({"reason": _("Hãy ghi lý do thu hồi giấy chứng nhận.")})
    if certificate.revoked_on is not None:
        raise ValidationError(_("Giấy chứng nhận này đã bị thu hồi."))
    certificate.revoked_on = timezone.localdate()
    certificate.revoke_reason = reason[:255]
    certificate.full_clean()
    certificate.save(update_fields=["revoked_on", "revoke_reason", "updated_at"])
    audit.record(
        actor=actor,
        action="trainings.certificate_revoke",
        obj=certificate,
        org_unit=training.owner_id,
        request=request,
        extra={"training": training.pk},
    )
