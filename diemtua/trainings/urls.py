from django.urls import path

from . import library_views, views

urlpatterns = [
    path("", views.training_list, name="training_list"),
    path("new/", views.training_create, name="training_create"),
    path("<int:pk>/", views.training_detail, name="training_detail"),
    path("<int:pk>/edit/", views.training_edit, name="training_edit"),
    path("<int:pk>/participants/add/", views.participant_add, name="participant_add"),
    path(
        "<int:pk>/participants/invite-program/",
        views.participants_invite_program,
        name="participants_invite_program",
    ),
    path("<int:pk>/attendance/", views.attendance_edit, name="attendance_edit"),
    path("<int:pk>/certificates/issue/", views.certificates_issue, name="certificates_issue"),
    path("participants/<int:pk>/remove/", views.participant_remove, name="participant_remove"),
    path("certificates/<int:pk>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path("certificates/<int:pk>/revoke/", views.certificate_revoke, name="certificate_revoke"),
    # Public: anyone holding a certificate's code checks it here (no login).
    path("verify/", views.training_verify, name="training_verify"),
    path("verify/<str:code>/", views.training_verify_code, name="training_verify_code"),
    path("hours/", views.training_hours, name="training_hours"),
    path("hours/person/<int:pk>/", views.training_hours_person, name="training_hours_person"),
    path("exchanges/", library_views.exchange_list, name="exchange_list"),
    path("exchanges/new/", library_views.exchange_create, name="exchange_create"),
    path("exchanges/<int:pk>/", library_views.exchange_detail, name="exchange_detail"),
    path("exchanges/<int:pk>/edit/", library_views.exchange_edit, name="exchange_edit"),
    path("library/", library_views.library_list, name="library_list"),
    path("library/new/", library_views.library_create, name="library_create"),
    path("library/<int:pk>/", library_views.library_detail, name="library_detail"),
    path("library/<int:pk>/edit/", library_views.library_edit, name="library_edit"),
    path(
        "library/<int:pk>/versions/new/",
        library_views.library_version_add,
        name="library_version_add",
    ),
    path(
        "library/versions/<int:pk>/download/",
        library_views.library_download,
        name="library_download",
    ),
]
