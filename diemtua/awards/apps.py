from django.apps import AppConfig


class AwardsConfig(AppConfig):
    name = "diemtua.awards"
    label = "awards"
