"""Server time of the counselor's pages and the public help page on the demo data.

Run after `make demo` (or on any database that has run `seed_demo`):

    uv run python bench/case_pages.py [--runs 15]

Prints, per page: median, min and max server time over the runs (Django's test client, so no
network), the number of SQL queries and the size of the HTML. Figures are for comparing one
change with another on the same machine, not absolute promises: these machines are shared.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--user", default="tv.trungtu")
    parser.add_argument("--school", default="01-TRUNGTU")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from diemtua.accounts.models import User
    from diemtua.cases.models import Case

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(User.objects.get(username=args.user))
    case = (
        Case.objects.filter(school__code=args.school, restricted=False, student__isnull=False)
        .order_by("pk")
        .first()
    )
    if case is None:
        sys.exit("No demo case found: run `make demo` (or manage.py seed_demo) first.")
    pages = [
        ("queue: new requests", "/cases/"),
        ("queue: all cases", "/cases/?tab=all"),
        ("case page", f"/cases/{case.pk}/"),
        ("student chronology", f"/cases/students/{case.student_id}/"),
        ("public help page", f"/help/{args.school}/"),
    ]
    print(f"{'page':22} {'median ms':>9} {'min':>6} {'max':>7} {'queries':>7} {'bytes':>7}")
    for name, url in pages:
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}")
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        print(
            f"{name:22} {statistics.median(times):9.1f} {min(times):6.1f} {max(times):7.1f} "
            f"{len(queries):7d} {len(response.content):7d}"
        )


if __name__ == "__main__":
    main()
