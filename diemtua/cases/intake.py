"""How help requests arrive: the public help page and teachers' referrals.

A student who writes here may be in danger, so the rules favour getting the request in:
few required fields, one stored request per submission however often the form is sent, and
the crisis numbers shown first whenever the student says it is urgent or the text suggests
danger. Counselors' handling of requests (triage, replies) lives in services.py.
"""

import datetime
import hmac
import re
import secrets
from dataclasses import dataclass
from hashlib import sha256

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diemtua.accounts.roles import Role
from diemtua.audit import services as audit
from diemtua.orgs.models import OrgKind, OrgUnit

from . import danger
from .models import (
    ContactMethod,
    ContentGroup,
    HelpRequest,
    RequestChannel,
    Requester,
    RequestStatus,
    Stage,
)
from .reference import groups_in_force

# No 0/O, 1/I/L: a child copies the code from a screen onto paper.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_PATTERN = re.compile(r"^[A-Z2-9]{4}-?[A-Z2-9]{4}$")
IDEMPOTENCY_KEY_PATTERN = re.compile(r"^[0-9a-f]{32}$")
# A resubmitted form (double tap, a retry on a bad connection) shows the same code and PIN
# only this long; after that a replayed form from a shared computer's history learns nothing.
REPLAY_WINDOW = datetime.timedelta(minutes=10)
MESSAGE_MAX = 4000


@dataclass(frozen=True)
class Submitted:
    help_request: HelpRequest
    pin: str | None  # None when a late replay: the PIN is not shown again
    created: bool


def new_idempotency_key() -> str:
    """The key a help form carries, issued when the form is shown."""
    return secrets.token_hex(16)


def normalise_code(code: str) -> str:
    code = re.sub(r"[\s-]", "", (code or "").upper())
    return f"{code[:4]}-{code[4:]}" if len(code) == 8 else code


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def _pin_for(idempotency_key: str) -> str:
    """Six digits derived from the form's key with the server secret.

    Derived rather than random so a resubmitted form shows the same PIN; only its hash is
    stored, so the database alone never reveals it.
    """
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"help-pin:{idempotency_key}".encode(), sha256
    ).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"


# How the PIN is kept: HMAC-SHA256 under a key derived from SECRET_KEY, with a salt per request.
# Argon2 was used before issue 9 and cost about 0.3 s of CPU and 100 MB per submission, which
# capped the help page at a few submissions a second. It protected nothing more: the PIN is six
# digits (10^6 guesses) and is itself derived from SECRET_KEY and the stored idempotency key
# (`_pin_for`), so whoever holds the database and SECRET_KEY has every PIN whatever the hash,
# and whoever holds only the database cannot test a single guess against a keyed HMAC.
# Hashes written before (Django's "argon2$…") still verify. See docs/decisions.md.
PIN_HASH_PREFIX = "hmac-sha256$"


def _pin_digest(secret: str, salt: str, pin: str) -> str:
    key = hmac.new(secret.encode(), b"diemtua.help-pin-hash", sha256).digest()
    return hmac.new(key, f"{salt}:{pin}".encode(), sha256).hexdigest()


def hash_pin(pin: str) -> str:
    """What is stored for a PIN: the keyed digest and its salt, never the PIN."""
    salt = secrets.token_hex(8)
    return f"{PIN_HASH_PREFIX}{salt}${_pin_digest(settings.SECRET_KEY, salt, pin)}"


def pin_matches(pin: str, stored: str) -> bool:
    """True when `pin` is the one `stored` was made from (constant-time compare).

    Keys in SECRET_KEY_FALLBACKS are tried too, so rotating SECRET_KEY the Django way does not
    lock people out of their requests. Older rows hold Argon2 hashes: Django checks those.
    """
    if stored.startswith(PIN_HASH_PREFIX):
        salt, _sep, digest = stored.removeprefix(PIN_HASH_PREFIX).partition("$")
        secrets_in_use = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
        return any(
            hmac.compare_digest(_pin_digest(secret, salt, pin), digest) for secret in secrets_in_use
        )
    return check_password(pin, stored)


def school_accepting_requests(code: str) -> OrgUnit | None:
    """The school whose help page this is, if it exists and is open today."""
    today = timezone.localdate()
    return (
        OrgUnit.objects.filter(kind=OrgKind.SCHOOL, code=code)
        .exclude(valid_to__lt=today)
        .exclude(valid_from__gt=today)
        .first()
    )


def _check_groups(groups, on: datetime.date) -> list[ContentGroup]:
    groups = list(groups)
    allowed = set(groups_in_force(on).values_list("pk", flat=True))
    if any(group.pk not in allowed for group in groups):
        raise ValidationError(
            {"content_groups": _("Có nhóm nội dung không còn áp dụng. Hãy chọn lại.")}
        )
    return groups


