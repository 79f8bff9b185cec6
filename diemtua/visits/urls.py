from django.urls import path

from . import views

urlpatterns = [
    path("", views.visit_list, name="visit_list"),
    path("new/", views.visit_create, name="visit_create"),
    path("<int:pk>/", views.visit_detail, name="visit_detail"),
    path("<int:pk>/edit/", views.visit_edit, name="visit_edit"),
    path("<int:pk>/complete/", views.visit_complete, name="visit_complete"),
    path("<int:pk>/delete/", views.visit_delete, name="visit_delete"),
    path("<int:pk>/amend/", views.visit_amend, name="visit_amend"),
    path("<int:pk>/actions/new/", views.visit_action_create, name="visit_action_create"),
    path("photos/<int:pk>/", views.visit_photo, name="visit_photo"),
    path("actions/", views.visit_action_list, name="visit_action_list"),
    path("actions/<int:pk>/", views.visit_action_detail, name="visit_action_detail"),
    path("actions/<int:pk>/answer/", views.visit_action_answer, name="visit_action_answer"),
    path("actions/<int:pk>/review/", views.visit_action_review, name="visit_action_review"),
    path("actions/<int:pk>/delete/", views.visit_action_delete, name="visit_action_delete"),
    path("actions/files/<int:pk>/", views.visit_action_file, name="visit_action_file"),
]
