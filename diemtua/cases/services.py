"""Every write a counselor makes on requests and cases.

Each function checks the rules of the social-work process (receive → assess → plan → support →
review → close) and of consent, saves in one transaction, and writes one audit event that
names what happened but never the content. A refused write raises ValidationError with a
message for the person, and nothing is saved.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diemtua.accounts import access as account_access
from diemtua.accounts.roles import Role
from diemtua.audit import services as audit

from . import access, alerts, selectors
from . import consent as consent_rules
from .models import (
    SCOPE_FIELDS,
    ActionStatus,
    Assessment,
    Case,
    Consent,
    ConsentGiver,
    Disclosure,
    EmergencyOverride,
    HelpRequest,
    Outcome,
    PlanAction,
    RequestStatus,
    RiskLevel,
    Scope,
    Session,
    SessionForm,
    Stage,
    StageChange,
    SupportPlan,
)
from .reference import groups_in_force

# The process moves one step at a time; a case may close from any step (the student declines,
# moves school, or the problem resolves early) and a review may send it back to support or to
# a new plan. Reopening a closed case is its own action, with a reason.
TRANSITIONS = {
    Stage.RECEIVED: {Stage.ASSESSING, Stage.CLOSED},
    Stage.ASSESSING: {Stage.PLANNING, Stage.CLOSED},
    Stage.PLANNING: {Stage.SUPPORTING, Stage.CLOSED},
    Stage.SUPPORTING: {Stage.REVIEWING, Stage.CLOSED},
    Stage.REVIEWING: {Stage.SUPPORTING, Stage.PLANNING, Stage.CLOSED},
    Stage.CLOSED: set(),
}
REOPEN_TO = Stage.ASSESSING
# Consent given before the case was opened (at an earlier contact) is still on file, within reason.
CONSENT_BEFORE_CASE = datetime.timedelta(days=366)
# Dates planned ahead (reviews, due dates, follow-ups) stay within reach of a school year.
PLAN_AHEAD = datetime.timedelta(days=366)
# A session typed a few minutes ahead of the server clock is still "now".
CLOCK_SKEW = datetime.timedelta(minutes=5)
TEXT_MAX = 10_000


def _audit(actor, action: str, case: Case, request, **fields) -> None:
    """The one audit event of a write on a case: ids and codes only, never the text."""
    audit.record(
        actor=actor, action=action, obj=case, org_unit=case.school_id, request=request, **fields
    )


def _locked(case: Case) -> Case:
    """The case row as it is now, locked until the transaction ends.

    The caller's instance may be stale: another counselor may have closed or restricted the
    case since the page was loaded, and the rules must be checked against the stored state.
    """
    return Case.objects.select_for_update().get(pk=case.pk)


def _require_counselor(actor, case: Case) -> None:
    """Services check again what access.py checked: a bug in a view must not open a case."""
    if Role.COUNSELOR not in account_access.roles_over(actor, case.school_id):
        raise PermissionDenied
    if not access.can_see_case(actor, case):
        raise PermissionDenied


def case_for_work(*, actor, case: Case) -> Case:
    """For other apps that write on a case (referrals): the current row, locked, after the
    checks every write here makes — a counselor who may see it, and the case still open."""
    case = _locked(case)
    _require_counselor(actor, case)
    _require_open(case)
    return case


def sharing_basis(*, actor, case: Case, partner_name: str, emergency_reason: str, request=None):
    """(consent, emergency) for sharing with a named partner; the rule of disclosure_record."""
    return _consent_or_emergency(
        actor=actor,
        case=case,
        scope=Scope.SHARING,
        on=timezone.localdate(),
        emergency_reason=emergency_reason,
        partner_name=partner_name,
        request=request,
    )


def _require_open(case: Case) -> None:
    if case.stage == Stage.CLOSED:
        raise ValidationError(_("Hồ sơ đã kết thúc. Hãy mở lại hồ sơ trước khi ghi thêm."))


def _check_text(**fields) -> None:
    long = {name: value for name, value in fields.items() if len(value or "") > TEXT_MAX}
    if long:
        message = _("Nội dung dài quá %(max)s ký tự.") % {"max": TEXT_MAX}
        raise ValidationError(dict.fromkeys(long, message))


def _check_date(field: str, value: datetime.date, case: Case, *, future_ok=False) -> None:
    """Dates of work on a case fall between the case's opening and today."""
    if value < case.opened_on:
        raise ValidationError(
            {
                field: _("Ngày không được trước ngày mở hồ sơ (%(date)s).")
                % {"date": case.opened_on.strftime("%d/%m/%Y")}
            }
        )
    if not future_ok and value > timezone.localdate():
        raise ValidationError({field: _("Ngày không được sau hôm nay.")})
    if value > timezone.localdate() + PLAN_AHEAD:
        raise ValidationError({field: _("Ngày hẹn phải trong vòng một năm tới.")})


