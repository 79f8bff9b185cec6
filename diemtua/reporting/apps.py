from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "diemtua.reporting"
    label = "reporting"

    def ready(self):
        # Writes to the records indicators count mark their unit stale (debounced refresh).
        from . import signals

        signals.connect()
        # Export builders register themselves on import; a Celery worker loads no URLconf.
        from . import docx, xlsx  # noqa: F401
