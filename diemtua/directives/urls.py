"""Directives (công văn) and their assigned tasks (mounted at /directives/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.directive_list, name="directive_list"),
    path("new/", views.directive_create, name="directive_create"),
    path("<int:pk>/", views.directive_detail, name="directive_detail"),
    path("<int:pk>/edit/", views.directive_edit, name="directive_edit"),
    path("<int:pk>/send/", views.directive_send, name="directive_send"),
    path("<int:pk>/tasks/new/", views.task_create, name="directive_task_create"),
    path("<int:pk>/export.xlsx", views.directive_export, name="directive_export"),
    path("<int:pk>/document/", views.directive_document, name="directive_document"),
    path("tasks/<int:pk>/delete/", views.task_delete, name="directive_task_delete"),
    path("assignments/<int:pk>/", views.assignment_detail, name="directive_assignment"),
    path(
        "assignments/<int:pk>/remind/",
        views.assignment_remind,
        name="directive_assignment_remind",
    ),
    path(
        "assignments/<int:pk>/accept/",
        views.assignment_accept,
        name="directive_assignment_accept",
    ),
    path("files/<int:pk>/", views.submission_download, name="directive_submission_file"),
]
