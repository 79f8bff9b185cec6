"""Subtree totals: each unit's figures already added up over everything under it.

A national dashboard used to sum every school's IndicatorValue rows through the closure table
on each page view: 340,000 rows for one school year at 1M students, seconds per page. The
refresh job now also writes, per period, one SubtreeTotal row per (unit, indicator,
disaggregation) for every unit of today's tree, in one INSERT … SELECT through the closure
table; pages read those rows.

Today's tree only: for a period in which units sat elsewhere (the 2024 pilot's Hà Giang
schools, orgs.PastPlacement), readers keep adding up IndicatorValue rows as they were placed
then (reporting.aggregate), and so they do whenever totals are missing (`usable` says so).
"""

import uuid
from collections.abc import Iterable

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from diemtua.orgs.models import OrgUnitAncestor

from .history import TreeOnDay
from .models import IndicatorValue, Period, SubtreeTotal

VERSION_KEY = "reporting:totals-version"


def version() -> str:
    """Changes whenever any total changes: part of the key of cached dashboard figures."""
    current = cache.get(VERSION_KEY)
    if current is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        current = cache.get(VERSION_KEY)
    return current or ""


def _bump_version() -> None:
    """Now (this process must not read its cached figures again) and after the commit (no
    process may keep figures another one built from the rows before the commit)."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None))


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def refresh(period: Period, unit_ids: Iterable[int] | None = None) -> None:
    """Recompute the totals of `period` for every unit above (and including) `unit_ids`, or
    for every unit. Call inside the transaction that changed the IndicatorValue rows."""
    now = timezone.now()
    params: list = [period.pk]
    only_totals = only_links = ""
    if unit_ids is not None:
        unit_ids = list(unit_ids)
        if not unit_ids:
            return
        ancestors = list(
            OrgUnitAncestor.objects.filter(descendant_id__in=unit_ids)
            .values_list("ancestor_id", flat=True)
            .distinct()
        )
        marks = ", ".join(["%s"] * len(ancestors))
        only_totals = f" AND org_unit_id IN ({marks})"
        only_links = f" AND a.ancestor_id IN ({marks})"
        params += ancestors
    totals, values, links = _table(SubtreeTotal), _table(IndicatorValue), _table(OrgUnitAncestor)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {totals} WHERE period_id = %s{only_totals}", params)  # noqa: S608
        cursor.execute(
            f"INSERT INTO {totals} "  # noqa: S608 — table names from the models, values bound
            "(org_unit_id, period_id, indicator, disaggregation, value, computed_at) "
            "SELECT a.ancestor_id, v.period_id, v.indicator, v.disaggregation, SUM(v.value), "
            "MAX(v.computed_at) "
            f"FROM {values} v JOIN {links} a ON a.descendant_id = v.org_unit_id "
            f"WHERE v.period_id = %s{only_links} "
            "GROUP BY a.ancestor_id, v.period_id, v.indicator, v.disaggregation",
            params,
        )
        if unit_ids is None:
            Period.objects.filter(pk=period.pk).update(totals_at=now)
        _bump_version()
    if unit_ids is None:
        period.totals_at = now


def usable(periods: Iterable[Period], tree: TreeOnDay | None) -> bool:
    """True when every period's totals are computed and the tree is today's. Reads the
    periods as loaded (pages load them at the start of the request)."""
    if tree is not None and not tree.is_today:
        return False
    periods = list(periods)
    return bool(periods) and all(p.totals_at is not None for p in periods)


def invalidate() -> None:
    """The tree changed (a unit moved): every total may add up the wrong units now."""
    Period.objects.filter(totals_at__isnull=False).update(totals_at=None)
    SubtreeTotal.objects.all().delete()
    _bump_version()


def rebuild() -> int:
    """Totals for every period that has values (after `invalidate`); returns periods done."""
    done = 0
    for period in Period.objects.filter(
        pk__in=IndicatorValue.objects.values("period_id").distinct()
    ):
        refresh(period)
        done += 1
    return done