def _check_groups(groups, case: Case) -> list:
    """Content groups of the generation in force on the case's date (Circular 31/2017 for
    records before 31/10/2025, Circular 18/2025 after)."""
    groups = list(groups)
    allowed = set(groups_in_force(case.opened_on).values_list("pk", flat=True))
    if any(group.pk not in allowed for group in groups):
        raise ValidationError(
            {"content_groups": _("Nhóm nội dung không thuộc văn bản áp dụng cho ngày mở hồ sơ.")}
        )
    return groups


def _log_stage(case: Case, *, actor, from_stage: str, to_stage: str, reason: str = "") -> None:
    StageChange.objects.create(
        case=case,
        from_stage=from_stage,
        to_stage=to_stage,
        changed_at=timezone.now(),
        changed_by=actor,
        reason=reason,
    )


# --- Opening cases and handling requests -------------------------------------------------


@transaction.atomic
def case_open(
    *,
    actor,
    school,
    student=None,
    alias: str = "",
    summary: str = "",
    content_groups=(),
    is_urgent: bool = False,
    opened_on: datetime.date | None = None,
    request=None,
) -> Case:
    """Open a case, assigned to the counselor who opens it."""
    if Role.COUNSELOR not in account_access.roles_over(actor, school.pk):
        raise PermissionDenied
    if student is not None and student.school_id != school.pk:
        raise ValidationError({"student": _("Học sinh không thuộc trường này.")})
    if student is None and not alias.strip() and not summary.strip():
        raise ValidationError(
            _("Hãy chọn học sinh, đặt tên gọi tạm hoặc ghi vấn đề, để nhận ra hồ sơ sau này.")
        )
    opened_on = opened_on or timezone.localdate()
    if opened_on > timezone.localdate():
        raise ValidationError({"opened_on": _("Ngày không được sau hôm nay.")})
    _check_text(summary=summary)
    case = Case(
        school=school,
        student=student,
        alias=alias.strip() if student is None else "",
        summary=summary.strip(),
        is_urgent=is_urgent,
        opened_on=opened_on,
        opened_by=actor,
    )
    case.full_clean()
    groups = _check_groups(content_groups, case)
    case.save(force_insert=True)
    case.counselors.add(actor)
    case.content_groups.set(groups)
    _log_stage(case, actor=actor, from_stage="", to_stage=Stage.RECEIVED)
    _audit(actor, "cases.case_open", case, request)
    return case


def _require_new_request(actor, help_request: HelpRequest) -> None:
    if Role.COUNSELOR not in account_access.roles_over(actor, help_request.school_id):
        raise PermissionDenied
    if help_request.status != RequestStatus.NEW:
        raise ValidationError(_("Yêu cầu này đã được tiếp nhận rồi."))


@transaction.atomic
def request_open_case(
    *, actor, help_request: HelpRequest, student=None, alias: str = "", request=None
) -> Case:
    """Triage: the request becomes a new case."""
    help_request = HelpRequest.objects.select_for_update().get(pk=help_request.pk)
    _require_new_request(actor, help_request)
    if help_request.student_id and student is not None and student.pk != help_request.student_id:
        # A teacher's referral names its student; moving it onto another child would put what
        # was written about one student into another's record.
        raise ValidationError({"student": _("Yêu cầu này nói về một học sinh khác.")})
    student = student or help_request.student
    if not alias and student is None and help_request.class_name:
        # Stored data, not interface text: always Vietnamese, whatever language the page is in.
        alias = f"Học sinh lớp {help_request.class_name}"
    if not alias and student is None:
        alias = f"Yêu cầu {help_request.tracking_code or help_request.pk}"
    today = timezone.localdate()
    in_force = set(groups_in_force(today).values_list("pk", flat=True))
    case = case_open(
        actor=actor,
        school=help_request.school,
        student=student,
        alias=alias,
        is_urgent=help_request.is_urgent,
        # A request filed under the old circular keeps its groups; the case takes today's.
        content_groups=[g for g in help_request.content_groups.all() if g.pk in in_force],
        request=request,
    )
    _attach(help_request, case, actor=actor, student=student)
    audit.record(
        actor=actor,
        action="cases.request_triage",
        obj=help_request,
        org_unit=help_request.school_id,
        request=request,
        extra={"case": case.pk, "new_case": True},
    )
    return case


