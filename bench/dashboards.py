"""National and provincial dashboards: from the rollups vs from raw records (issue 9).

    uv run python bench/dashboards.py [--db diemtua_b2m] [--period 2025-2026]

On a database filled by `manage.py bench_seed`, the Ministry officer (`bench.bo`) opens the
national dashboard and the officer of the province with the most schools opens theirs, for one
school year. Server time of each page (median, min, max of --runs runs of --requests requests)
is set beside the time to compute the same totals from the raw records — every indicator's own
aggregation over cases, sessions, requests… for every school, summed up the tree — and the
ratio. The two must agree: the bench checks that every total it recomputed equals the rollup.
Pages are timed warm (the app server has the figures cached) and cold (the first view after a
refresh). Targets: national dashboard ≤ 300 ms and ≥ 100× faster than raw aggregation at 2M
cases.
"""

import argparse
import statistics
from collections import defaultdict
from decimal import Decimal

import _common


def raw_totals(period, unit_ids_by_ancestor: dict[int, set[int]]) -> dict[int, dict]:
    """Every indicator computed from the records, summed for each wanted ancestor."""
    from diemtua.reporting.indicators import all_indicators

    totals: dict[int, dict] = {a: defaultdict(Decimal) for a in unit_ids_by_ancestor}
    owners = defaultdict(list)
    for ancestor, units in unit_ids_by_ancestor.items():
        for unit in units:
            owners[unit].append(ancestor)
    for indicator in all_indicators():
        for unit_id, key, value in indicator.compute(period, None):
            for ancestor in owners.get(unit_id, ()):
                totals[ancestor][(indicator.code, key)] += value
    return totals


def cold_view(client, url: str) -> float:
    """A view right after the figures changed: nothing cached in this app server."""
    try:
        from diemtua.reporting.tables import _figures_cache
    except ImportError:  # code from before the cache (for "before" figures): always cold
        return _common.timed_ms(lambda: client.get(url))
    _figures_cache.clear()
    return _common.timed_ms(lambda: client.get(url))


def rollup_totals(period, unit) -> dict:
    from diemtua.reporting.aggregate import unit_totals

    return unit_totals(unit, period)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--raw-runs", type=int, default=3)
    args, period, province, officer = _common.province_bench(parser)
    code = period.code

    from django.test import Client

    from diemtua.accounts.models import User
    from diemtua.cases.models import Case
    from diemtua.orgs.models import OrgKind, OrgUnit, OrgUnitAncestor
    from diemtua.reporting.models import IndicatorValue

    ministry = OrgUnit.objects.get(kind=OrgKind.MINISTRY, valid_to__isnull=True)
    minister = User.objects.get(username="bench.bo")
    values = IndicatorValue.objects.filter(period=period).count()
    print(
        f"period {code}: {Case.objects.count():,} cases in all, "
        f"{Case.objects.filter(opened_on__range=(period.starts_on, period.ends_on)).count():,}"
        f" opened in the period; {values:,} indicator values; province {province.name}"
    )
    if not values:
        raise SystemExit("no indicator values for the period: run bench_seed or refresh_indicators")

    pages = [
        ("national dashboard", minister, f"/dashboards/unit/{ministry.pk}/?period={code}"),
        ("provincial dashboard", officer, f"/dashboards/unit/{province.pk}/?period={code}"),
    ]
    page_times = {}
    for label, user, url in pages:
        client = Client()
        client.force_login(user)
        for _ in range(2):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        with _common.Capture() as capture:
            client.get(url)
        warm, cold = [], []
        for _ in range(args.runs):
            warm.append(
                statistics.median(
                    _common.timed_ms(lambda c=client, u=url: c.get(u)) for _ in range(args.requests)
                )
            )
            cold.append(statistics.median(cold_view(client, url) for _ in range(args.requests)))
        page_times[label] = (warm, cold, len(capture.queries), len(response.content))

    wanted = {
        ministry.pk: set(
            OrgUnitAncestor.objects.filter(ancestor=ministry).values_list(
                "descendant_id", flat=True
            )
        ),
        province.pk: set(
            OrgUnitAncestor.objects.filter(ancestor=province).values_list(
                "descendant_id", flat=True
            )
        ),
    }
    raw_times = []
    for _ in range(args.raw_runs):
        raw_times.append(_common.timed_ms(lambda: raw_totals(period, wanted)))
    raw = raw_totals(period, wanted)
    for unit in (ministry, province):
        rolled = rollup_totals(period, unit)
        differ = [
            k for k in set(raw[unit.pk]) | set(rolled) if raw[unit.pk].get(k, 0) != rolled.get(k, 0)
        ]
        if differ:
            raise SystemExit(
                f"{unit.name}: rollups differ from the records at {sorted(differ)[:5]}"
            )
    print(
        f"raw totals equal the rollups for the nation and the province "
        f"({len(raw[ministry.pk])} figures)"
    )

    raw_ms = statistics.median(raw_times)
    print(f"\nraw aggregation of both units: {_common.spread(raw_times)} ms")
    print(
        f"{'page':22} {'warm ms':>22} {'×':>6} {'cold ms':>24} {'×':>5} {'queries':>7} {'bytes':>8}"
    )
    for label, (warm, cold, queries, size) in page_times.items():
        print(
            f"{label:22} {_common.spread(warm):>22} {raw_ms / statistics.median(warm):6.0f}"
            f" {_common.spread(cold):>24} {raw_ms / statistics.median(cold):5.0f} {queries:7d}"
            f" {size:8d}"
        )
    print(
        "warm: figures cached by the app server; cold: the first view after a refresh "
        "(cache emptied before each request); ×: raw aggregation time / page time"
    )


if __name__ == "__main__":
    main()
