"""Writes to the provider directory. Each provider is an OrgUnit (created through orgs.services)
with a ProviderProfile holding its directory details."""

import datetime
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from diemtua.accounts import access as account_access
from diemtua.accounts.roles import Role
from diemtua.audit import services as audit
from diemtua.core import working_hours
from diemtua.core.text import fold
from diemtua.orgs import services as org_services
from diemtua.orgs.models import OrgKind, OrgUnit

from .models import (
    Appointment,
    FailureReason,
    Outcome,
    ProviderProfile,
    Referral,
    ReferralStatus,
    SharedField,
    Urgency,
)

PROFILE_FIELDS = (
    "category",
    "services",
    "phone",
    "email",
    "opening_hours",
    "catchment",
    "accepts_referrals",
    "notes",
)
UNIT_FIELDS = ("name", "address")


def _search_text(profile: ProviderProfile) -> str:
    return fold(
        " ".join([profile.unit.name, profile.unit.code, profile.services, profile.catchment])
    )


def _next_code(parent: OrgUnit) -> str:
    """A free code for a provider when the officer gives none: <province code>-DV<n>."""
    taken = set(
        OrgUnit.objects.filter(
            kind=OrgKind.PROVIDER, code__startswith=f"{parent.code}-DV"
        ).values_list("code", flat=True)
    )
    n = len(taken) + 1
    while f"{parent.code}-DV{n}" in taken:
        n += 1
    return f"{parent.code}-DV{n}"


@transaction.atomic
def provider_create(
    *,
    actor,
    parent: OrgUnit,
    name: str,
    category: str,
    code: str = "",
    address: str = "",
    services: str = "",
    phone: str = "",
    email: str = "",
    opening_hours: str = "",
    catchment: str = "",
    accepts_referrals: bool = False,
    notes: str = "",
    request=None,
) -> ProviderProfile:
    """Add a provider to a province (or, under the Ministry, a nationwide one).

    When a current provider unit with this code already exists under `parent` without a
    directory entry (made before the directory existed), the entry is attached to it.
    """
    if parent.kind not in {OrgKind.DEPARTMENT, OrgKind.MINISTRY} or not parent.is_current:
        raise ValidationError({"parent": _("Đơn vị phối hợp phải thuộc một Sở hoặc Bộ.")})
    code = code.strip().upper()
    unit = None
    if code:
        unit = OrgUnit.objects.filter(
            kind=OrgKind.PROVIDER, code=code, valid_to__isnull=True
        ).first()
        if unit is not None and (
            unit.parent_id != parent.pk or ProviderProfile.objects.filter(unit=unit).exists()
        ):
            raise ValidationError({"code": _("Mã này đã được dùng cho một đơn vị phối hợp khác.")})
    if unit is None:
        unit = org_services.org_unit_create(
            actor=actor,
            kind=OrgKind.PROVIDER,
            name=name,
            code=code or _next_code(parent),
            parent=parent,
            address=address,
            audit_reason="provider_create",
        )
    else:
        unit = org_services.org_unit_update(
            actor=actor, unit=unit, name=name, address=address, audit_reason="provider_create"
        )
    profile = ProviderProfile(
        unit=unit,
        category=category,
        services=services,
        phone=phone,
        email=email,
        opening_hours=opening_hours,
        catchment=catchment,
        accepts_referrals=accepts_referrals,
        notes=notes,
    )
    profile.search_text = _search_text(profile)
    profile.full_clean()
    profile.save()
    audit.record(
        actor=actor,
        action="referrals.provider_create",
        obj=profile,
        org_unit=unit,
        request=request,
        extra={"category": category, "accepts_referrals": accepts_referrals},
    )
    return profile


@transaction.atomic
def provider_update(*, actor, profile: ProviderProfile, request=None, **changes) -> ProviderProfile:
    """Change a provider's name, address or directory details."""
    unknown = set(changes) - set(PROFILE_FIELDS) - set(UNIT_FIELDS)
    if unknown:
        raise TypeError(f"provider_update: unknown fields {sorted(unknown)}")
    profile = ProviderProfile.objects.select_for_update().select_related("unit").get(pk=profile.pk)
    unit_changes = {f: changes[f] for f in UNIT_FIELDS if f in changes}
    changed = [f for f in UNIT_FIELDS if f in changes and getattr(profile.unit, f) != changes[f]]
    if changed:
        profile.unit = org_services.org_unit_update(
            actor=actor, unit=profile.unit, audit_reason="provider_update", **unit_changes
        )
    profile_changed = [
        f for f in PROFILE_FIELDS if f in changes and getattr(profile, f) != changes[f]
    ]
    if not changed and not profile_changed:
        return profile
    for field in profile_changed:
        setattr(profile, field, changes[field])
    profile.search_text = _search_text(profile)
    profile.full_clean()
    profile.save(update_fields=[*profile_changed, "search_text", "updated_at"])
    audit.record(
        actor=actor,
        action="referrals.provider_update",
        obj=profile,
        org_unit=profile.unit,
        request=request,
        extra={"changed": sorted(changed + profile_changed)},
    )
    return profile


