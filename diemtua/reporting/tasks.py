"""Background jobs of reporting: the debounced indicator refresh and long exports."""

from celery import shared_task


@shared_task(name="reporting.refresh_stale", acks_late=True)
def refresh_stale_task() -> dict:
    """Recompute the indicators of units whose records changed (see reporting.signals)."""
    from django.core.cache import cache

    from .rollup import refresh_stale
    from .signals import SCHEDULED_KEY

    # Let the next write schedule a new run: anything it marks is not covered by this one
    # unless it was marked before we read the marks.
    cache.delete(SCHEDULED_KEY)
    return refresh_stale()


@shared_task(name="reporting.refresh_all", acks_late=True)
def refresh_all_task() -> dict:
    """Nightly safety net: recompute the current school year for every unit."""
    import datetime

    from django.utils import timezone

    from .periods import school_year_of
    from .rollup import refresh

    today = timezone.localdate()
    return refresh(first=datetime.date(school_year_of(today), 9, 1), last=today)


@shared_task(name="reporting.rebuild_totals", acks_late=True)
def rebuild_totals_task() -> int:
    """Subtree totals for every period, after the org tree changed (idempotent)."""
    from .subtree import rebuild

    return rebuild()


@shared_task(name="reporting.run_export", acks_late=True)
def run_export_task(job_id: int) -> str:
    from .exports import run

    job = run(job_id)
    return job.status if job else "missing"
