from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "diemtua.audit"
    label = "audit"
