from django.core.management.base import BaseCommand

from diemtua.audit import services as audit
from diemtua.core.key_rotation import rotate_all


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field with the first key of DIEMTUA_FIELD_KEYS. Put the new "
        "key first, keep the old ones after it, run this, then remove the old keys."
    )

    def handle(self, *args, **options):
        counts = rotate_all()
        audit.record(actor=None, action="core.rotate_keys", extra={"rows": counts})
        for label, rows in counts.items():
            self.stdout.write(f"{label}: {rows} rows re-encrypted")
        self.stdout.write("OK")
