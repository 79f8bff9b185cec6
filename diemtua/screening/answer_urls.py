from django.urls import path

from . import views

# Public: students answer with the one-time code on their slip, without an account.
urlpatterns = [
    path("", views.screening_start, name="screening_start"),
    path("answer/", views.screening_answer, name="screening_answer"),
]
