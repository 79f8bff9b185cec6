from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "diemtua.core"
    label = "core"
