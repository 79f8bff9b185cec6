"""Writes for surveys: send one, answer it, remind those who have not answered, close it.

A survey (khảo sát) is sent by a commune, a department or the Ministry to the schools below it
(one answer per school, by its leadership or a counselor) or to their staff (one answer per
person). Answers are taken until the end of the deadline day and while the survey is open;
each recipient answers once, and nothing is ever overwritten. Notifications say only that a
survey waits, with its title and deadline, and a link.
"""

import datetime
import json

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from diemtua.accounts.models import Membership
from diemtua.accounts.roles import Role
from diemtua.audit import services as audit
from diemtua.notifications.models import Kind
from diemtua.notifications.services import notify
from diemtua.orgs.models import OrgKind, OrgUnit, OrgUnitAncestor

from . import survey_access
from .models import Audience, InstrumentVersion, Response, Survey, SurveyRecipient
from .scoring import AnswerError, clean_answers, score
from .survey_selectors import survey_versions

# A survey runs for at most a year: a longer deadline is almost always a typo (2205 for 2025).
MAX_DAYS_OPEN = 366
# Automatic reminders: three days before the deadline, on the day, and the day after (the
# recipient learns it was missed, the owner how many did not answer).
REMIND_BEFORE_DAYS = 3
STAGE_BEFORE, STAGE_DUE, STAGE_LATE, STAGE_MANUAL = "before", "due", "late", "manual"


def _date(value) -> str:
    return formats.date_format(value, "d/m/Y")


def _local_time(value) -> str:
    return formats.date_format(timezone.localtime(value), "H:i d/m/Y")


# --- Sending ----------------------------------------------------------------------------------


def _staff_recipients(schools: list[OrgUnit], roles) -> list[tuple[int, int]]:
    """(user, school) for each active person holding one of `roles` at the schools; a person
    at two of them answers once, for the first school by name."""
    rows = (
        Membership.objects.filter(org_unit__in=schools, role__in=list(roles), user__is_active=True)
        .order_by("org_unit__search_name", "org_unit_id", "user_id")
        .values_list("user_id", "org_unit_id")
    )
    seen: dict[int, int] = {}
    for user_id, unit_id in rows:
        seen.setdefault(user_id, unit_id)
    return list(seen.items())


@transaction.atomic
def survey_create(
    *,
    actor,
    owner: OrgUnit,
    version: InstrumentVersion,
    title: str,
    deadline: datetime.date,
    schools,
    instructions: str = "",
    staff_roles=(),
    request=None,
) -> Survey:
    """Send a survey from `owner` to `schools` (school surveys) or to their staff.

    Staff surveys always reach the schools' counselors; `staff_roles` may add school leads and
    teachers. Recipients are told on commit (tasks.notify_new_survey).
    """
    if owner not in survey_access.owner_units(actor):
        raise PermissionDenied
    errors = {}
    audience = version.instrument.audience
    if not survey_versions(fetched_by=actor).filter(pk=version.pk).exists():
        errors["version"] = _("Phiếu này không gửi qua khảo sát được hoặc đã có phiên bản mới.")
    today = timezone.localdate()
    if deadline < today:
        errors["deadline"] = _("Hạn trả lời không được trước hôm nay.")
    elif deadline > today + datetime.timedelta(days=MAX_DAYS_OPEN):
        errors["deadline"] = _("Hạn trả lời không quá một năm kể từ hôm nay.")
    schools = list({s.pk: s for s in schools}.values())
    inside = set(
        OrgUnitAncestor.objects.filter(
            ancestor=owner,
            descendant__in=schools,
            descendant__kind=OrgKind.SCHOOL,
            descendant__valid_to__isnull=True,
        ).values_list("descendant_id", flat=True)
    )
    if not schools:
        errors["target"] = _("Chưa có trường nào nhận phiếu.")
    elif any(s.pk not in inside for s in schools):
        errors["target"] = _("Chỉ gửi được tới các trường đang hoạt động thuộc %(unit)s.") % {
            "unit": owner.name
        }
    roles = {Role.COUNSELOR, *staff_roles}
    if not roles <= set(survey_access.STAFF_ROLES):
        errors["staff_roles"] = _("Chỉ gửi phiếu cho cán bộ tư vấn, ban giám hiệu và giáo viên.")
    staff = []
    if audience == Audience.STAFF and not errors:
        staff = _staff_recipients(schools, roles)
        if not staff:
            errors["staff_roles"] = _(
                "Các trường đã chọn chưa có tài khoản cán bộ nào với vai trò này để nhận phiếu."
            )
    if errors:
        raise ValidationError(errors)

    survey = Survey(
        owner=owner,
        version=version,
        title=title.strip(),
        instructions=instructions.strip(),
        deadline=deadline,
        created_by=actor,
    )
    survey.full_clean()
    survey.save()
    if audience == Audience.STAFF:
        rows = [SurveyRecipient(survey=survey, unit_id=u, user_id=p) for p, u in staff]
    else:
        rows = [SurveyRecipient(survey=survey, unit=s) for s in schools]
    SurveyRecipient.objects.bulk_create(rows, batch_size=1000)
    audit.record(
        actor=actor,
        action="screening.survey_create",
        obj=survey,
        org_unit=owner,
        request=request,
        extra={
            "instrument": version.instrument.code,
            "version": version.number,
            "audience": audience,
            "recipients": len(rows),
            "schools": len(schools),
            "deadline": deadline.isoformat(),
        },
    )
    from .tasks import notify_new_survey

    transaction.on_commit(lambda: notify_new_survey.delay(survey.pk))
    return survey