# --- Referrals ----------------------------------------------------------------------------------
# A referral is sent by a counselor of the case (consent covering the partner, or an emergency
# recorded, through cases.services.disclosure_record) and answered by the partner's staff:
# sent → accepted | declined; accepted → closed (with an outcome). Audit rows carry ids and
# codes only, never the reason, the snapshot or the feedback.

RESPOND_WITHIN = datetime.timedelta(hours=16)  # two working days of 8 hours


def _referral_audit(actor, action: str, referral, request, **extra) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=referral,
        org_unit=referral.school_id,
        request=request,
        extra={"case": referral.case_id, "provider": referral.provider_id, **extra},
    )
    _tell(action, referral)


# Who hears of each step of the loop, and what they read (a number and a link, never a name).
_TOLD = {
    "referrals.referral_send": ("partner", gettext_noop("Có chuyển gửi mới #%(pk)s từ một trường")),
    "referrals.referral_accept": ("school", gettext_noop("Chuyển gửi #%(pk)s đã được tiếp nhận")),
    "referrals.referral_decline": ("school", gettext_noop("Chuyển gửi #%(pk)s bị từ chối")),
    "referrals.appointment_record": ("school", gettext_noop("Chuyển gửi #%(pk)s có lịch hẹn mới")),
    "referrals.referral_close": ("school", gettext_noop("Chuyển gửi #%(pk)s đã có kết quả")),
}


def _tell(action: str, referral) -> None:
    if action not in _TOLD:
        return
    from django.urls import reverse
    from django.utils.translation import gettext, override

    from diemtua.notifications import recipients
    from diemtua.notifications.models import Kind
    from diemtua.notifications.services import notify

    side, text = _TOLD[action]
    with override("vi"):
        message = gettext(text) % {"pk": referral.pk}
    if side == "partner":
        users = recipients.at_unit(referral.provider_id, [Role.PARTNER_STAFF])
    else:
        users = list(referral.case.counselors.all())
    link = reverse("partner_referral_detail", kwargs={"pk": referral.pk})
    transaction.on_commit(lambda: notify(users=users, kind=Kind.REFERRAL, text=message, link=link))


def _snapshot(case, fields: list[str], summary: str) -> dict[str, str]:
    """The values of the chosen fields as they are now; nothing that was not chosen."""
    student = case.student
    data = {}
    for code in fields:
        if code == SharedField.SUMMARY:
            data[code] = summary.strip()
        elif code == SharedField.RISK_LEVEL:
            latest = case.assessments.order_by("-assessed_on", "-pk").first()
            data[code] = (
                f"{latest.get_risk_level_display()} ({latest.assessed_on:%d/%m/%Y})"
                if latest
                else str(_("Chưa đánh giá"))
            )
        elif code == SharedField.FULL_NAME:
            data[code] = student.full_name
        elif code == SharedField.DATE_OF_BIRTH:
            data[code] = f"{student.date_of_birth:%d/%m/%Y}"
        elif code == SharedField.CLASS_NAME:
            data[code] = student.class_name
        elif code == SharedField.GUARDIAN_CONTACT:
            data[code] = "; ".join(
                ", ".join(
                    part
                    for part in (
                        f"{g.full_name} ({g.get_relationship_display()})",
                        g.phone,
                        g.email,
                    )
                    if part
                )
                for g in student.guardians.all()
            ) or str(_("Chưa có"))
    return data


STUDENT_FIELDS = {
    SharedField.FULL_NAME,
    SharedField.DATE_OF_BIRTH,
    SharedField.CLASS_NAME,
    SharedField.GUARDIAN_CONTACT,
}


