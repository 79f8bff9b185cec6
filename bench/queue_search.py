"""Counselor queue and student search as the data grows (issue 9).

    uv run python bench/queue_search.py --db diemtua_b10k --db diemtua_b100k --db diemtua_b1m

Each database was filled by `manage.py bench_seed` (see docs/benchmarks.md). For each, the
counselor of the school with the most students opens the queue (new requests, all cases, a
name search among cases) and searches the students by a name typed without diacritics. Per
page: server time p50 and p95 over --requests requests, repeated --runs times (median, min,
max of the runs), the bare SQL of the same page (queries captured and replayed) and the ratio.
Targets: p95 ≤ 50 ms at 1M students and ≤ 3× the bare SQL.
"""

import argparse
import statistics

import _common


def pages(student_name: str, case_name: str) -> list[tuple[str, str]]:
    return [
        ("queue: new requests", "/cases/"),
        ("queue: all cases", "/cases/?tab=all"),
        ("queue: all cases, page 5", "/cases/?tab=all&page=5"),
        ("queue: search a name", f"/cases/?tab=all&q={case_name}"),
        ("students: search a name", f"/students/?q={student_name}"),
        ("students: a class", "/students/?class=__CLASS__"),
    ]


def measure(client, url: str, runs: int, requests: int) -> dict:
    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    with _common.Capture() as capture:
        client.get(url)
    p50s, p95s, sql50s = [], [], []
    for _ in range(runs):
        times = [_common.timed_ms(lambda: client.get(url)) for _ in range(requests)]
        bare = [_common.replay_ms(capture.queries) for _ in range(requests)]
        p50s.append(statistics.median(times))
        p95s.append(_common.percentile(times, 0.95))
        sql50s.append(statistics.median(bare))
    return {
        "p50": p50s,
        "p95": p95s,
        "sql": sql50s,
        "queries": len(capture.queries),
        "bytes": len(response.content),
    }


def bench_database(name: str | None, runs: int, requests: int) -> None:
    from django.db.models import Count
    from django.test import Client

    from diemtua.accounts.models import Membership
    from diemtua.accounts.roles import Role
    from diemtua.cases.models import Case
    from diemtua.orgs.models import OrgUnit
    from diemtua.students.models import Student

    if name:
        _common.use_database(name)
    total = Student.objects.count()
    school = (
        OrgUnit.objects.filter(code__startswith="BENCH-", kind="school")
        .annotate(n=Count("students"))
        .order_by("-n", "pk")
        .first()
    )
    if school is None:
        raise SystemExit(f"{name}: no bench data; run manage.py bench_seed first")
    counselor = Membership.objects.get(org_unit=school, role=Role.COUNSELOR).user
    student = Student.objects.filter(school=school).order_by("pk")[35]
    case = Case.objects.filter(school=school, student__isnull=False).order_by("-pk").first()
    family, *_rest, given = student.search_name.split()
    client = Client()
    client.force_login(counselor)
    print(
        f"\n== {name or 'DATABASE_URL'}: {total:,} students; school {school.code} with "
        f"{school.n:,} students, {Case.objects.filter(school=school).count():,} cases"
    )
    print(
        f"{'page':28} {'p50 ms':>22} {'p95 ms':>22} {'bare SQL p50':>22} {'×SQL':>5} "
        f"{'q':>3} {'bytes':>7}"
    )
    for label, url in pages(f"{family}+{given}", case.student.search_name.split()[-1]):
        url = url.replace("__CLASS__", student.class_name)
        figures = measure(client, url, runs, requests)
        ratio = statistics.median(figures["p50"]) / max(statistics.median(figures["sql"]), 0.01)
        print(
            f"{label:28} {_common.spread(figures['p50']):>22} {_common.spread(figures['p95']):>22}"
            f" {_common.spread(figures['sql']):>22} {ratio:5.1f} {figures['queries']:3d}"
            f" {figures['bytes']:7d}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", action="append", help="database name (repeat); default: DATABASE_URL"
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    _common.setup()
    for name in args.db or [None]:
        bench_database(name, args.runs, args.requests)


if __name__ == "__main__":
    main()
