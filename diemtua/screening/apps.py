from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _load_instruments(sender, using="default", **kwargs):
    from .instruments import sync_instruments

    sync_instruments()


class ScreeningConfig(AppConfig):
    name = "diemtua.screening"
    label = "screening"

    def ready(self):
        # The shipped questionnaires are reference data: every migrated database has them.
        post_migrate.connect(_load_instruments, sender=self, dispatch_uid="screening_instruments")
