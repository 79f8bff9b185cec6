from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "diemtua.orgs"
    label = "orgs"
