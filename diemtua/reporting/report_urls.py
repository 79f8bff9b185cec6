"""Report pages, mounted at /reports/ (config/urls.py)."""

from django.urls import path

from . import export_views, report_views

urlpatterns = [
    path("", report_views.report_list, name="report_list"),
    path("start/", report_views.report_start, name="report_start"),
    path("tracker/", report_views.report_tracker, name="report_tracker"),
    path("<int:pk>/", report_views.report_detail, name="report_detail"),
    path("<int:pk>/edit/", report_views.report_edit, name="report_edit"),
    path("<int:pk>/submit/", report_views.report_submit, name="report_submit"),
    path("<int:pk>/return/", report_views.report_return, name="report_return"),
    path("<int:pk>/approve/", report_views.report_approve, name="report_approve"),
    path("<int:pk>/docx/", report_views.report_docx, name="report_docx"),
    # Background exports (this page's .docx and the dashboards' xlsx share them).
    path("exports/<int:pk>/", export_views.export_job, name="export_job"),
    path("exports/<int:pk>/download/", export_views.export_download, name="export_download"),
]
