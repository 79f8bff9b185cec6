from django.urls import path

from . import dashboard_views as views

urlpatterns = [
    path("", views.dashboard_home, name="dashboard_home"),
    path("history/", views.dashboard_history, name="dashboard_history"),
    path("unit/<int:pk>/", views.dashboard_unit, name="dashboard_unit"),
    path("unit/<int:pk>/refresh/", views.dashboard_refresh, name="dashboard_refresh"),
    path("unit/<int:pk>/export/", views.dashboard_export, name="dashboard_export"),
    path("program/<int:pk>/", views.dashboard_program, name="dashboard_program"),
    path(
        "program/<int:pk>/export/",
        views.dashboard_program_export,
        name="dashboard_program_export",
    ),
]
