from django.urls import path

from . import views

urlpatterns = [
    path("", views.budget_table, name="budget_table"),
    path("export.xlsx", views.budget_export, name="budget_export"),
    path("new/", views.budget_line_create, name="budget_line_create"),
    path("<int:pk>/", views.budget_line_detail, name="budget_line_detail"),
    path("<int:pk>/edit/", views.budget_line_edit, name="budget_line_edit"),
    path(
        "attachments/<int:pk>/",
        views.budget_attachment_download,
        name="budget_attachment_download",
    ),
    path(
        "attachments/<int:pk>/delete/",
        views.budget_attachment_delete,
        name="budget_attachment_delete",
    ),
]
