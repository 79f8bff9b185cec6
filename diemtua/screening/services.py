"""Every write of class screenings: consent, opening and closing, a student's answers.

Surveys of schools and staff are written in survey_services.py.
"""

import datetime
import hmac
import json
import secrets
from dataclasses import dataclass
from hashlib import sha256

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diemtua.accounts import access as account_access
from diemtua.accounts.roles import Role
from diemtua.audit import services as audit
from diemtua.students.models import Student

from . import consent as consent_rules
from .models import (
    Administration,
    Audience,
    ConsentGiver,
    ConsentMethod,
    InstrumentKind,
    InstrumentVersion,
    Participant,
    ParticipantStatus,
    Response,
    ScreeningConsent,
    localized,
)
from .scoring import clean_answers, score

# No 0/O, 1/I/L: a child copies the code from a paper slip onto a phone.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 8
UNKNOWN_CODE = "unknown_code"


# --- Consent ------------------------------------------------------------------------------


def _require_counselor(actor, school_id: int) -> None:
    if Role.COUNSELOR not in account_access.roles_over(actor, school_id):
        raise PermissionDenied


@transaction.atomic
def consents_record(
    *,
    actor,
    school,
    entries: list[tuple[Student, str]],
    method: str,
    given_on: datetime.date,
    request=None,
) -> int:
    """The class's consent slips came back: record each (student, giver) agreement.

    An agreement already in force is not recorded twice. Returns how many were recorded.
    """
    _require_counselor(actor, school.pk)
    if method not in ConsentMethod.values:
        raise ValidationError({"method": _("Hãy chọn cách đồng ý.")})
    if given_on > timezone.localdate():
        raise ValidationError({"given_on": _("Ngày đồng ý không được sau hôm nay.")})
    students = {student.pk: student for student, _giver in entries}
    if any(student.school_id != school.pk for student in students.values()):
        raise ValidationError(_("Có học sinh không thuộc trường này."))
    # What is in force *today* decides whether a slip adds anything: a slip dated before an
    # agreement already on file, or before a withdrawal, must not be skipped or doubled.
    current = consent_rules.in_force(list(students.values()), timezone.localdate(), school.pk)
    guardians = {}
    for student in students.values():
        legal = [g for g in student.guardians.all() if g.is_legal_representative]
        guardians[student.pk] = legal[0] if legal else None
    made = []
    for student, giver in entries:
        if giver not in ConsentGiver.values:
            raise ValidationError(_("Người đồng ý không hợp lệ."))
        if giver in current[student.pk]:
            continue
        if given_on < student.date_of_birth:
            raise ValidationError(
                {"given_on": _("Ngày đồng ý không được trước ngày sinh của học sinh.")}
            )
        row = ScreeningConsent(
            student=student,
            school=school,
            given_by=giver,
            guardian=guardians[student.pk] if giver == ConsentGiver.GUARDIAN else None,
            method=method,
            given_on=given_on,
            recorded_by=actor,
        )
        row.full_clean()
        made.append(row)
        current[student.pk].add(giver)
    ScreeningConsent.objects.bulk_create(made)
    audit.record(
        actor=actor,
        action="screening.consent_record",
        object_type="screening.screeningconsent",
        org_unit=school,
        request=request,
        extra={"recorded": len(made), "students": len({row.student_id for row in made})},
    )
    return len(made)


@transaction.atomic
def consent_withdraw(*, actor, consent: ScreeningConsent, request=None) -> ScreeningConsent:
    """A student or guardian withdraws: from today no new answer; unused codes are voided."""
    consent = ScreeningConsent.objects.select_for_update().get(pk=consent.pk)
    _require_counselor(actor, consent.school_id)
    if consent.withdrawn_on is not None:
        raise ValidationError(_("Sự đồng ý này đã được rút lại rồi."))
    today = timezone.localdate()
    # Withdrawing is the person's decision, not one slip's: every agreement of theirs in force
    # for this student at this school ends today.
    ScreeningConsent.objects.filter(
        student_id=consent.student_id,
        school_id=consent.school_id,
        given_by=consent.given_by,
        withdrawn_on__isnull=True,
    ).update(withdrawn_on=today)
    consent.withdrawn_on = today
    voided = Participant.objects.filter(
        student_id=consent.student_id,
        status=ParticipantStatus.INVITED,
        administration__version__instrument__kind=InstrumentKind.SCREENING,
    ).update(status=ParticipantStatus.WITHDRAWN, code="")
    audit.record(
        actor=actor,
        action="screening.consent_withdraw",
        obj=consent,
        org_unit=consent.school_id,
        request=request,
        extra={"codes_voided": voided},
    )
    return consent


