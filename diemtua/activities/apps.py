from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "diemtua.activities"
    label = "activities"
