"""Keeping IndicatorValue rows current (DESIGN.md "Reporting").

`refresh(periods, unit_ids)` recomputes every indicator for those periods — for every unit, or
only the given ones — and replaces their rows in one transaction per period, so a dashboard
never reads half a refresh. Rows of a (unit, period) whose report is approved are locked: the
approved figures stay what the level above approved (DHIS2's "approval locks the data").
"""

import datetime
import logging

from django.db import transaction
from django.utils import timezone

from diemtua.core import bulk

from . import subtree
from .indicators import all_indicators
from .models import IndicatorValue, Period, PeriodKind, Report, ReportStatus, StaleUnit
from .periods import periods_touching, program_period

log = logging.getLogger(__name__)

# How far back a full refresh goes when nothing says otherwise: the 2024 pilot onwards.
HISTORY_START = datetime.date(2024, 1, 1)
VALUE_COLUMNS = ("org_unit_id", "period_id", "indicator", "disaggregation", "value", "computed_at")


def locked_pairs(period: Period) -> set[int]:
    """Units whose report for this period is approved (their values are frozen)."""
    return set(
        Report.objects.filter(period=period, status=ReportStatus.APPROVED).values_list(
            "org_unit_id", flat=True
        )
    )


def program_periods(first: datetime.date, last: datetime.date) -> list[Period]:
    from diemtua.programs.models import Program

    return [
        program_period(program)
        for program in Program.objects.filter(starts_on__lte=last, ends_on__gte=first)
    ]


def periods_for(first: datetime.date, last: datetime.date | None = None) -> list[Period]:
    """Every period (month, semester, school year, program) overlapping [first, last]."""
    last = last or timezone.localdate()
    if first > last:
        return []
    return periods_touching(first, last) + program_periods(first, last)


def refresh_period(period: Period, unit_ids: list[int] | None = None) -> int:
    """Recompute one period; returns the number of rows written."""
    locked = locked_pairs(period)
    computed_at = timezone.now()
    rows = []
    for indicator in all_indicators():
        for unit_id, key, value in indicator.compute(period, unit_ids):
            if unit_id in locked or unit_id is None:
                continue
            rows.append((unit_id, period.pk, indicator.code, key[:96], value, computed_at))
    with transaction.atomic():
        old = IndicatorValue.objects.filter(period=period).exclude(org_unit_id__in=locked)
        if unit_ids is not None:
            old = old.filter(org_unit_id__in=unit_ids)
        old.delete()
        # COPY, not bulk_create: a national refresh writes hundreds of thousands of rows per
        # period, and building a model instance for each was three quarters of its time.
        bulk.insert_rows(IndicatorValue._meta.db_table, VALUE_COLUMNS, rows)
        subtree.refresh(period, unit_ids)
    return len(rows)


def refresh(
    *,
    first: datetime.date = HISTORY_START,
    last: datetime.date | None = None,
    unit_ids: list[int] | None = None,
    kinds: set[str] | None = None,
) -> dict[str, int]:
    """Recompute every period overlapping [first, last] (optionally only some units)."""
    written = periods = 0
    for period in periods_for(first, last):
        if kinds and period.kind not in kinds:
            continue
        written += refresh_period(period, unit_ids)
        periods += 1
    return {"periods": periods, "rows": written}


def refresh_stale() -> dict[str, int]:
    """Recompute the units marked stale, from the earliest changed day on, then unmark them.

    A unit marked again while this runs keeps its mark (its `marked_at` is newer) and is
    picked up by the next run.
    """
    from .signals import new_refresh_generation

    new_refresh_generation()
    started = timezone.now()
    stale = list(StaleUnit.objects.all())
    if not stale:
        return {"units": 0, "periods": 0, "rows": 0}
    first = min(mark.since for mark in stale)
    result = refresh(first=first, unit_ids=[mark.org_unit_id for mark in stale])
    StaleUnit.objects.filter(
        org_unit_id__in=[m.org_unit_id for m in stale], marked_at__lte=started
    ).delete()
    result["units"] = len(stale)
    log.info("indicators refreshed for %s units", len(stale))
    return result


PERIOD_KINDS = [kind for kind, _label in PeriodKind.choices]
