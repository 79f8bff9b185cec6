"""Background jobs of visits (Celery beat; eagerly in the embedded default)."""

from celery import shared_task

from . import reminders


@shared_task(name="visits.remind_actions", ignore_result=True)
def remind_actions() -> int:
    """Remind schools of follow-up actions due in 3 days, due today, and weekly while overdue.

    Idempotent: every notification has a dedupe key with the stage and the day, so a rerun (or
    a retry) the same day sends nothing twice."""
    return reminders.remind_actions()