@transaction.atomic
def request_attach_to_case(*, actor, help_request: HelpRequest, case: Case, request=None) -> Case:
    """Triage: the request belongs to a case already open (the same student asks again)."""
    help_request = HelpRequest.objects.select_for_update().get(pk=help_request.pk)
    _require_new_request(actor, help_request)
    case = _locked(case)
    _require_counselor(actor, case)
    if case.school_id != help_request.school_id:
        raise ValidationError({"case": _("Hồ sơ không thuộc trường này.")})
    _require_open(case)
    if help_request.student_id and case.student_id and help_request.student_id != case.student_id:
        raise ValidationError({"case": _("Yêu cầu nói về một học sinh khác với hồ sơ này.")})
    if help_request.is_urgent and not case.is_urgent:
        case.is_urgent = True
        case.save(update_fields=["is_urgent", "updated_at"])
    _attach(help_request, case, actor=actor, student=help_request.student or case.student)
    audit.record(
        actor=actor,
        action="cases.request_triage",
        obj=help_request,
        org_unit=help_request.school_id,
        request=request,
        extra={"case": case.pk, "new_case": False},
    )
    return case


def _attach(help_request: HelpRequest, case: Case, *, actor, student) -> None:
    help_request.case = case
    help_request.student = student
    help_request.status = RequestStatus.IN_CASE
    help_request.handled_at = timezone.now()
    help_request.save(update_fields=["case", "student", "status", "handled_at", "updated_at"])
    # A safeguarding alert a screening raised on the request now belongs to the case.
    help_request.alerts.filter(case__isnull=True).update(case=case)


@transaction.atomic
def request_reply(
    *, actor, help_request: HelpRequest, reply: str, close: bool = False, request=None
) -> HelpRequest:
    """Write the message the student reads with the code and PIN; optionally close the request.

    "Answer and close" is for what a reply settles (a question about exams, a wish to talk
    that a reply can arrange) and needs no case.
    """
    help_request = HelpRequest.objects.select_for_update().get(pk=help_request.pk)
    if Role.COUNSELOR not in account_access.roles_over(actor, help_request.school_id):
        raise PermissionDenied
    if help_request.case_id:
        _require_counselor(actor, help_request.case)
    reply = (reply or "").strip()
    if not reply:
        raise ValidationError({"reply": _("Hãy viết lời nhắn cho em.")})
    _check_text(reply=reply)
    # A teacher's referral has no code to read a reply with; closing is what they see.
    if help_request.channel == "teacher" and not help_request.tracking_code and not close:
        raise ValidationError(
            _("Báo cáo của giáo viên không có mã tra cứu; chỉ có thể trả lời và đóng.")
        )
    if help_request.channel == "screening" and not close:
        raise ValidationError(
            _("Kết quả sàng lọc không có mã tra cứu; chỉ có thể ghi nhận xét và đóng.")
        )
    if close and help_request.status != RequestStatus.NEW:
        raise ValidationError(_("Chỉ đóng được yêu cầu chưa tiếp nhận vào hồ sơ."))
    if close and help_request.is_urgent:
        # A child who may be in danger gets a case (assessment, plan, follow-up), not a note.
        raise ValidationError(
            _("Yêu cầu gấp không thể chỉ trả lời rồi đóng: hãy mở hồ sơ để theo dõi em.")
        )
    help_request.reply = reply
    help_request.replied_at = timezone.now()
    help_request.replied_by = actor
    fields = ["reply", "replied_at", "replied_by", "updated_at"]
    if close:
        help_request.status = RequestStatus.ANSWERED
        help_request.handled_at = help_request.replied_at
        fields += ["status", "handled_at"]
    help_request.save(update_fields=fields)
    audit.record(
        actor=actor,
        action="cases.request_reply",
        obj=help_request,
        org_unit=help_request.school_id,
        request=request,
        extra={"closed": close},
    )
    return help_request


