from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "diemtua.cases"
    label = "cases"
