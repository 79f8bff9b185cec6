from django.apps import AppConfig


class DirectivesConfig(AppConfig):
    name = "diemtua.directives"
    label = "directives"