# --- Moving through the process ----------------------------------------------------------


@transaction.atomic
def case_transition(
    *,
    actor,
    case: Case,
    to_stage: str,
    outcome: str = "",
    closing_summary: str = "",
    request=None,
) -> Case:
    case = _locked(case)
    _require_counselor(actor, case)
    if to_stage not in TRANSITIONS.get(case.stage, set()):
        if case.stage == Stage.CLOSED:
            raise ValidationError(_("Hồ sơ đã kết thúc; muốn làm tiếp, hãy mở lại với lý do."))
        raise ValidationError(
            _("Không thể chuyển hồ sơ từ bước “%(from)s” sang bước “%(to)s”.")
            % {"from": Stage(case.stage).label, "to": Stage(to_stage).label}
        )
    if to_stage == Stage.PLANNING and not case.assessments.exists():
        raise ValidationError(_("Cần ghi đánh giá trước khi lập kế hoạch hỗ trợ."))
    if to_stage == Stage.SUPPORTING and not case.plans.exists():
        raise ValidationError(_("Cần lập kế hoạch hỗ trợ trước khi thực hiện."))
    fields = ["stage", "updated_at"]
    if to_stage == Stage.CLOSED:
        errors = {}
        if outcome not in Outcome.values:
            errors["outcome"] = _("Hãy chọn kết quả hỗ trợ.")
        if not closing_summary.strip():
            errors["closing_summary"] = _("Hãy viết tóm tắt khi kết thúc hồ sơ.")
        if errors:
            raise ValidationError(errors)
        _check_text(closing_summary=closing_summary)
        case.outcome = outcome
        case.closing_summary = closing_summary.strip()
        case.closed_on = timezone.localdate()
        case.follow_up_on = None
        # Nothing stays "in progress" on a closed case, or it would sit in the overdue list.
        case.actions.filter(status=ActionStatus.OPEN).update(
            status=ActionStatus.DROPPED, updated_at=timezone.now()
        )
        fields += ["outcome", "closing_summary", "closed_on", "follow_up_on"]
    from_stage, case.stage = case.stage, to_stage
    case.save(update_fields=fields)
    # The closing summary also goes into the stage history: reopening clears the case's
    # current summary, and the earlier one must stay readable.
    _log_stage(
        case,
        actor=actor,
        from_stage=from_stage,
        to_stage=to_stage,
        reason=case.closing_summary if to_stage == Stage.CLOSED else "",
    )
    action = "cases.case_close" if to_stage == Stage.CLOSED else "cases.case_transition"
    _audit(
        actor, action, case, request, extra={"from": from_stage, "to": to_stage, "outcome": outcome}
    )
    return case