def _people_of(recipients: list[SurveyRecipient]) -> dict[int, list]:
    """recipient pk → the people who answer for it (the staff member, or the school's
    leadership and counselors), in one query for a school survey."""
    people: dict[int, list] = {}
    schools = [r.unit_id for r in recipients if r.user_id is None]
    by_school: dict[int, list] = {}
    if schools:
        for m in Membership.objects.filter(
            org_unit_id__in=schools,
            role__in=list(survey_access.SCHOOL_ANSWER_ROLES),
            user__is_active=True,
        ).select_related("user"):
            by_school.setdefault(m.org_unit_id, []).append(m.user)
    for r in recipients:
        people[r.pk] = [r.user] if r.user_id is not None else by_school.get(r.unit_id, [])
    return people


def _tell(recipients: list[SurveyRecipient], text: str, dedupe: str) -> int:
    sent = 0
    for recipient, users in _people_of(recipients).items():
        link = reverse("survey_answer", kwargs={"pk": recipient})
        sent += len(
            notify(
                users=users,
                kind=Kind.REMINDER,
                text=text,
                link=link,
                dedupe_key=f"{dedupe}:{recipient}",
            )
        )
    return sent


def survey_notify_new(*, survey_id: int) -> int:
    """Tell everyone who answers a new survey that it waits (run on commit, by a task)."""
    survey = Survey.objects.filter(pk=survey_id).first()
    if survey is None or survey.closed_at is not None or survey.deadline < timezone.localdate():
        return 0  # gone, or no longer taking answers (a survey entered after the fact)
    recipients = list(survey.recipients.select_related("user"))
    with override("vi"):
        text = _("Phiếu khảo sát mới, hạn %(date)s: %(title)s") % {
            "date": _date(survey.deadline),
            "title": survey.title,
        }
    return _tell(recipients, text, f"survey_new:{survey.pk}")


# --- Answering --------------------------------------------------------------------------------


def answer_refusal(recipient: SurveyRecipient, today=None) -> str:
    """Why this recipient may not answer now ("" when they may)."""
    survey = recipient.survey
    today = today or timezone.localdate()
    if recipient.responded_at is not None:
        return _(
            "Phiếu này đã được trả lời lúc %(at)s (%(by)s). Mỗi nơi nhận chỉ trả lời một lần; "
            "câu trả lời đã gửi được giữ nguyên."
        ) % {"at": _local_time(recipient.responded_at), "by": recipient.responded_by or "—"}
    if survey.closed_at is not None:
        return _("Đợt khảo sát đã đóng ngày %(date)s, không nhận thêm câu trả lời.") % {
            "date": _date(timezone.localtime(survey.closed_at))
        }
    if today > survey.deadline:
        return _(
            "Đã hết hạn trả lời (%(date)s). Nếu cần gửi muộn, hãy liên hệ đơn vị khảo sát."
        ) % {"date": _date(survey.deadline)}
    return ""


