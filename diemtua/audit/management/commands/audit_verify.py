from django.core.management.base import BaseCommand

from diemtua.audit.verify import verify_chain


class Command(BaseCommand):
    help = (
        "Verify the audit trail's hash chain: prints OK (exit 0) or the first broken row (exit 1)."
    )

    def handle(self, *args, **options):
        report = verify_chain()
        if report.ok:
            self.stdout.write(f"OK: {report.checked} audit events verified")
            return
        self.stderr.write(
            f"BROKEN at audit event seq={report.broken_seq} id={report.broken_id}: "
            f"{report.problem} ({report.checked} events before it are intact)"
        )
        raise SystemExit(1)
