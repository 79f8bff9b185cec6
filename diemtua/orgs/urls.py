from django.urls import path

from . import views

urlpatterns = [
    path("", views.unit_browser, name="org_browser"),
    path("<int:pk>/", views.unit_detail, name="org_unit_detail"),
]