@transaction.atomic
def survey_respond(*, actor, recipient: SurveyRecipient, answers: dict, request=None) -> Response:
    """Record the one answer of a recipient: checked, scored, stored encrypted."""
    # Lock the recipient: a double tap or two colleagues answering for the same school at once
    # must give one answer and a clear refusal, never two answers or an overwrite.
    recipient = (
        SurveyRecipient.objects.select_for_update(of=("self",))
        .select_related("survey__version__instrument", "responded_by")
        .get(pk=recipient.pk)
    )
    if not survey_access.may_answer(actor, recipient):
        raise PermissionDenied
    refusal = answer_refusal(recipient)
    if not refusal and Response.objects.filter(recipient=recipient).exists():
        refusal = _("Phiếu này đã được trả lời; câu trả lời đã gửi được giữ nguyên.")
    if refusal:
        raise ValidationError(refusal, code="refused")
    survey = recipient.survey
    definition = survey.version.definition
    try:
        checked = clean_answers(definition, answers)
    except AnswerError as error:
        raise ValidationError(
            {code or NON_FIELD_ERRORS: [message] for code, message in error.errors.items()}
        ) from None
    result = score(definition, checked)
    now = timezone.now()
    response = Response(
        version=survey.version,
        recipient=recipient,
        answers_json=json.dumps(checked, ensure_ascii=False),
        total=result.total,
        band=result.band,
        flags=[flag.code for flag in result.flags],
        submitted_at=now,
    )
    response.full_clean()
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError:
        # The one-to-one: another answer for this recipient got in first.
        raise ValidationError(
            _("Phiếu này đã được trả lời; câu trả lời đã gửi được giữ nguyên."), code="refused"
        ) from None
    recipient.responded_at = now
    recipient.responded_by = actor
    recipient.save(update_fields=["responded_at", "responded_by"])
    audit.record(
        actor=actor,
        action="screening.survey_respond",
        obj=survey,
        org_unit=recipient.unit_id,
        request=request,
        extra={"recipient": recipient.pk, "response": response.pk},
    )
    return response


# --- Reminders and closing --------------------------------------------------------------------


def _remind(survey: Survey, pending: list[SurveyRecipient], stage: str, now) -> int:
    """Notify the people of `pending` and stamp them; returns how many notifications went."""
    today = timezone.localdate(now)
    with override("vi"):
        if stage == STAGE_LATE:
            text = _("Đợt khảo sát đã hết hạn ngày %(date)s mà chưa có câu trả lời: %(title)s")
        elif stage == STAGE_DUE:
            text = _("Hôm nay (%(date)s) là hạn trả lời phiếu khảo sát: %(title)s")
        else:
            text = _("Nhắc trả lời phiếu khảo sát trước %(date)s: %(title)s")
        text %= {"date": _date(survey.deadline), "title": survey.title}
    # A manual reminder may be sent once a day; an automatic one once per stage.
    key = f"survey_remind:{survey.pk}:{stage}" + (
        f":{today.isoformat()}" if stage == STAGE_MANUAL else ""
    )
    sent = _tell(pending, text, key)
    SurveyRecipient.objects.filter(pk__in=[r.pk for r in pending]).update(last_reminded_at=now)
    return sent


@transaction.atomic
def survey_remind(*, actor, survey: Survey, request=None) -> int:
    """The owner reminds every recipient who has not answered; at most once a day per survey.

    Returns how many recipients were reminded.
    """
    # Lock the survey: two clicks at once must not both pass the once-a-day check.
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if not survey_access.can_manage(actor, survey):
        raise PermissionDenied
    now = timezone.now()
    today = timezone.localdate(now)
    if survey.closed_at is not None:
        raise ValidationError(_("Đợt khảo sát đã đóng, không nhắc được nữa."))
    if today > survey.deadline:
        raise ValidationError(_("Đã hết hạn trả lời, nhắc lúc này không còn ích gì."))
    last = survey.recipients.aggregate(last=Max("last_reminded_at"))["last"]
    if last is not None and timezone.localdate(last) == today:
        raise ValidationError(
            _("Đã nhắc lúc %(time)s hôm nay. Mỗi ngày chỉ nhắc một lần; ngày mai nhắc lại được.")
            % {"time": formats.date_format(timezone.localtime(last), "H:i")}
        )
    pending = list(survey.recipients.filter(responded_at__isnull=True).select_related("user"))
    if not pending:
        raise ValidationError(_("Mọi nơi nhận đã trả lời, không còn ai để nhắc."))
    _remind(survey, pending, STAGE_MANUAL, now)
    audit.record(
        actor=actor,
        action="screening.survey_remind",
        obj=survey,
        org_unit=survey.owner_id,
        request=request,
        extra={"stage": STAGE_MANUAL, "recipients": len(pending)},
    )
    return len(pending)


