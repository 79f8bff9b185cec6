from django.apps import AppConfig


class StudentsConfig(AppConfig):
    name = "diemtua.students"
    label = "students"
