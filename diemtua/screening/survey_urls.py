"""Surveys of schools and staff (mounted at /surveys/)."""

from django.urls import path

from . import survey_views as views

urlpatterns = [
    path("", views.survey_list, name="survey_list"),
    path("new/", views.survey_create, name="survey_create"),
    path("<int:pk>/", views.survey_detail, name="survey_detail"),
    path("<int:pk>/remind/", views.survey_remind, name="survey_remind"),
    path("<int:pk>/close/", views.survey_close, name="survey_close"),
    path("<int:pk>/results/", views.survey_results, name="survey_results"),
    path("<int:pk>/export.xlsx", views.survey_export_xlsx, name="survey_export"),
    path("answer/<int:pk>/", views.survey_answer, name="survey_answer"),
]
