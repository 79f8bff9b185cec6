from django.urls import path

from . import views

urlpatterns = [
    path("", views.awards_home, name="awards_home"),
    path("criteria/new/", views.criteria_set_create, name="criteria_set_create"),
    path("criteria/<int:pk>/", views.criteria_set_detail, name="criteria_set_detail"),
    path("criteria/<int:pk>/edit/", views.criteria_set_edit, name="criteria_set_edit"),
    path("criteria/<int:pk>/evaluate/", views.evaluation_create, name="evaluation_create"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="evaluation_detail"),
    path("evaluations/<int:pk>/edit/", views.evaluation_edit, name="evaluation_edit"),
    path("nominations/new/", views.nomination_create, name="nomination_create"),
    path("nominations/<int:pk>/", views.nomination_detail, name="nomination_detail"),
    path("nominations/<int:pk>/refuse/", views.nomination_refuse, name="nomination_refuse"),
    path("decisions/new/", views.decision_create, name="decision_create"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision_detail"),
    path(
        "documents/<int:pk>/",
        views.decision_document_download,
        name="decision_document_download",
    ),
]
