"""Background jobs of directives (Celery beat; eagerly in the embedded default)."""

from celery import shared_task

from . import services


@shared_task(name="directives.send_reminders", ignore_result=True)
def send_reminders() -> int:
    """Remind units that have sent nothing: 3 days before a deadline, on the day, 1 and 7 days
    after. Idempotent (a dedupe key per assignment and stage), so hourly runs are safe."""
    return services.send_due_reminders()
