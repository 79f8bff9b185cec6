from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "diemtua.visits"
    label = "visits"
