from django.urls import path

from . import views

urlpatterns = [
    path("", views.screening_home, name="screening_home"),
    path("new/", views.administration_create, name="administration_create"),
    path("consents/", views.consent_sheet, name="screening_consents"),
    path("consents/<int:pk>/withdraw/", views.consent_withdraw, name="screening_consent_withdraw"),
    path("<int:pk>/", views.administration_detail, name="administration_detail"),
    path("<int:pk>/summary/", views.administration_summary, name="administration_summary"),
    path("<int:pk>/slips/", views.administration_slips, name="administration_slips"),
    path("<int:pk>/close/", views.administration_close, name="administration_close"),
    path("responses/<int:pk>/", views.response_detail, name="screening_response"),
    path("instruments/", views.instrument_list, name="instrument_list"),
    path("instruments/<str:code>/", views.instrument_detail, name="instrument_detail"),
]
