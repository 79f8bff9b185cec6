from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "diemtua.funding"
    label = "funding"
