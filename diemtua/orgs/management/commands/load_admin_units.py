from django.core.management.base import BaseCommand

from diemtua.orgs.admin_units import load_admin_units


class Command(BaseCommand):
    help = (
        "Load the Ministry, one Department of Education per province (today's 34 and the ones "
        "merged on 01/07/2025) and, with --communes, every commune. Safe to re-run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--communes", action="store_true", help="also load the communes")

    def handle(self, *args, communes=False, **options):
        stats = load_admin_units(with_communes=communes)
        self.stdout.write(
            f"Admin units: {stats['created']} created, {stats['updated']} updated"
            + (" (with communes)" if communes else "")
        )
