from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "diemtua.referrals"
    label = "referrals"