# --- Administrations ----------------------------------------------------------------------


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def code_hash(code: str) -> str:
    """A keyed hash: the database alone does not let anyone try codes offline."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, b"screening-code:" + normalise_code(code).encode(), sha256).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


@dataclass(frozen=True)
class Opened:
    administration: Administration
    invited: int
    excluded: list  # [(student, [who must still agree])]


def needs_consent(version: InstrumentVersion) -> bool:
    """Screenings need consent; an anonymous student survey (satisfaction) does not."""
    return not version.is_anonymous or version.instrument.kind == InstrumentKind.SCREENING


@transaction.atomic
def administration_open(
    *,
    actor,
    school,
    version: InstrumentVersion,
    group_name: str,
    closes_on: datetime.date,
    request=None,
) -> Opened:
    """Open an instrument for one class: a one-time code for each student who may take part."""
    _require_counselor(actor, school.pk)
    instrument = version.instrument
    if instrument.audience != Audience.STUDENT or not instrument.is_active:
        raise ValidationError({"version": _("Bảng hỏi này không dùng cho học sinh.")})
    if version.pk != instrument.current_version().pk:
        raise ValidationError({"version": _("Hãy dùng phiên bản mới nhất của bảng hỏi.")})
    today = timezone.localdate()
    if closes_on < today:
        raise ValidationError({"closes_on": _("Hạn trả lời không được trước hôm nay.")})
    students = list(
        Student.objects.filter(school=school, class_name=group_name, is_active=True).order_by(
            "sort_name"
        )
    )
    if not students:
        raise ValidationError({"group_name": _("Lớp này không có học sinh nào đang học.")})
    excluded = []
    taking_part = []
    given = consent_rules.in_force(students, today, school.pk) if needs_consent(version) else {}
    # PHQ-9 and GAD-7 are validated from early adolescence (PHQ-A: 11–17), not for young
    # children: a younger student is left out whatever the consent.
    min_age = version.definition.get("min_age")
    too_young = _("chưa đủ %(age)s tuổi để dùng bảng hỏi này") % {"age": min_age}
    for student in students:
        if min_age and consent_rules.age_on(student.date_of_birth, today) < min_age:
            excluded.append((student, [too_young]))
            continue
        lacking = consent_rules.missing(student, given[student.pk], today) if given else []
        if lacking:
            excluded.append((student, lacking))
        else:
            taking_part.append(student)
    if not taking_part and excluded and all(reasons == [too_young] for _s, reasons in excluded):
        raise ValidationError(
            {
                "group_name": _("Học sinh lớp này chưa đủ %(age)s tuổi để dùng bảng hỏi này.")
                % {"age": min_age}
            }
        )
    if not taking_part:
        raise ValidationError(
            {"group_name": _("Chưa học sinh nào của lớp có đủ sự đồng ý tham gia sàng lọc.")}
        )
    closes_at = timezone.make_aware(datetime.datetime.combine(closes_on, datetime.time(23, 59)))
    administration = Administration(
        school=school,
        version=version,
        group_name=group_name,
        opened_by=actor,
        closes_at=closes_at,
    )
    administration.full_clean()
    administration.save()
    participants = []
    for student in taking_part:
        code = _new_code()
        participants.append(
            Participant(
                administration=administration,
                student=student,
                code=code,
                code_hash=code_hash(code),
            )
        )
    Participant.objects.bulk_create(participants)
    audit.record(
        actor=actor,
        action="screening.administration_open",
        obj=administration,
        org_unit=school,
        request=request,
        extra={"invited": len(participants), "excluded": len(excluded)},
    )
    return Opened(administration, len(participants), excluded)


@transaction.atomic
def administration_close(*, actor, administration: Administration, request=None):
    administration = Administration.objects.select_for_update().get(pk=administration.pk)
    _require_counselor(actor, administration.school_id)
    if administration.closed_at is not None:
        raise ValidationError(_("Đợt này đã đóng rồi."))
    administration.closed_at = timezone.now()
    administration.save(update_fields=["closed_at", "updated_at"])
    # Codes not used by now never will be: erase them (the hash stays, to say "closed").
    administration.participants.filter(status=ParticipantStatus.INVITED).update(code="")
    audit.record(
        actor=actor,
        action="screening.administration_close",
        obj=administration,
        org_unit=administration.school_id,
        request=request,
    )
    return administration


# --- A student answers --------------------------------------------------------------------


def participant_for_code(code: str, *, lock: bool = False) -> Participant:
    """The participant a code opens, or a ValidationError saying plainly why not."""
    if len(normalise_code(code)) != CODE_LENGTH:
        raise ValidationError(
            _("Mã gồm 8 chữ và số, in trên phiếu thầy cô phát. Hãy kiểm tra lại.")
        )
    rows = Participant.objects.select_related(
        "administration__version__instrument", "administration__school", "student"
    )
    if lock:
        rows = rows.select_for_update(of=("self",))
    participant = rows.filter(code_hash=code_hash(code)).first()
    if participant is None:
        # Only this answer counts toward the per-address limit (views): a used or closed code
        # is a student's honest mistake, not someone trying codes.
        raise ValidationError(
            _("Mã không đúng. Hãy kiểm tra lại mã trên phiếu."), code=UNKNOWN_CODE
        )
    if participant.status == ParticipantStatus.COMPLETED:
        raise ValidationError(_("Mã này đã được dùng. Mỗi mã chỉ dùng được một lần."))
    if participant.status == ParticipantStatus.WITHDRAWN or not participant.student.is_active:
        raise ValidationError(_("Mã này không còn hiệu lực. Nếu cần, hãy hỏi thầy cô tư vấn."))
    administration = participant.administration
    if administration.closed_at is not None or administration.closes_at <= timezone.now():
        raise ValidationError(_("Đợt trả lời này đã kết thúc. Cảm ơn bạn."))
    version = administration.version
    if needs_consent(version) and not consent_rules.may_take_part(
        participant.student, timezone.localdate(), administration.school_id
    ):
        raise ValidationError(_("Mã này không còn hiệu lực. Nếu cần, hãy hỏi thầy cô tư vấn."))
    return participant


@transaction.atomic
def response_submit(*, code: str, answers: dict, request=None) -> Response:
    """Store and score a student's answers at once; a flag puts an item in the queue.

    The code is locked, checked and spent in the same transaction as the answers, so a
    double tap or a second phone with the same code stores nothing twice.
    """
    from diemtua.cases import intake

    participant = participant_for_code(code, lock=True)
    # Lock the administration too, so an answer cannot slip in while it is being closed (the
    # check above is repeated under the lock).
    administration = Administration.objects.select_for_update().get(
        pk=participant.administration_id
    )
    if administration.closed_at is not None:
        raise ValidationError(_("Đợt trả lời này đã kết thúc. Cảm ơn bạn."))
    version = administration.version
    definition = version.definition
    checked = clean_answers(definition, answers)
    result = score(definition, checked)
    now = timezone.now()
    anonymous = version.is_anonymous
    if anonymous:
        # No shared timestamp may tie the answer to the student whose code was spent: the
        # answer keeps only its day, the participant no time at all.
        now = timezone.make_aware(
            datetime.datetime.combine(timezone.localdate(), datetime.time(12, 0))
        )
    response = Response(
        version=version,
        administration=administration,
        participant=None if anonymous else participant,
        answers_json=json.dumps(checked, ensure_ascii=False),
        total=result.total,
        band=result.band,
        flags=[] if anonymous else [flag.code for flag in result.flags],
        is_urgent=False if anonymous else result.is_urgent,
        submitted_at=now,
    )
    if result.flags and not anonymous:
        response.help_request = intake.screening_flag_raise(
            student=participant.student,
            summary=_flag_summary(administration, result),
            is_urgent=result.is_urgent,
        )
    response.save()
    participant.status = ParticipantStatus.COMPLETED
    participant.used_at = None if anonymous else now
    participant.code = ""
    participant.save(update_fields=["status", "used_at", "code"])
    audit.record(
        actor=None,
        action="screening.response_submit",
        obj=administration,
        org_unit=administration.school_id,
        request=request,
        # Never the answers or the score: only what says the flag path ran.
        extra={"flagged": bool(response.flags), "urgent": response.is_urgent},
    )
    return response


def _flag_summary(administration: Administration, result) -> str:
    """What the counselor reads in the queue item (stored Vietnamese, encrypted)."""
    definition = administration.version.definition
    flags = "; ".join(localized(flag.label, "vi") for flag in result.flags)
    return (
        f"Kết quả sàng lọc {localized(definition['title'], 'vi')} "
        f"(lớp {administration.group_name}, "
        f"đợt ngày {timezone.localtime(administration.created_at):%d/%m/%Y}): "
        f"tổng điểm {result.total}, mức {localized(result.band_label, 'vi')}. {flags}."
    )
