from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "diemtua.programs"
    label = "programs"