@transaction.atomic
def referral_send(
    *,
    actor,
    case,
    provider: OrgUnit,
    reason: str,
    urgency: str,
    fields,
    summary: str = "",
    feedback_due_on: datetime.date,
    emergency_reason: str = "",
    request=None,
) -> Referral:
    from diemtua.cases import services as case_services

    case = case_services.case_for_work(actor=actor, case=case)
    fields = [code for code in SharedField.values if code in set(fields or ())]
    errors = {}
    profile = ProviderProfile.objects.filter(unit=provider).first()
    if (
        provider.kind != OrgKind.PROVIDER
        or provider.valid_to is not None
        or profile is None
        or not profile.accepts_referrals
    ):
        errors["provider"] = _("Đơn vị này không nhận chuyển gửi qua Điểm Tựa.")
    else:
        from . import selectors

        targets = selectors.referral_targets(fetched_by=actor)
        if not targets.filter(unit_id=provider.pk).exists():
            # The form offers only these; the service checks again (defence in depth).
            errors["provider"] = _("Đơn vị này không nằm trong danh bạ của trường.")
        elif any(
            fold(p.name) == fold(provider.name) and p.pk != provider.pk
            for p in OrgUnit.objects.filter(kind=OrgKind.PROVIDER, valid_to__isnull=True)
        ):
            # Consent names its partner; two current units with that name would make one
            # consent cover both. Refuse rather than guess which one the family agreed to.
            errors["provider"] = _(
                "Có đơn vị khác trùng tên với đơn vị này; sự đồng ý không phân biệt được. "
                "Hãy báo Sở GD&ĐT sửa tên trong danh bạ."
            )
    if not (reason or "").strip():
        errors["reason"] = _("Hãy ghi lý do chuyển gửi.")
    if urgency not in Urgency.values:
        errors["urgency"] = _("Hãy chọn mức độ khẩn.")
    if not fields:
        errors["fields"] = _("Hãy chọn ít nhất một thông tin gửi cho đơn vị nhận.")
    elif case.student_id is None and STUDENT_FIELDS & set(fields):
        errors["fields"] = _(
            "Hồ sơ ẩn danh: chưa biết học sinh là ai nên không thể gửi họ tên, ngày sinh, lớp "
            "hay liên hệ phụ huynh."
        )
    if SharedField.SUMMARY in fields and not (summary or "").strip():
        errors["summary"] = _("Đã chọn gửi bản tóm tắt: hãy viết bản tóm tắt.")
    if summary.strip() and SharedField.SUMMARY not in fields:
        errors["summary"] = _("Bản tóm tắt chỉ được gửi khi chọn “Tóm tắt của cán bộ tư vấn”.")
    if feedback_due_on is None or feedback_due_on <= timezone.localdate():
        errors["feedback_due_on"] = _("Hạn gửi kết quả phải sau hôm nay.")
    if errors:
        raise ValidationError(errors)
    if len(reason) > case_services.TEXT_MAX or len(summary) > case_services.TEXT_MAX:
        raise ValidationError(
            _("Nội dung dài quá %(max)s ký tự.") % {"max": case_services.TEXT_MAX}
        )
    # The same rule as any sharing with a partner (cases.services): the consent covering this
    # partner by name, or an emergency recorded (audited, shown on the case and its chronology).
    consent, emergency = case_services.sharing_basis(
        actor=actor,
        case=case,
        partner_name=provider.name,
        emergency_reason=emergency_reason,
        request=request,
    )
    now = timezone.now()
    referral = Referral(
        case=case,
        school_id=case.school_id,
        provider=provider,
        consent=consent,
        emergency=emergency,
        reason=reason.strip(),
        urgency=urgency,
        shared_fields=",".join(fields),
        shared=json.dumps(_snapshot(case, fields, summary or ""), ensure_ascii=False),
        sent_at=now,
        sent_by=actor,
        respond_due_at=working_hours.calendar().add(now, RESPOND_WITHIN),
        feedback_due_on=feedback_due_on,
    )
    referral.full_clean()
    referral.save(force_insert=True)
    _referral_audit(
        actor,
        "referrals.referral_send",
        referral,
        request,
        urgency=urgency,
        fields=fields,
        emergency=emergency is not None,
    )
    return referral


def _locked_referral(referral: Referral) -> Referral:
    return Referral.objects.select_for_update().get(pk=referral.pk)


def _require_partner(actor, referral: Referral) -> None:
    """Services check again what access.py checked: only the receiving organisation's staff."""
    if Role.PARTNER_STAFF not in account_access.roles_over(actor, referral.provider_id):
        raise PermissionDenied


def _require_status(referral: Referral, *allowed: str, message) -> None:
    if referral.status not in allowed:
        raise ValidationError(message)


