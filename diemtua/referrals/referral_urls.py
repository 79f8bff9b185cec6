"""The referral loop (mounted at /referrals/): the partner's inbox and each referral's page."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.referral_inbox, name="partner_referral_list"),
    path("<int:pk>/", views.referral_detail, name="partner_referral_detail"),
    path("<int:pk>/accept/", views.referral_accept, name="partner_referral_accept"),
    path("<int:pk>/decline/", views.referral_decline, name="partner_referral_decline"),
    path("<int:pk>/appointments/", views.appointment_create, name="partner_appointment_create"),
    path("<int:pk>/close/", views.referral_close, name="partner_referral_close"),
    path("cases/<int:pk>/new/", views.referral_send, name="case_referral_send"),
]