def help_request_submit(
    *,
    school: OrgUnit,
    requester: str,
    is_anonymous: bool,
    requester_name: str = "",
    class_name: str = "",
    content_groups=(),
    contact_method: str = ContactMethod.CODE_ONLY,
    contact_detail: str = "",
    contact_time: str = "",
    message: str = "",
    said_urgent: bool = False,
    idempotency_key: str,
    request=None,
) -> Submitted:
    """Store one request from the public page (or return the one this form already stored)."""
    if not IDEMPOTENCY_KEY_PATTERN.match(idempotency_key or ""):
        raise ValidationError(_("Biểu mẫu đã cũ. Hãy tải lại trang và gửi lại."))
    # Insert first and look for an earlier copy only when the key is taken: almost every
    # submission is a first one, and the unique key decides races between copies anyway
    # (one query less per submission in a burst, issue 9).
    try:
        return _create(
            school=school,
            requester=requester,
            is_anonymous=is_anonymous,
            requester_name=requester_name,
            class_name=class_name,
            content_groups=content_groups,
            contact_method=contact_method,
            contact_detail=contact_detail,
            contact_time=contact_time,
            message=message,
            said_urgent=said_urgent,
            idempotency_key=idempotency_key,
            request=request,
        )
    except IntegrityError:
        # This form was stored already (a double tap, a retry on a bad connection, or two
        # copies at the same moment of which the other won).
        existing = HelpRequest.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        if existing.school_id != school.pk:
            # A key carried to another school's page is not a retry of that request.
            raise ValidationError(_("Biểu mẫu đã cũ. Hãy tải lại trang và gửi lại.")) from None
        return _replayed(existing, idempotency_key)


def _replayed(existing: HelpRequest, idempotency_key: str) -> Submitted:
    fresh = timezone.now() - existing.created_at <= REPLAY_WINDOW
    return Submitted(existing, _pin_for(idempotency_key) if fresh else None, created=False)


@transaction.atomic
def _create(*, school, content_groups, idempotency_key, request, **fields) -> Submitted:
    if school.kind != OrgKind.SCHOOL:
        raise ValueError("help requests belong to a school")
    fields["message"] = (fields["message"] or "").strip()
    fields["requester_name"] = (fields["requester_name"] or "").strip()
    fields["class_name"] = (fields["class_name"] or "").strip().upper()
    if fields["is_anonymous"]:
        # An anonymous request keeps no name, whatever the form carried.
        fields["requester_name"] = ""
    errors = {}
    if not fields["message"] and not content_groups:
        errors["message"] = _("Hãy chọn em cần giúp về chuyện gì hoặc viết vài dòng.")
    if len(fields["message"]) > MESSAGE_MAX:
        errors["message"] = _("Nội dung dài quá %(max)s ký tự.") % {"max": MESSAGE_MAX}
    if not fields["is_anonymous"] and not fields["requester_name"]:
        errors["requester_name"] = _("Hãy cho biết tên, hoặc chọn gửi ẩn danh.")
    needs_detail = {ContactMethod.PHONE, ContactMethod.MESSAGE, ContactMethod.EMAIL}
    if fields["contact_method"] in needs_detail and not fields["contact_detail"].strip():
        errors["contact_detail"] = _("Hãy ghi số điện thoại hoặc địa chỉ để thầy cô liên lạc.")
    if errors:
        raise ValidationError(errors)
    today = timezone.localdate()
    groups = _check_groups(content_groups, today)
    danger_found = danger.suggests_danger(fields["message"])
    pin = _pin_for(idempotency_key)
    help_request = HelpRequest(
        school=school,
        channel=RequestChannel.WEB,
        danger_detected=danger_found,
        is_urgent=fields["said_urgent"] or danger_found,
        tracking_code=_new_code(),
        pin_hash=hash_pin(pin),
        idempotency_key=idempotency_key,
        **fields,
    )
    # Field checks only. The unique keys (tracking code, idempotency key) are the database's to
    # enforce (a duplicate key is the IntegrityError caught above), and the model's one check
    # constraint is about teachers' referrals: here each would be a query on every submission of
    # a burst, for nothing (issue 9).
    help_request.full_clean(
        # The school was looked up by the caller: no query to check that it exists.
        exclude=["tracking_code", "idempotency_key", "school"],
        validate_unique=False,
        validate_constraints=False,
    )
    help_request.save(force_insert=True)
    if groups:
        # add(), not set(): a new row has no groups to compare with (set() would query them).
        help_request.content_groups.add(*groups)
    audit.record(
        actor=None,
        action="cases.request_submit",
        obj=help_request,
        org_unit=school,
        request=request,
        # Never the content: only what the queue and reports need.
        extra={"urgent": help_request.is_urgent, "anonymous": help_request.is_anonymous},
    )
    return Submitted(help_request, pin, created=True)


def find_by_code_and_pin(code: str, pin: str) -> HelpRequest | None:
    """The request these credentials open, or None; the caller limits attempts."""
    code = normalise_code(code)
    if not CODE_PATTERN.match(code) or not re.fullmatch(r"[0-9]{6}", (pin or "").strip()):
        # Still spend the time of a check: timing does not tell which part was wrong.
        pin_matches(pin or "", _NO_MATCH)
        return None
    help_request = (
        HelpRequest.objects.filter(tracking_code=code).select_related("case", "school").first()
    )
    if help_request is None:
        pin_matches(pin, _NO_MATCH)
        return None
    return help_request if pin_matches(pin.strip(), help_request.pin_hash) else None


