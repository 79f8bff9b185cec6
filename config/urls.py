from django.urls import include, path
from django.views.i18n import set_language

from diemtua.accounts import views as account_views
from diemtua.core import views as core_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("diemtua.accounts.urls")),
    path("orgs/", include("diemtua.orgs.urls")),
    path("students/", include("diemtua.students.urls")),
    path("audit/", include("diemtua.audit.urls")),
    path("help/", include("diemtua.cases.help_urls")),
    path("cases/", include("diemtua.cases.urls")),
    path("notifications/", include("diemtua.notifications.urls")),
    path("providers/", include("diemtua.referrals.urls")),
    path("referrals/", include("diemtua.referrals.referral_urls")),
    path("activities/", include("diemtua.activities.urls")),
    path("screening/", include("diemtua.screening.urls")),
    path("surveys/", include("diemtua.screening.survey_urls")),
    path("programs/", include("diemtua.programs.urls")),
    path("directives/", include("diemtua.directives.urls")),
    path("trainings/", include("diemtua.trainings.urls")),
    path("visits/", include("diemtua.visits.urls")),
    path("funding/", include("diemtua.funding.urls")),
    path("awards/", include("diemtua.awards.urls")),
    path("dashboards/", include("diemtua.reporting.dashboard_urls")),
    path("reports/", include("diemtua.reporting.report_urls")),
    # Students answer a screening on their phone with a one-time code: a short public address.
    path("s/", include("diemtua.screening.answer_urls")),
]
