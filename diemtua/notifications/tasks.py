"""Daily digest and reminders (Celery beat; eagerly in the embedded default)."""

from celery import shared_task

from . import reminders, services


@shared_task(name="notifications.send_digests", ignore_result=True)
def send_digests() -> int:
    return services.send_digests()


@shared_task(name="notifications.send_reminders", ignore_result=True)
def send_reminders() -> int:
    """Idempotent: each reminder has a dedupe key per day, so a rerun sends nothing twice."""
    return reminders.send_all()