# A stored value no PIN matches (its digest is not hex), checked when there is no request so an
# unknown code costs the same as a wrong PIN.
_NO_MATCH = f"{PIN_HASH_PREFIX}0000000000000000$-"


class PublicStatus:
    SENT = "sent"
    IN_PROGRESS = "in_progress"
    DONE = "done"


def public_status(help_request: HelpRequest) -> str:
    """What the person who asked may know: sent, being handled, or done — never more.

    Teachers who referred a student see the same three words ("received", "being handled",
    "closed"), never the content of the work.
    """
    if help_request.status == RequestStatus.ANSWERED:
        return PublicStatus.DONE
    if help_request.status == RequestStatus.IN_CASE:
        if help_request.case is not None and help_request.case.stage == Stage.CLOSED:
            return PublicStatus.DONE
        return PublicStatus.IN_PROGRESS
    return PublicStatus.SENT


@transaction.atomic
def teacher_referral_create(
    *, actor, student, message: str, said_urgent: bool = False, content_groups=(), request=None
) -> HelpRequest:
    """A teacher flags a worry about a student of their own school."""
    from diemtua.accounts import access

    if Role.TEACHER not in access.roles_over(actor, student.school_id):
        raise ValidationError(_("Chỉ giáo viên của trường mới báo được về học sinh này."))
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": _("Hãy ghi điều thầy cô thấy đáng lo.")})
    if len(message) > MESSAGE_MAX:
        raise ValidationError(
            {"message": _("Nội dung dài quá %(max)s ký tự.") % {"max": MESSAGE_MAX}}
        )
    if HelpRequest.objects.filter(
        referred_by=actor, student=student, status=RequestStatus.NEW
    ).exists():
        raise ValidationError(
            _("Thầy cô đã báo về học sinh này và cán bộ tư vấn chưa tiếp nhận. Không cần báo lại.")
        )
    groups = _check_groups(content_groups, timezone.localdate())
    danger_found = danger.suggests_danger(message)
    referral = HelpRequest(
        school_id=student.school_id,
        channel=RequestChannel.TEACHER,
        requester=Requester.TEACHER,
        requester_name=actor.full_name,
        student=student,
        class_name=student.class_name,
        referred_by=actor,
        message=message,
        said_urgent=said_urgent,
        danger_detected=danger_found,
        is_urgent=said_urgent or danger_found,
    )
    referral.full_clean()
    referral.save(force_insert=True)
    referral.content_groups.set(groups)
    audit.record(
        actor=actor,
        action="cases.teacher_referral",
        obj=referral,
        org_unit=student.school_id,
        request=request,
        extra={"urgent": referral.is_urgent},
    )
    return referral


# Content group a screening flag is filed under (Circular 18/2025: psychological counseling
# includes "prevention, screening, early detection").
SCREENING_GROUP = "tt18_psychology"


def screening_flag_raise(*, student, summary: str, is_urgent: bool) -> HelpRequest:
    """A student's screening answers met a flag rule: put an item in the counselor's queue.

    Called by diemtua.screening inside the submission's transaction, so the item exists as
    soon as the student's answers do. An urgent flag (PHQ-9 item 9 above zero) also starts the
    safeguarding path: an alert that climbs to leadership and the Department unless someone
    acknowledges it. `summary` is stored encrypted like every request's message; no actor
    wrote it (the system did).
    """
    from . import alerts

    item = HelpRequest(
        school_id=student.school_id,
        channel=RequestChannel.SCREENING,
        requester=Requester.STUDENT,
        student=student,
        class_name=student.class_name,
        message=summary,
        contact_method=ContactMethod.AT_SCHOOL,
        danger_detected=is_urgent,
        is_urgent=is_urgent,
    )
    item.full_clean()
    item.save(force_insert=True)
    item.content_groups.set(groups_in_force(timezone.localdate()).filter(code=SCREENING_GROUP))
    audit.record(
        actor=None,
        action="cases.screening_flag",
        obj=item,
        org_unit=student.school_id,
        extra={"urgent": is_urgent},
    )
    if is_urgent:
        alerts.raise_for_screening(help_request=item)
    else:
        _tell_counselors(item)
    return item


def _tell_counselors(item: HelpRequest) -> None:
    """A non-urgent flag: the school's counselors get a reminder (no name, just the number)."""
    from django.urls import reverse
    from django.utils.translation import override

    from diemtua.notifications import recipients
    from diemtua.notifications.models import Kind
    from diemtua.notifications.services import notify

    with override("vi"):
        text = _("Kết quả sàng lọc cần xem: yêu cầu #%(pk)s") % {"pk": item.pk}
    users = recipients.at_unit(item.school_id, [Role.COUNSELOR])
    link = reverse("request_detail", kwargs={"pk": item.pk})
    transaction.on_commit(
        lambda: notify(
            users=users,
            kind=Kind.REMINDER,
            text=text,
            link=link,
            dedupe_key=f"screening_flag:{item.pk}",
        )
    )
