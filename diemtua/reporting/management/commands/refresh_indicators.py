"""Recompute indicator values (the same work as the Celery jobs, runnable by hand or cron)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from diemtua.reporting import rollup


class Command(BaseCommand):
    help = "Tính lại các chỉ số báo cáo (mặc định: từ 01/01/2024 đến hôm nay, mọi đơn vị)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", help="Từ ngày (dd/mm/yyyy).")
        parser.add_argument("--to", dest="last", help="Đến ngày (dd/mm/yyyy).")
        parser.add_argument(
            "--stale", action="store_true", help="Chỉ tính lại các đơn vị có số liệu thay đổi."
        )
        parser.add_argument(
            "--kind",
            action="append",
            choices=rollup.PERIOD_KINDS,
            help="Chỉ loại kỳ này (tháng, học kỳ, năm học, chương trình); lặp lại được.",
        )

    def _date(self, text):
        if not text:
            return None
        try:
            return datetime.datetime.strptime(text, "%d/%m/%Y").date()
        except ValueError as error:
            raise CommandError(f"Ngày không hợp lệ: {text} (cần dd/mm/yyyy).") from error

    def handle(self, *args, first=None, last=None, stale=False, kind=None, **options):
        if stale:
            result = rollup.refresh_stale()
            self.stdout.write(
                f"Đã tính lại {result['units']} đơn vị: {result['periods']} kỳ, "
                f"{result['rows']} giá trị."
            )
            return
        first_day = self._date(first) or rollup.HISTORY_START
        last_day = self._date(last)
        if last_day and last_day < first_day:
            raise CommandError("Ngày kết thúc phải sau ngày bắt đầu.")
        result = rollup.refresh(first=first_day, last=last_day, kinds=set(kind or []) or None)
        self.stdout.write(f"Đã tính lại {result['periods']} kỳ, {result['rows']} giá trị.")
