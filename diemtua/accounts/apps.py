from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "diemtua.accounts"
    label = "accounts"
