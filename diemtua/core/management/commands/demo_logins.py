from django.conf import settings
from django.core.management.base import BaseCommand

from diemtua.core.demo import demo_logins


class Command(BaseCommand):
    help = "Print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="where the app runs")

    def handle(self, *args, url="http://127.0.0.1:8000", **options):
        rows = demo_logins()
        width = max((len(r[0]) for r in rows), default=10)
        self.stdout.write("")
        self.stdout.write("Điểm Tựa — tài khoản demo / demo logins")
        self.stdout.write(f"Mật khẩu / password: {settings.DIEMTUA_DEMO_PASSWORD}")
        self.stdout.write(f"Mở / open: {url}/accounts/login/")
        for username, role, unit in rows:
            self.stdout.write(f"  {username.ljust(width)}  {role} — {unit}")
        self.stdout.write("")