@transaction.atomic
def referral_accept(*, actor, referral: Referral, request=None) -> Referral:
    referral = _locked_referral(referral)
    _require_partner(actor, referral)
    _require_status(
        referral,
        ReferralStatus.SENT,
        message=_("Chuyển gửi này đã được trả lời (%(status)s), không thể tiếp nhận nữa.")
        % {"status": referral.get_status_display()},
    )
    referral.status = ReferralStatus.ACCEPTED
    referral.responded_at = timezone.now()
    referral.responded_by = actor
    referral.full_clean()
    referral.save(update_fields=["status", "responded_at", "responded_by", "updated_at"])
    _referral_audit(actor, "referrals.referral_accept", referral, request)
    return referral


@transaction.atomic
def referral_decline(*, actor, referral: Referral, reason: str, request=None) -> Referral:
    referral = _locked_referral(referral)
    _require_partner(actor, referral)
    _require_status(
        referral,
        ReferralStatus.SENT,
        message=_("Chuyển gửi này đã được trả lời (%(status)s), không thể từ chối nữa.")
        % {"status": referral.get_status_display()},
    )
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Hãy ghi lý do từ chối để trường tìm nơi khác.")})
    referral.status = ReferralStatus.DECLINED
    referral.decline_reason = reason.strip()
    referral.responded_at = timezone.now()
    referral.responded_by = actor
    referral.full_clean()
    referral.save(
        update_fields=["status", "decline_reason", "responded_at", "responded_by", "updated_at"]
    )
    _referral_audit(actor, "referrals.referral_decline", referral, request)
    return referral


@transaction.atomic
def appointment_record(
    *, actor, referral: Referral, at: datetime.datetime, details: str = "", request=None
) -> Appointment:
    referral = _locked_referral(referral)
    _require_partner(actor, referral)
    _require_status(
        referral,
        ReferralStatus.ACCEPTED,
        message=_("Chỉ ghi lịch hẹn cho chuyển gửi đã tiếp nhận và chưa kết thúc."),
    )
    if at is None:
        raise ValidationError({"at": _("Hãy ghi thời gian hẹn.")})
    # A real appointment falls between the case's opening and the next two years (records
    # typed in later may be in the past). Compared as dates: converting a year-1 time to UTC
    # would itself overflow.
    earliest = referral.case.opened_on - datetime.timedelta(days=1)
    latest = timezone.localdate() + datetime.timedelta(days=731)
    if not earliest <= at.date() <= latest:
        raise ValidationError({"at": _("Thời gian hẹn không hợp lệ; hãy kiểm tra ngày.")})
    appointment = Appointment(
        referral=referral, at=at, details=(details or "").strip(), recorded_by=actor
    )
    appointment.full_clean()
    appointment.save(force_insert=True)
    _referral_audit(
        actor, "referrals.appointment_record", referral, request, appointment=appointment.pk
    )
    return appointment


@transaction.atomic
def referral_close(
    *,
    actor,
    referral: Referral,
    outcome: str,
    failure_reason: str = "",
    feedback: str = "",
    request=None,
) -> Referral:
    referral = _locked_referral(referral)
    _require_partner(actor, referral)
    _require_status(
        referral,
        ReferralStatus.ACCEPTED,
        message=_("Chỉ kết thúc được chuyển gửi đã tiếp nhận (hiện: %(status)s).")
        % {"status": referral.get_status_display()},
    )
    errors = {}
    if outcome not in Outcome.values:
        errors["outcome"] = _("Hãy chọn kết quả: thành công hay không thành công.")
    elif outcome == Outcome.NOT_SUCCESSFUL and failure_reason not in FailureReason.values:
        errors["failure_reason"] = _("Không thành công: hãy chọn lý do.")
    elif outcome == Outcome.SUCCESSFUL and failure_reason:
        errors["failure_reason"] = _("Kết quả thành công thì không ghi lý do không thành công.")
    if not (feedback or "").strip():
        errors["feedback"] = _("Hãy ghi phản hồi cho nhà trường (không cần chi tiết điều trị).")
    if errors:
        raise ValidationError(errors)
    referral.status = ReferralStatus.CLOSED
    referral.outcome = outcome
    referral.failure_reason = failure_reason if outcome == Outcome.NOT_SUCCESSFUL else ""
    referral.feedback = feedback.strip()
    referral.closed_at = timezone.now()
    referral.closed_by = actor
    referral.full_clean()
    referral.save(
        update_fields=[
            "status",
            "outcome",
            "failure_reason",
            "feedback",
            "closed_at",
            "closed_by",
            "updated_at",
        ]
    )
    _referral_audit(
        actor,
        "referrals.referral_close",
        referral,
        request,
        outcome=outcome,
        failure_reason=referral.failure_reason,
    )
    return referral
