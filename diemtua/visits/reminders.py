"""Reminders of follow-up actions the visited school still owes (open or returned):
three days before the deadline, on the day, and once a week while overdue — to the school's
leadership and counselors; the weekly overdue reminder goes to the visitors too, since both
sides follow it. Each has a dedupe key with the stage and day, so reruns send nothing twice."""

import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from diemtua.notifications.models import Kind
from diemtua.notifications.services import notify

from . import services
from .models import PENDING_STATUSES, FollowUpAction, VisitStatus

DAYS_BEFORE = 3
OVERDUE_EVERY_DAYS = 7


def _stage(action: FollowUpAction, today: datetime.date) -> str:
    if action.due_on == today + datetime.timedelta(days=DAYS_BEFORE):
        return "soon"
    if action.due_on == today:
        return "today"
    late = (today - action.due_on).days
    if late > 0 and late % OVERDUE_EVERY_DAYS == 1:  # the day after, then weekly
        return "overdue"
    return ""


def actions_to_remind(today: datetime.date):
    """Pending actions of sent visits at one of the stages (one query, whatever their number)."""
    overdue_days = Q(due_on__lt=today)
    return (
        FollowUpAction.objects.filter(
            status__in=PENDING_STATUSES, visit__status=VisitStatus.COMPLETED
        )
        .filter(
            Q(due_on=today + datetime.timedelta(days=DAYS_BEFORE)) | Q(due_on=today) | overdue_days
        )
        .select_related("visit__school", "visit__visiting_unit", "visit__created_by")
        .order_by("due_on", "pk")
    )


def remind_actions(today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    sent = 0
    with override("vi"):
        for action in actions_to_remind(today):
            stage = _stage(action, today)
            if not stage:
                continue
            visit = action.visit
            users = services._school_people(visit)
            if stage == "soon":
                text = _("Còn %(n)s ngày đến hạn việc cần khắc phục (hạn %(due)s)") % {
                    "n": DAYS_BEFORE,
                    "due": services._d(action.due_on),
                }
            elif stage == "today":
                text = _("Hôm nay đến hạn việc cần khắc phục sau đợt làm việc ngày %(day)s") % {
                    "day": services._d(visit.visited_on)
                }
            else:
                text = _("Việc cần khắc phục của %(school)s đã quá hạn từ %(due)s") % {
                    "school": visit.school.name,
                    "due": services._d(action.due_on),
                }
                users = users + services._visitors(visit)
            sent += len(
                notify(
                    users=users,
                    kind=Kind.REMINDER,
                    text=text,
                    link=reverse("visit_action_detail", kwargs={"pk": action.pk}),
                    dedupe_key=f"visit_action_{stage}:{action.pk}:{today.isoformat()}",
                )
            )
    return sent
