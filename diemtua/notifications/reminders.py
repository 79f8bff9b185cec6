"""Reminders: follow-ups due, plan reviews due, safeguarding alerts still unacknowledged.

Each is sent once a day at most (dedupe key with the date), to the people who must act.
"""

from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from diemtua.accounts.roles import Role
from diemtua.cases.models import AlertLevel, Case, SafeguardingAlert, Stage, SupportPlan

from . import recipients
from .models import Kind
from .services import notify


def send_all(today=None) -> int:
    today = today or timezone.localdate()
    sent = 0
    # Stored texts are in the working language; they name no student, only a case number.
    with override("vi"):
        open_cases = Case.objects.exclude(stage=Stage.CLOSED).prefetch_related("counselors")
        for case in open_cases.filter(follow_up_on__lte=today):
            sent += len(notify(
                users=case.counselors.all(), kind=Kind.REMINDER,
                text=_("Hồ sơ #%(pk)s cần theo dõi hôm nay") % {"pk": case.pk},
                link=reverse("case_detail", kwargs={"pk": case.pk}),
                dedupe_key=f"follow_up:{case.pk}:{today.isoformat()}",
            ))  # fmt: skip
        latest_review = SupportPlan.objects.filter(case=OuterRef("pk")).order_by("-version")
        reviews = open_cases.annotate(
            review_on=Subquery(latest_review.values("review_on")[:1])
        ).filter(review_on__lte=today)
        for case in reviews:
            sent += len(notify(
                users=case.counselors.all(), kind=Kind.REMINDER,
                text=_("Đến hạn rà soát kế hoạch hỗ trợ của hồ sơ #%(pk)s") % {"pk": case.pk},
                link=reverse("case_detail", kwargs={"pk": case.pk}),
                dedupe_key=f"plan_review:{case.pk}:{today.isoformat()}",
            ))  # fmt: skip
        sent += _referrals(today)
        for alert in SafeguardingAlert.objects.filter(acknowledged_at__isnull=True):
            users = recipients.at_unit(alert.school_id, [Role.SCHOOL_LEAD, Role.COUNSELOR])
            if alert.level == AlertLevel.DEPARTMENT:
                users += recipients.department_officers_over(alert.school_id)
            sent += len(notify(
                users=users,
                kind=Kind.ALERT,
                text=_("Cảnh báo an toàn ở %(subject)s chưa được xác nhận")
                % {"subject": alert.subject},
                link=reverse("home"),
                dedupe_key=f"alert_unacked:{alert.pk}:{today.isoformat()}",
            ))  # fmt: skip
    return sent


def _referrals(today) -> int:
    """Unanswered referrals remind the partner's staff; late feedback reminds the school."""
    from diemtua.referrals.models import Referral, ReferralStatus

    sent = 0
    now = timezone.now()
    waiting = Referral.objects.filter(status=ReferralStatus.SENT, respond_due_at__lt=now)
    for referral in waiting:
        sent += len(notify(
            users=recipients.at_unit(referral.provider_id, [Role.PARTNER_STAFF]),
            kind=Kind.REFERRAL,
            text=_("Chuyển gửi #%(pk)s đang chờ đơn vị phản hồi") % {"pk": referral.pk},
            link=reverse("partner_referral_detail", kwargs={"pk": referral.pk}),
            dedupe_key=f"referral_answer:{referral.pk}:{today.isoformat()}",
        ))  # fmt: skip
    late = Referral.objects.filter(
        status__in=[ReferralStatus.SENT, ReferralStatus.ACCEPTED], feedback_due_on__lt=today
    ).select_related("case")
    for referral in late:
        sent += len(notify(
            users=referral.case.counselors.all(),
            kind=Kind.REFERRAL,
            text=_("Chuyển gửi #%(pk)s quá hạn gửi kết quả về trường") % {"pk": referral.pk},
            link=reverse("partner_referral_detail", kwargs={"pk": referral.pk}),
            dedupe_key=f"referral_feedback:{referral.pk}:{today.isoformat()}",
        ))  # fmt: skip
    return sent
