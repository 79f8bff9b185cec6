"""Referrals to partner organisations (Circular 18/2025: the school connects students with
health, social-work and child-protection services), counted on the day each step happened."""

from django.utils.translation import gettext_lazy as _

from diemtua.referrals.models import Outcome, Referral, ReferralStatus

from .base import Indicator, counted, datetime_between, in_units, register

SECTION = _("Chuyển gửi")
DIMS = {"referral_urgency": "urgency"}


def _referrals(unit_ids):
    return in_units(Referral.objects.all(), "school_id", unit_ids)


def _sent(period, unit_ids):
    qs = _referrals(unit_ids).filter(**datetime_between("sent_at", period))
    return counted(qs, "school_id", DIMS)


def _accepted(period, unit_ids):
    # Only an accepted referral can be closed (referrals.services.referral_close), so a closed
    # one was accepted too; a declined one also has responded_at and is left out.
    qs = _referrals(unit_ids).filter(
        status__in=[ReferralStatus.ACCEPTED, ReferralStatus.CLOSED],
        **datetime_between("responded_at", period),
    )
    return counted(qs, "school_id", DIMS)


def _completed(period, unit_ids):
    qs = _referrals(unit_ids).filter(
        status=ReferralStatus.CLOSED, **datetime_between("closed_at", period)
    )
    return counted(qs, "school_id", DIMS)


def _successful(period, unit_ids):
    qs = _referrals(unit_ids).filter(
        status=ReferralStatus.CLOSED,
        outcome=Outcome.SUCCESSFUL,
        **datetime_between("closed_at", period),
    )
    return counted(qs, "school_id", DIMS)


register(
    Indicator(
        code="referrals_sent",
        name=_("Chuyển gửi đã gửi"),
        description=_(
            "Số lượt trường chuyển gửi học sinh đến đơn vị phối hợp có thời điểm gửi trong kỳ, "
            "theo mức độ khẩn."
        ),
        section=SECTION,
        compute=_sent,
        dimensions=("referral_urgency",),
    )
)

register(
    Indicator(
        code="referrals_accepted",
        name=_("Chuyển gửi được tiếp nhận"),
        description=_(
            "Số lượt chuyển gửi của trường được đơn vị phối hợp tiếp nhận, có thời điểm tiếp "
            "nhận trong kỳ (kể cả lượt đã kết thúc sau đó; lượt bị từ chối không tính). Lượt "
            "gửi cuối kỳ trước có thể được tiếp nhận trong kỳ này."
        ),
        section=SECTION,
        compute=_accepted,
        dimensions=("referral_urgency",),
    )
)

register(
    Indicator(
        code="referrals_completed",
        name=_("Chuyển gửi đã hoàn tất"),
        description=_(
            "Số lượt chuyển gửi được đơn vị phối hợp kết thúc và gửi phản hồi kết quả cho "
            "trường, có thời điểm kết thúc trong kỳ (thành công hay không thành công)."
        ),
        section=SECTION,
        compute=_completed,
        dimensions=("referral_urgency",),
    )
)

register(
    Indicator(
        code="referrals_successful",
        name=_("Chuyển gửi thành công"),
        description=_(
            "Số lượt chuyển gửi được kết thúc trong kỳ (theo thời điểm kết thúc) với kết quả "
            "“Thành công” do đơn vị phối hợp ghi."
        ),
        section=SECTION,
        compute=_successful,
        dimensions=("referral_urgency",),
    )
)
