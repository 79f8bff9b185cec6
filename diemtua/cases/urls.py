from django.urls import path

from . import views

urlpatterns = [
    path("", views.case_queue, name="case_queue"),
    path("new/", views.case_create, name="case_create"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/open-case/", views.request_open_case, name="request_open_case"),
    path("requests/<int:pk>/attach/", views.request_attach, name="request_attach"),
    path("requests/<int:pk>/reply/", views.request_reply, name="request_reply"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("<int:pk>/stage/", views.case_stage, name="case_stage"),
    path("<int:pk>/close/", views.case_close, name="case_close"),
    path("<int:pk>/reopen/", views.case_reopen, name="case_reopen"),
    path("<int:pk>/team/", views.case_team, name="case_team"),
    path("<int:pk>/take-over/", views.case_take_over, name="case_take_over"),
    path("<int:pk>/consents/new/", views.consent_create, name="consent_create"),
    path("<int:pk>/assessments/new/", views.assessment_create, name="assessment_create"),
    path("<int:pk>/plan/", views.plan_edit, name="plan_edit"),
    path("<int:pk>/actions/new/", views.action_create, name="action_create"),
    path("<int:pk>/sessions/new/", views.session_create, name="session_create"),
    path("<int:pk>/share/", views.disclosure_create, name="disclosure_create"),
    path("consents/<int:pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("actions/<int:pk>/status/", views.action_status, name="action_status"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("students/<int:pk>/", views.student_chronology, name="student_chronology"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("alerts/<int:pk>/report/", views.child_protection_report, name="child_protection_report"),
    path("referrals/", views.referral_list, name="referral_list"),
    path("referrals/new/", views.referral_create, name="referral_create"),
]
