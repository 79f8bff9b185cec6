"""What the issue-9 benchmarks share: Django set-up, timing statistics, database switching.

Each benchmark is a command that prints its figures. "Server time" is measured through Django's
test client (the full middleware, session, view and template stack, no network); "bare SQL" is
the same page's queries, captured once and replayed through a cursor. Figures are medians over
several runs with min and max: these machines are shared and noisy.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def setup() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # As production runs: no query log kept per request, templates compiled without debug
    # information. (The settings' own DEBUG=false check needs production keys, which the bench
    # databases, encrypted with the development key, do not have.)
    settings.DEBUG = False
    if connection.vendor != "postgresql":
        print("warning: issue-9 figures are for PostgreSQL; DATABASE_URL is not PostgreSQL")


def use_database(name: str) -> None:
    """Point the default connection at another database of the same server."""
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def spread(values: list[float]) -> str:
    """'median (min–max)' of one figure over the runs."""
    return f"{statistics.median(values):7.1f} ({min(values):.1f}–{max(values):.1f})"


def timed_ms(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def replay_ms(queries: list[dict]) -> float:
    """Time to run the captured queries again, as they were, in a transaction rolled back
    (a page's writes, such as its audit row, must not be stored twice)."""
    from django.db import connection, transaction

    class _Rollback(Exception):
        pass

    elapsed = 0.0
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                raw = cursor.cursor
                for query in queries:
                    # A write may collide with the row the page itself stored (the audit
                    # chain's next number): try it in a savepoint, count its time either way.
                    write = not query["sql"].lstrip().upper().startswith("SELECT")
                    if write:
                        raw.execute("SAVEPOINT bench_replay")
                    start = time.perf_counter()
                    try:
                        raw.execute(query["sql"], query["params"])
                        if raw.description is not None:
                            raw.fetchall()
                    except Exception:
                        if not write:
                            raise
                        elapsed += time.perf_counter() - start
                        raw.execute("ROLLBACK TO SAVEPOINT bench_replay")
                        continue
                    elapsed += time.perf_counter() - start
            raise _Rollback
    except _Rollback:
        pass
    return elapsed * 1000


class Capture:
    """Records every query a block runs, with its parameters, for `replay_ms`."""

    def __init__(self):
        self.queries: list[dict] = []

    def __call__(self, execute, sql, params, many, context):
        if not many:
            self.queries.append({"sql": sql, "params": params})
        return execute(sql, params, many, context)

    def __enter__(self):
        from django.db import connection

        self._cm = connection.execute_wrapper(self)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


def province_bench(parser, argv=None):
    """Arguments, database, school year and busiest province of the province benches.

    Returns (args, period, province, its officer)."""
    parser.add_argument("--db", help="database name; default: DATABASE_URL")
    parser.add_argument("--period", help="school year code, default: the last complete one")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    setup()
    if args.db:
        use_database(args.db)
    from django.db.models import Count
    from django.utils import timezone

    from diemtua.accounts.models import User
    from diemtua.orgs.models import OrgKind, OrgUnit
    from diemtua.reporting.models import PeriodKind
    from diemtua.reporting.periods import get_period, school_year_of

    today = timezone.localdate()
    code = args.period or f"{school_year_of(today) - 1}-{school_year_of(today)}"
    period = get_period(PeriodKind.SCHOOL_YEAR, code)
    province = (
        OrgUnit.objects.filter(kind=OrgKind.DEPARTMENT, valid_to__isnull=True)
        .annotate(n=Count("descendant_links"))
        .order_by("-n", "code")
        .first()
    )
    if province is None or not User.objects.filter(username="bench.bo").exists():
        raise SystemExit("no bench data: run manage.py bench_seed first (docs/benchmarks.md)")
    return args, period, province, User.objects.get(username=f"bench.so.{province.code}")
