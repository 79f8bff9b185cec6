from django.core.management.base import BaseCommand

from diemtua.core.demo import seed_demo


class Command(BaseCommand):
    help = "Load the demo data of the 2024 pilot (idempotent: a second run changes nothing)."

    def handle(self, *args, **options):
        from django.conf import settings
        from django.core.management.base import CommandError

        if settings.PRODUCTION:
            # The demo logins share one published password: never on a real server.
            raise CommandError("seed_demo refuses to run with DIEMTUA_ENV=production.")
        stats = seed_demo()
        self.stdout.write(
            f"Demo data: {stats['units']} units, {stats['users']} users, "
            f"{stats['students']} students, {stats.get('requests', 0)} help requests, "
            f"{stats.get('cases', 0)} cases, {stats.get('sessions', 0)} sessions created"
        )
