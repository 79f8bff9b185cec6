from django.urls import path

from . import views

urlpatterns = [
    path("", views.unit_browser, name="org_browser"),
    path("<int:pk>/", views.unit_detail, name="org_unit_detail"),
    path("<int:pk>/edit/", views.unit_edit, name="org_unit_edit"),
    path("<int:pk>/schools/new/", views.school_create, name="org_school_create"),
]
