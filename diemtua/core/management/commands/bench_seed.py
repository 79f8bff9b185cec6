"""National-shaped synthetic data for the benchmarks under bench/ (issue 9).

    manage.py bench_seed --students 1000000 --schools 2000 [--years 2] [--seed 1]

Loads the admin units when missing, then adds schools spread over today's provinces and
communes with one counselor each, students, and per school year the requests, cases, sessions,
assessments, plan actions, referrals, alerts and activities a school keeps; then computes the
indicator values (the rollups dashboards read). Run it on a database of its own: it refuses a
database that already holds bench data. Same seed, same data.
"""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from diemtua.core.synthetic.national import CODE_PREFIX, Generator, Plan
from diemtua.orgs.models import OrgKind, OrgUnit


class Command(BaseCommand):
    help = "Generate national-shaped synthetic data for benchmarks (see docs/benchmarks.md)."

    def add_arguments(self, parser):
        parser.add_argument("--students", type=int, default=10_000)
        parser.add_argument("--schools", type=int, default=None, help="default: students / 500")
        parser.add_argument("--years", type=int, default=1, help="school years, the current last")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--case-rate", type=float, default=10.0, help="cases per 100 students per school year"
        )
        parser.add_argument(
            "--indicators",
            choices=["none", "terms", "all"],
            default="terms",
            help="rollups to compute: none; school years and semesters (default); all periods",
        )

    def handle(self, *args, **options):
        students = options["students"]
        schools = options["schools"] or max(1, students // 500)
        if students < 1 or schools < 1 or schools > students:
            raise CommandError("Cần --students ≥ --schools ≥ 1.")
        if not 1 <= options["years"] <= 10 or not 0 <= options["case_rate"] <= 500:
            raise CommandError("--years từ 1 đến 10, --case-rate từ 0 đến 500.")
        if OrgUnit.objects.filter(code__startswith=f"{CODE_PREFIX}-").exists():
            raise CommandError(
                "Cơ sở dữ liệu này đã có dữ liệu bench; hãy dùng một cơ sở dữ liệu mới "
                "(dropdb/createdb rồi migrate)."
            )
        started = time.monotonic()
        if not OrgUnit.objects.filter(kind=OrgKind.COMMUNE).exists():
            call_command("load_admin_units", "--communes", verbosity=0)
            self._say(f"admin units loaded ({time.monotonic() - started:.0f} s)")
        plan = Plan(
            students=students,
            schools=schools,
            years=options["years"],
            seed=options["seed"],
            case_rate=options["case_rate"],
        )
        written = Generator(plan, log=self._say).run()
        loaded = time.monotonic()
        self._say(f"rows written in {loaded - started:.0f} s:")
        for table, count in sorted(written.items()):
            self._say(f"  {table:40} {count:>12,}")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        if options["indicators"] != "none":
            from diemtua.reporting import rollup

            kinds = None if options["indicators"] == "all" else {"school_year", "semester"}
            first = plan.school_years()[0][0]
            result = rollup.refresh(first=first, kinds=kinds)
            self._say(
                f"indicator values: {result['rows']:,} rows for {result['periods']} periods "
                f"({time.monotonic() - loaded:.0f} s)"
            )
        self._say(f"done in {time.monotonic() - started:.0f} s")

    def _say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()