@transaction.atomic
def case_reopen(*, actor, case: Case, reason: str, request=None) -> Case:
    case = _locked(case)
    _require_counselor(actor, case)
    if case.stage != Stage.CLOSED:
        raise ValidationError(_("Hồ sơ đang mở, không cần mở lại."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Hãy ghi lý do mở lại hồ sơ.")})
    _check_text(reason=reason)
    case.stage = REOPEN_TO
    # The earlier outcome stays in the stage history and the audit trail.
    case.outcome = ""
    case.closing_summary = ""
    case.closed_on = None
    case.save(update_fields=["stage", "outcome", "closing_summary", "closed_on", "updated_at"])
    _log_stage(
        case, actor=actor, from_stage=Stage.CLOSED, to_stage=REOPEN_TO, reason=reason.strip()
    )
    _audit(actor, "cases.case_reopen", case, request)
    return case


@transaction.atomic
def case_update(
    *,
    actor,
    case: Case,
    student=None,
    alias: str = "",
    summary: str = "",
    content_groups=(),
    is_urgent: bool = False,
    follow_up_on: datetime.date | None = None,
    request=None,
) -> Case:
    case = _locked(case)
    _require_counselor(actor, case)
    _require_open(case)
    if case.student_id and student is not None and student.pk != case.student_id:
        raise ValidationError({"student": _("Không đổi được học sinh của hồ sơ đã gắn tên.")})
    if student is not None and student.school_id != case.school_id:
        raise ValidationError({"student": _("Học sinh không thuộc trường này.")})
    if follow_up_on is not None:
        _check_date("follow_up_on", follow_up_on, case, future_ok=True)
    _check_text(summary=summary)
    groups = _check_groups(content_groups, case)
    case.student = student or case.student
    case.alias = "" if case.student_id else alias.strip()
    case.summary = summary.strip()
    case.is_urgent = is_urgent
    case.follow_up_on = follow_up_on
    case.full_clean()
    case.save(
        update_fields=["student", "alias", "summary", "is_urgent", "follow_up_on", "updated_at"]
    )
    case.content_groups.set(groups)
    _audit(actor, "cases.case_update", case, request)
    return case


@transaction.atomic
def case_assign(*, actor, case: Case, counselors, restricted: bool, request=None) -> Case:
    """Who works on the case, and whether only they may see it."""
    case = _locked(case)
    _require_counselor(actor, case)
    if not case.counselors.filter(pk=actor.pk).exists():
        # Only the people on a case change who is on it; otherwise any colleague could take a
        # case over and restrict it against its counselor (orphaned cases: case_take_over).
        raise ValidationError(
            _("Chỉ cán bộ đang phụ trách hồ sơ mới thay đổi được người phụ trách.")
        )
    counselors = list(counselors)
    if not counselors:
        raise ValidationError({"counselors": _("Hồ sơ cần ít nhất một cán bộ phụ trách.")})
    allowed = set(selectors.school_counselors(case.school_id).values_list("pk", flat=True))
    if any(c.pk not in allowed for c in counselors):
        raise ValidationError({"counselors": _("Chỉ phân công được cán bộ tư vấn của trường này.")})
    if restricted and actor.pk not in {c.pk for c in counselors}:
        # Restricting a case you are not on would lock yourself out of what you just did.
        raise ValidationError(
            {"restricted": _("Muốn hạn chế hồ sơ, thầy cô cần là một người phụ trách.")}
        )
    case.counselors.set(counselors)
    case.restricted = restricted
    case.save(update_fields=["restricted", "updated_at"])
    _audit(
        actor,
        "cases.case_assign",
        case,
        request,
        extra={"counselors": sorted(c.pk for c in counselors), "restricted": restricted},
    )
    return case


@transaction.atomic
def case_take_over(*, actor, case: Case, reason: str, request=None) -> Case:
    """A counselor of the school takes up a restricted case whose counselors have all left.

    The reason is required and audited (it says why, not what the case is about); the case
    stays restricted, now to the one who took it.
    """
    case = _locked(case)
    if Role.COUNSELOR not in account_access.roles_over(actor, case.school_id):
        raise PermissionDenied
    if not case.restricted or selectors.has_active_assignee(case):
        raise ValidationError(_("Hồ sơ này vẫn có người phụ trách; không cần nhận thay."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Hãy ghi lý do nhận phụ trách hồ sơ.")})
    case.counselors.set([actor])
    _audit(actor, "cases.orphan_takeover", case, request, reason=reason[:255])
    return case


# --- Consent -------------------------------------------------------------------------------


@transaction.atomic
def consent_record(
    *,
    actor,
    case: Case,
    given_by: str,
    scopes,
    method: str,
    given_on: datetime.date,
    guardian=None,
    guardian_name: str = "",
    partner_name: str = "",
    request=None,
) -> Consent:
    case = _locked(case)
    _require_counselor(actor, case)
    _require_open(case)
    scopes = set(scopes)
    errors = {}
    if not scopes:
        errors["scopes"] = _("Hãy chọn ít nhất một việc được đồng ý.")
    if Scope.SHARING in scopes and not partner_name.strip():
        errors["partner_name"] = _("Hãy ghi tên đơn vị được chia sẻ thông tin.")
    if given_by == ConsentGiver.STUDENT and case.student_id is None and Scope.SHARING in scopes:
        errors["given_by"] = _(
            "Học sinh ẩn danh chưa thể đồng ý chia sẻ thông tin; cần biết em là ai."
        )
    if given_by == ConsentGiver.GUARDIAN:
        if guardian is not None and guardian.student_id != case.student_id:
            errors["guardian"] = _("Phụ huynh này không phải của học sinh trong hồ sơ.")
        if guardian is None and not guardian_name.strip():
            errors["guardian_name"] = _("Hãy chọn hoặc ghi tên phụ huynh đồng ý.")
    if errors:
        raise ValidationError(errors)
    if given_on > timezone.localdate():
        raise ValidationError({"given_on": _("Ngày không được sau hôm nay.")})
    if given_on < case.opened_on - CONSENT_BEFORE_CASE:
        raise ValidationError(
            {"given_on": _("Ngày đồng ý quá xa trước ngày mở hồ sơ; hãy kiểm tra lại.")}
        )
    consent = Consent(
        case=case,
        given_by=given_by,
        guardian=guardian if given_by == ConsentGiver.GUARDIAN else None,
        guardian_name=(guardian.full_name if guardian else guardian_name.strip())
        if given_by == ConsentGiver.GUARDIAN
        else "",
        partner_name=partner_name.strip() if Scope.SHARING in scopes else "",
        method=method,
        given_on=given_on,
        recorded_by=actor,
        **{field: scope in scopes for scope, field in SCOPE_FIELDS.items()},
    )
    consent.full_clean()
    consent.save(force_insert=True)
    _audit(
        actor,
        "cases.consent_record",
        case,
        request,
        extra={"consent": consent.pk, "given_by": given_by, "scopes": sorted(scopes)},
    )
    return consent


@transaction.atomic
def consent_withdraw(
    *, actor, consent: Consent, withdrawn_on: datetime.date, note: str = "", request=None
) -> Consent:
    consent = Consent.objects.select_for_update().select_related("case").get(pk=consent.pk)
    _require_counselor(actor, consent.case)
    if consent.withdrawn_on is not None:
        raise ValidationError(_("Sự đồng ý này đã được rút lại rồi."))
    if withdrawn_on < consent.given_on:
        raise ValidationError({"withdrawn_on": _("Ngày rút lại không được trước ngày đồng ý.")})
    if withdrawn_on > timezone.localdate():
        raise ValidationError({"withdrawn_on": _("Ngày không được sau hôm nay.")})
    _check_text(note=note)
    consent.withdrawn_on = withdrawn_on
    consent.withdrawal_note = note.strip()
    consent.save(update_fields=["withdrawn_on", "withdrawal_note", "updated_at"])
    _audit(actor, "cases.consent_withdraw", consent.case, request, extra={"consent": consent.pk})
    return consent


def _consent_or_emergency(
    *,
    actor,
    case: Case,
    scope: str,
    on: datetime.date,
    emergency_reason: str,
    partner_name="",
    request=None,
    force: bool = False,
):
    """(the consent that covers the action, or the emergency recorded instead).

    Without consent the action is refused, unless the counselor records why someone is in
    danger; that override is audited and shown on the case. `force`: another participant
    lacks consent, so the emergency must be recorded even if this case's consent covers it.
    """
    covering = consent_rules.covering_consents(case, scope, on, partner_name)
    missing = consent_rules.missing_consent(case, scope, on, partner_name)
    if not missing and not force:
        return covering[0], None
    reason = (emergency_reason or "").strip()
    if not reason:
        raise ValidationError(
            {
                "emergency_reason": _(
                    "Chưa có sự đồng ý cho việc “%(scope)s” của: %(who)s. Hãy ghi nhận sự đồng ý "
                    "trước, hoặc ghi lý do khẩn cấp nếu có người đang gặp nguy hiểm."
                )
                % {"scope": Scope(scope).label, "who": ", ".join(missing)}
            }
        )
    _check_text(emergency_reason=reason)
    emergency = EmergencyOverride.objects.create(
        case=case, scope=scope, reason=reason, recorded_at=timezone.now(), recorded_by=actor
    )
    _audit(
        actor,
        "cases.emergency_override",
        case,
        request,
        reason=str(Scope(scope).label),
        extra={"scope": scope, "emergency": emergency.pk},
    )
    return None, emergency


# --- Assessment, plan, actions, sessions ---------------------------------------------------


@transaction.atomic
def assessment_record(
    *,
    actor,
    case: Case,
    assessed_on: datetime.date,
    risk_level: str,
    risk_reasons: str = "",
    protective_factors: str = "",
    needs: str = "",
    abuse_concern: bool = False,
    request=None,
) -> Assessment:
    case = _locked(case)
    _require_counselor(actor, case)
    _require_open(case)
    _check_date("assessed_on", assessed_on, case)
    _check_text(risk_reasons=risk_reasons, protective_factors=protective_factors, needs=needs)
    if risk_level in (RiskLevel.HIGH, RiskLevel.IMMINENT) and not risk_reasons.strip():
        raise ValidationError(
            {"risk_reasons": _("Mức nguy cơ cao hoặc tức thời cần ghi rõ lý do.")}
        )
    assessment = Assessment(
        case=case,
        assessed_on=assessed_on,
        risk_level=risk_level,
        risk_reasons=risk_reasons.strip(),
        protective_factors=protective_factors.strip(),
        needs=needs.strip(),
        abuse_concern=abuse_concern,
        assessed_by=actor,
    )
    assessment.full_clean()
    assessment.save(force_insert=True)
    serious = risk_level in (RiskLevel.HIGH, RiskLevel.IMMINENT) or abuse_concern
    if serious and not case.is_urgent:
        case.is_urgent = True
        case.save(update_fields=["is_urgent", "updated_at"])
    alerts.raise_for_assessment(
        actor=actor, case=case, risk_level=risk_level, abuse_concern=abuse_concern, request=request
    )
    _audit(
        actor,
        "cases.assessment_record",
        case,
        request,
        extra={"assessment": assessment.pk, "risk": risk_level},
    )
    return assessment


@transaction.atomic
def plan_save(
    *, actor, case: Case, goals: str, review_on: datetime.date, request=None
) -> SupportPlan:
    """A new version of the plan; earlier versions stay readable in the history."""
    case = _locked(case)
    _require_counselor(actor, case)
    _require_open(case)
    if not (goals or "").strip():
        raise ValidationError({"goals": _("Hãy ghi mục tiêu hỗ trợ.")})
    _check_text(goals=goals)
    _check_date("review_on", review_on, case, future_ok=True)
    last = case.plans.order_by("-version").first()
    plan = SupportPlan(
        case=case,
        version=(last.version + 1) if last else 1,
        goals=goals.strip(),
        review_on=review_on,
        written_by=actor,
    )
    plan.full_clean()
    plan.save(force_insert=True)
    _audit(
        actor, "cases.plan_save", case, request, extra={"plan": plan.pk, "version": plan.version}
    )
    return plan


@transaction.atomic
def action_add(
    *, actor, case: Case, description: str, owner: str, due_on: datetime.date, request=None
) -> PlanAction:
    case = _locked(case)
    _require_counselor(actor, case)
    _require_open(case)
    errors = {}
    if not (description or "").strip():
        errors["description"] = _("Hãy ghi việc cần làm.")
    if not (owner or "").strip():
        errors["owner"] = _("Hãy ghi ai làm việc này.")
    if errors:
        raise ValidationError(errors)
    _check_text(description=description)
    _check_date("due_on", due_on, case, future_ok=True)
    action = PlanAction(
        case=case, description=description.strip(), owner=owner.strip(), due_on=due_on
    )
    action.full_clean()
    action.save(force_insert=True)
    _audit(actor, "cases.action_add", case, request, extra={"action": action.pk})
    return action


@transaction.atomic
def action_set_status(*, actor, action: PlanAction, status: str, request=None) -> PlanAction:
    action = PlanAction.objects.select_for_update().select_related("case").get(pk=action.pk)
    _require_counselor(actor, action.case)
    _require_open(action.case)
    if status not in ActionStatus.values:
        raise ValidationError({"status": _("Trạng thái không hợp lệ.")})
    action.status = status
    action.done_on = timezone.localdate() if status == ActionStatus.DONE else None
    action.save(update_fields=["status", "done_on", "updated_at"])
    _audit(
        actor, "cases.action_update", action.case, request,
        extra={"action": action.pk, "status": status},
    )  # fmt: skip
    return action


@transaction.atomic
def session_record(
    *,
    actor,
    case: Case,
    held_at: datetime.datetime,
    form: str,
    duration_minutes: int,
    other_students=(),
    others_present: str = "",
    content_groups=(),
    notes: str = "",
    next_steps: str = "",
    follow_up_on: datetime.date | None = None,
    emergency_reason: str = "",
    request=None,
) -> Session:
    """A counseling session; a group session counts every student in it."""
    case = _locked(case)
    _require_counselor(actor, case)
    _require_open(case)
    if held_at > timezone.now() + CLOCK_SKEW:
        raise ValidationError({"held_at": _("Buổi tư vấn chưa diễn ra: thời gian sau bây giờ.")})
    held_on = timezone.localtime(held_at).date()
    _check_date("held_at", held_on, case)
    if follow_up_on is not None and follow_up_on < held_on:
        raise ValidationError({"follow_up_on": _("Ngày hẹn theo dõi phải sau buổi tư vấn.")})
    _check_text(notes=notes, next_steps=next_steps)
    other_students = [s for s in other_students if s.pk != case.student_id]
    if form != SessionForm.GROUP and other_students:
        raise ValidationError(
            {"other_students": _("Chỉ buổi tư vấn nhóm mới có thêm học sinh khác.")}
        )
    if any(s.school_id != case.school_id for s in other_students):
        raise ValidationError({"other_students": _("Có học sinh không thuộc trường này.")})
    groups = _check_groups(content_groups, case)
    # Each child in a group session is counseled, so each needs their own consent on file.
    seen = selectors.visible_cases(fetched_by=actor, school=case.school).values("pk")
    without = [
        s
        for s in other_students
        if consent_rules.student_lacks_counseling_consent(s, held_on, seen)
    ]
    if without and not emergency_reason.strip():
        raise ValidationError(
            {
                "other_students": _(
                    "Chưa có sự đồng ý tư vấn của: %(names)s. Hãy ghi nhận sự đồng ý trong hồ sơ "
                    "của các em, hoặc ghi lý do khẩn cấp."
                )
                % {"names": ", ".join(s.full_name for s in without)}
            }
        )
    _consent, emergency = _consent_or_emergency(
        actor=actor,
        case=case,
        scope=Scope.COUNSELING,
        on=held_on,
        emergency_reason=emergency_reason,
        request=request,
        force=bool(without),
    )
    session = Session(
        case=case,
        school_id=case.school_id,
        held_at=held_at,
        form=form,
        duration_minutes=duration_minutes,
        others_present=others_present.strip(),
        notes=notes.strip(),
        next_steps=next_steps.strip(),
        counselor=actor,
        emergency=emergency,
    )
    session.full_clean()
    session.save(force_insert=True)
    students = ([case.student] if case.student_id else []) + other_students
    session.students.set(students)
    session.content_groups.set(groups)
    if follow_up_on is not None:
        case.follow_up_on = follow_up_on
        case.save(update_fields=["follow_up_on", "updated_at"])
    audit.record(
        actor=actor,
        action="cases.session_record",
        obj=session,
        org_unit=case.school_id,
        request=request,
        extra={"case": case.pk, "students": len(students), "emergency": bool(emergency)},
    )
    return session


@transaction.atomic
def disclosure_record(
    *, actor, case: Case, partner_name: str, content: str, emergency_reason: str = "", request=None
) -> Disclosure:
    """Information shared with a partner outside the school, and the consent it rests on."""
    case = _locked(case)
    _require_counselor(actor, case)
    errors = {}
    if not (partner_name or "").strip():
        errors["partner_name"] = _("Hãy ghi đơn vị nhận thông tin.")
    if not (content or "").strip():
        errors["content"] = _("Hãy ghi đã chia sẻ những thông tin gì.")
    if errors:
        raise ValidationError(errors)
    _check_text(content=content)
    consent, emergency = sharing_basis(
        actor=actor,
        case=case,
        partner_name=partner_name,
        emergency_reason=emergency_reason,
        request=request,
    )
    disclosure = Disclosure.objects.create(
        case=case,
        partner_name=partner_name.strip(),
        content=content.strip(),
        shared_at=timezone.now(),
        consent=consent,
        emergency=emergency,
        shared_by=actor,
    )
    _audit(
        actor,
        "cases.disclosure_record",
        case,
        request,
        extra={"disclosure": disclosure.pk, "emergency": bool(emergency)},
    )
    return disclosure
