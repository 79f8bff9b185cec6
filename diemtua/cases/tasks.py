"""Background jobs of the cases app (run by Celery beat; eagerly in the embedded default)."""

from celery import shared_task

from . import alerts


@shared_task(name="cases.escalate_alerts", ignore_result=True)
def escalate_alerts() -> int:
    """Idempotent: re-checks each alert under a lock, so a retry or a second worker is harmless."""
    return alerts.escalate_overdue()
