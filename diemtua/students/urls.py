from django.urls import path

from . import roster_views, views

urlpatterns = [
    path("", views.student_list, name="student_list"),
    path("<int:pk>/", views.student_detail, name="student_detail"),
    path("import/", roster_views.student_import, name="student_import"),
    path(
        "import/template.xlsx", roster_views.student_import_template, name="student_import_template"
    ),
    path("export/", roster_views.student_export, name="student_export"),
]
