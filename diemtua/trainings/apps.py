from django.apps import AppConfig


class TrainingsConfig(AppConfig):
    name = "diemtua.trainings"
    label = "trainings"
