from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "diemtua.notifications"
    verbose_name = "Thông báo"