def _stage_on(survey: Survey, today) -> str:
    days_left = (survey.deadline - today).days
    return {REMIND_BEFORE_DAYS: STAGE_BEFORE, 0: STAGE_DUE, -1: STAGE_LATE}.get(days_left, "")


@transaction.atomic
def survey_remind_due(*, survey: Survey, today=None) -> int:
    """The automatic reminder of one survey for today's stage, if any (see tasks).

    Skips recipients who answered or were already reminded today; each stage's notification
    carries a dedupe key, so a rerun of the job sends nothing twice. Returns how many
    recipients were reminded.
    """
    survey = (
        Survey.objects.select_for_update(of=("self",)).select_related("owner").get(pk=survey.pk)
    )
    now = timezone.now()
    today = today or timezone.localdate(now)
    stage = _stage_on(survey, today)
    if not stage or survey.closed_at is not None:
        return 0
    start_of_today = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    pending = list(
        survey.recipients.filter(responded_at__isnull=True)
        .exclude(last_reminded_at__gte=start_of_today)
        .select_related("user")
    )
    if not pending:
        return 0
    _remind(survey, pending, stage, now)
    if stage == STAGE_LATE:
        _tell_owner_missed(survey, missing=len(pending))
    audit.record(
        actor=None,
        action="screening.survey_remind",
        obj=survey,
        org_unit=survey.owner_id,
        reason="survey_reminders",
        extra={"stage": stage, "recipients": len(pending)},
    )
    return len(pending)


def _tell_owner_missed(survey: Survey, *, missing: int) -> None:
    role = survey_access.OWNER_ROLE_AT[survey.owner.kind]
    officers = [
        m.user
        for m in Membership.objects.filter(
            org_unit_id=survey.owner_id, role=role, user__is_active=True
        ).select_related("user")
    ]
    with override("vi"):
        text = _("Đợt khảo sát đã hết hạn, %(n)s nơi nhận chưa trả lời: %(title)s") % {
            "n": missing,
            "title": survey.title,
        }
    notify(
        users=officers,
        kind=Kind.REMINDER,
        text=text,
        link=reverse("survey_detail", kwargs={"pk": survey.pk}),
        dedupe_key=f"survey_missed:{survey.pk}",
    )


def surveys_to_remind(today) -> list[int]:
    """Open surveys with a reminder stage today."""
    days = [
        today + datetime.timedelta(days=REMIND_BEFORE_DAYS),
        today,
        today - datetime.timedelta(days=1),
    ]
    return list(
        Survey.objects.filter(closed_at__isnull=True, deadline__in=days).values_list(
            "pk", flat=True
        )
    )


@transaction.atomic
def survey_close(*, actor, survey: Survey, request=None) -> Survey:
    """Stop taking answers (before the deadline if the owner has enough)."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if not survey_access.can_manage(actor, survey):
        raise PermissionDenied
    if survey.closed_at is not None:
        raise ValidationError(
            _("Đợt khảo sát đã đóng từ %(at)s.") % {"at": _local_time(survey.closed_at)}
        )
    survey.closed_at = timezone.now()
    survey.full_clean()
    survey.save(update_fields=["closed_at", "updated_at"])
    answered = survey.recipients.filter(responded_at__isnull=False).count()
    audit.record(
        actor=actor,
        action="screening.survey_close",
        obj=survey,
        org_unit=survey.owner_id,
        request=request,
        extra={"answered": answered, "recipients": survey.recipients.count()},
    )
    return survey
