"""The public help page: no login. `status/` comes first so it is never read as a school code."""

from django.urls import path

from . import help_views

urlpatterns = [
    path("status/", help_views.help_status, name="help_status"),
    path("<str:school_code>/", help_views.help_form, name="help_form"),
    path("<str:school_code>/poster.pdf", help_views.help_poster, name="help_poster"),
]
