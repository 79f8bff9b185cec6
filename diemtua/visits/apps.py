from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _load_checklists(sender, using="default", **kwargs):
    from .checklists import sync_checklists

    sync_checklists()


class VisitsConfig(AppConfig):
    name = "diemtua.visits"
    label = "visits"

    def ready(self):
        # The shipped checklists are reference data: every migrated database has them.
        post_migrate.connect(_load_checklists, sender=self, dispatch_uid="visits_checklists")
