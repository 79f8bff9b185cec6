"""Server time of the activity, screening and survey pages on the demo data (issue 6).

Run after `make demo` (or on any database that has run `seed_demo`):

    uv run python bench/issue6_pages.py [--runs 15]

Prints, per page: median, min and max server time over the runs (Django's test client, no
network), SQL queries and HTML bytes; then the median time of a student's answer POST at /s/,
which checks, scores and stores the answers and spends the code (on a copy of the demo class's
administration, so the demo is left as it was: the copy is rolled back).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def _time(client, method, url, data=None):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = getattr(client, method)(url, data or {})
        elapsed = (time.perf_counter() - started) * 1000
    return elapsed, len(queries), len(response.content), response.status_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import transaction
    from django.test import Client
    from django.utils import timezone

    from diemtua.accounts.models import User
    from diemtua.screening import services
    from diemtua.screening.models import Administration, Survey

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    phq9 = Administration.objects.filter(version__instrument__code="PHQ9").first()
    survey = Survey.objects.filter(version__instrument__code="SS_TRUONG").first()
    if phq9 is None or survey is None:
        sys.exit("No demo screening or survey: run `make demo` (or manage.py seed_demo) first.")
    pages = [
        ("tv.linhnam", "screening list", "/screening/"),
        ("tv.linhnam", "class results (28)", f"/screening/{phq9.pk}/"),
        ("tv.linhnam", "consent sheet (30)", f"/screening/consents/?class={phq9.group_name}"),
        ("bo.vu", "survey completion (18)", f"/surveys/{survey.pk}/"),
        ("bo.vu", "survey results (18)", f"/surveys/{survey.pk}/results/"),
        ("bo.vu", "survey xlsx export", f"/surveys/{survey.pk}/export.xlsx"),
        ("bo.vu", "activities, national", "/activities/"),
        ("bo.vu", "activity calendar", "/activities/calendar/"),
        ("bo.vu", "activity totals", "/activities/totals/"),
    ]
    print(f"{'page':26} {'median ms':>9} {'min':>6} {'max':>7} {'queries':>7} {'bytes':>7}")
    for username, name, url in pages:
        client = Client()
        client.force_login(User.objects.get(username=username))
        runs = [_time(client, "get", url) for _ in range(args.runs)]
        times = [r[0] for r in runs]
        assert runs[-1][3] == 200, (url, runs[-1][3])
        print(
            f"{name:26} {statistics.median(times):9.1f} {min(times):6.1f} {max(times):7.1f} "
            f"{runs[-1][1]:7} {runs[-1][2]:7}"
        )

    # A student's answer: open a fresh GAD-7 for the class inside a transaction rolled back.
    counselor = User.objects.get(username="tv.linhnam")
    answer_times = []
    with transaction.atomic():
        gad7 = Administration.objects.filter(version__instrument__code="GAD7").first()
        opened = services.administration_open(
            actor=counselor, school=gad7.school, version=gad7.version,
            group_name=gad7.group_name, closes_on=timezone.localdate(),
        )  # fmt: skip
        codes = [p.code for p in opened.administration.participants.all()]
        client = Client()
        for index, code in enumerate(codes[: args.runs]):
            data = {"code": code} | {f"q{i}": str((index + i) % 4) for i in range(1, 8)}
            elapsed, queries, size, status = _time(client, "post", "/s/answer/", data)
            assert status == 200, status
            answer_times.append(elapsed)
        transaction.set_rollback(True)
    print(
        f"{'student answer POST /s/':26} {statistics.median(answer_times):9.1f} "
        f"{min(answer_times):6.1f} {max(answer_times):7.1f} {queries:7} {size:7}"
    )


if __name__ == "__main__":
    main()
