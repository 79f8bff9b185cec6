from django.urls import path

from . import views

urlpatterns = [
    path("", views.program_list, name="program_list"),
    path("new/", views.program_create, name="program_create"),
    path("staffing/", views.program_staffing, name="program_staffing"),
    path("staffing/export/", views.program_staffing_export, name="program_staffing_export"),
    path("<int:pk>/", views.program_detail, name="program_detail"),
    path("<int:pk>/edit/", views.program_edit, name="program_edit"),
    path("<int:pk>/setup/", views.program_configure, name="program_configure"),
    path("<int:pk>/enrol/", views.program_enrol, name="program_enrol"),
    path("<int:pk>/tasks/", views.program_tasks, name="program_tasks"),
    path("<int:pk>/tasks/new/", views.program_task_create, name="program_task_create"),
    path("<int:pk>/timeline/", views.program_timeline, name="program_timeline"),
    path("enrolments/<int:pk>/staff/new/", views.program_staff_create, name="program_staff_create"),
    path("staff/<int:pk>/edit/", views.program_staff_edit, name="program_staff_edit"),
    path("staff/<int:pk>/end/", views.program_staff_end, name="program_staff_end"),
    path("tasks/<int:pk>/", views.program_task_detail, name="program_task_detail"),
    path("tasks/<int:pk>/edit/", views.program_task_edit, name="program_task_edit"),
    path("tasks/<int:pk>/status/", views.program_task_status, name="program_task_status"),
    path("evidence/<int:pk>/", views.program_evidence_download, name="program_evidence_download"),
]
