"""The authorization matrix: every route, every role, our object and the other side's.

Routes are enumerated from the URL resolver, so a route added without a line in ROUTES fails
`test_every_route_is_in_the_matrix` the day it is added. Expectations come from an explicit,
independent table of who is "inside" which unit (INSIDE below), not from the code under test:
- a public route answers everyone;
- anonymous users are sent to the login page;
- an allowed role gets 200 for objects inside its reach;
- a role that is inside the object's unit but not allowed gets 403;
- anyone outside gets 404, exactly as for an object that does not exist.
"""

from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from diemtua.accounts.roles import BROWSE_ROLES, Role

ALL_ROLES = frozenset(Role)
# Objects that belong to a person, not a unit (their notifications): everyone reaches their own
# (ok_status) and nobody another person's (404), whatever their role.
OWN = "own"
COUNSELOR = frozenset({Role.COUNSELOR})
SURVEY_SENDERS = frozenset({Role.COMMUNE_OFFICER, Role.DEPARTMENT_OFFICER, Role.MINISTRY_OFFICER})
SURVEY_LIST_ROLES = SURVEY_SENDERS | {Role.COUNSELOR, Role.SCHOOL_LEAD, Role.TEACHER}
SURVEY_OWNERS = frozenset({Role.DEPARTMENT_OFFICER, Role.MINISTRY_OFFICER})
ACTIVITY_VIEW = ALL_ROLES - {Role.PARTNER_STAFF, Role.SYSTEM_ADMIN}
ACTIVITY_EDIT = frozenset({Role.COUNSELOR, Role.SCHOOL_LEAD})
DIRECTIVE_ISSUERS = SURVEY_SENDERS
DIRECTIVE_TRACKERS = frozenset({Role.DEPARTMENT_OFFICER, Role.MINISTRY_OFFICER})
DIRECTIVE_VIEW = DIRECTIVE_ISSUERS | {Role.COUNSELOR, Role.SCHOOL_LEAD}
VISITORS = frozenset({Role.COMMUNE_OFFICER, Role.DEPARTMENT_OFFICER, Role.MINISTRY_OFFICER})
VISIT_VIEW = VISITORS | {Role.COUNSELOR, Role.SCHOOL_LEAD}
# The fixture visits are the Departments': their officers and the Ministry manage them.
VISIT_MANAGERS = frozenset({Role.DEPARTMENT_OFFICER, Role.MINISTRY_OFFICER})
FUNDING_VIEW = frozenset(
    {Role.SCHOOL_LEAD, Role.COMMUNE_OFFICER, Role.DEPARTMENT_OFFICER, Role.MINISTRY_OFFICER}
)
AWARD_OFFICERS = frozenset({Role.COMMUNE_OFFICER, Role.DEPARTMENT_OFFICER, Role.MINISTRY_OFFICER})
AWARD_VIEW = AWARD_OFFICERS | {Role.COUNSELOR, Role.SCHOOL_LEAD}
PROGRAM_OFFICERS = frozenset({Role.DEPARTMENT_OFFICER, Role.MINISTRY_OFFICER})
PROGRAM_VIEW = PROGRAM_OFFICERS | {Role.COUNSELOR, Role.SCHOOL_LEAD, Role.COMMUNE_OFFICER}
# The fixture program is Department A's: its officers manage it; the Ministry only watches.
PROGRAM_OWNER = frozenset({Role.DEPARTMENT_OFFICER})
OFFICERS = frozenset({Role.COMMUNE_OFFICER, Role.DEPARTMENT_OFFICER, Role.MINISTRY_OFFICER})
TRAINING_VIEW = OFFICERS | {Role.COUNSELOR, Role.SCHOOL_LEAD}
TRAINING_MANAGE = frozenset({Role.DEPARTMENT_OFFICER})
LIBRARY_VIEW = TRAINING_VIEW | {Role.TEACHER}
# Reporting (docs/reporting.md): dashboards and reports for school staff and officers.
DASHBOARD = frozenset({Role.COUNSELOR, Role.SCHOOL_LEAD}) | OFFICERS
SCHOOL_STAFF = frozenset({Role.COUNSELOR, Role.SCHOOL_LEAD})
REPORT_DECIDERS = frozenset({Role.COMMUNE_OFFICER, Role.DEPARTMENT_OFFICER})
# A user's own export jobs: everyone reaches their own and nobody another person's.
OWN_EXPORT = "own_export"


@dataclass(frozen=True)
class Route:
    roles: frozenset = frozenset()
    public: bool = False
    obj: str | None = None  # "student", "unit", "user" or "membership": the route takes its pk
    # ("school_code": the route takes a school's code instead)
    query: str = ""
    method: str = "get"
    ok_status: int = 200
    skip_anonymous_check: bool = False
    extra: dict = field(default_factory=dict)


ROUTES = {
    "home": Route(roles=ALL_ROLES),
    "password_change": Route(roles=ALL_ROLES),
    "healthz": Route(public=True),
    # The public help page (no login): every school's form and poster answer everyone.
    "help_status": Route(public=True),
    "help_form": Route(public=True, obj="school_code"),
    "help_poster": Route(public=True, obj="school_code"),
    # A logged-in user opening the login page is sent on to their home page.
    "login": Route(public=True, ok_status=302),
    # Logging out and switching language are POST-only and harmless for anyone.
    "logout": Route(public=True, method="post", ok_status=302),
    "set_language": Route(public=True, method="post", ok_status=302),
    "org_browser": Route(roles=frozenset(BROWSE_ROLES)),
    "org_unit_detail": Route(roles=frozenset(BROWSE_ROLES), obj="unit"),
    "org_unit_edit": Route(roles=frozenset({Role.SYSTEM_ADMIN}), obj="unit"),
    "org_school_create": Route(
        roles=frozenset({Role.DEPARTMENT_OFFICER, Role.SYSTEM_ADMIN}), obj="department"
    ),
    "user_list": Route(roles=frozenset({Role.SYSTEM_ADMIN})),
    "user_create": Route(roles=frozenset({Role.SYSTEM_ADMIN})),
    # A user account lives in the units of its memberships: outsiders 404, insiders 403.
    "user_detail": Route(roles=frozenset({Role.SYSTEM_ADMIN}), obj="user"),
    "user_set_active": Route(
        roles=frozenset({Role.SYSTEM_ADMIN}), obj="user", method="post", ok_status=302
    ),
    "membership_revoke": Route(
        roles=frozenset({Role.SYSTEM_ADMIN}), obj="membership", method="post", ok_status=302
    ),
    "audit_event_list": Route(roles=frozenset({Role.SYSTEM_ADMIN})),
    "student_list": Route(roles=frozenset({Role.COUNSELOR})),
    "student_detail": Route(roles=frozenset({Role.COUNSELOR}), obj="student"),
    "student_import": Route(roles=frozenset({Role.COUNSELOR})),
    "student_import_template": Route(roles=frozenset({Role.COUNSELOR})),
    "student_export": Route(roles=frozenset({Role.COUNSELOR}), query="class=6A"),
    # Cases: only the school's counselors (DESIGN.md); a school lead, teacher or officer above
    # the school is an insider and gets 403. POSTs with an empty form reach the view and come
    # back 400 with the form's messages (or 302 where an empty form is a valid action).
    "case_queue": Route(roles=COUNSELOR),
    "case_create": Route(roles=COUNSELOR),
    "request_detail": Route(roles=COUNSELOR, obj="request"),
    "request_open_case": Route(roles=COUNSELOR, obj="request", method="post", ok_status=302),
    "request_attach": Route(roles=COUNSELOR, obj="request", method="post", ok_status=400),
    "request_reply": Route(roles=COUNSELOR, obj="request", method="post", ok_status=400),
    "case_detail": Route(roles=COUNSELOR, obj="case"),
    "case_edit": Route(roles=COUNSELOR, obj="case"),
    "case_stage": Route(roles=COUNSELOR, obj="case", method="post", ok_status=400),
    "case_close": Route(roles=COUNSELOR, obj="case", method="post", ok_status=400),
    "case_reopen": Route(roles=COUNSELOR, obj="case", method="post", ok_status=400),
    "case_team": Route(roles=COUNSELOR, obj="case", method="post", ok_status=400),
    # An empty take-over form goes back to the queue with a message.
    "case_take_over": Route(roles=COUNSELOR, obj="case", method="post", ok_status=302),
    "consent_create": Route(roles=COUNSELOR, obj="case"),
    "assessment_create": Route(roles=COUNSELOR, obj="case"),
    "plan_edit": Route(roles=COUNSELOR, obj="case"),
    "action_create": Route(roles=COUNSELOR, obj="case", method="post", ok_status=400),
    "session_create": Route(roles=COUNSELOR, obj="case"),
    "disclosure_create": Route(roles=COUNSELOR, obj="case"),
    "consent_withdraw": Route(roles=COUNSELOR, obj="consent", method="post", ok_status=302),
    "action_status": Route(roles=COUNSELOR, obj="action", method="post", ok_status=302),
    "session_detail": Route(roles=COUNSELOR, obj="session"),
    "student_chronology": Route(roles=COUNSELOR, obj="student"),
    # Safeguarding alerts: the school's counselors and leadership (the Department's officers only
    # once an alert has climbed to their level; the fixture alert is at the school's level).
    "alert_acknowledge": Route(
        roles=frozenset({Role.COUNSELOR, Role.SCHOOL_LEAD}),
        obj="alert",
        method="post",
        ok_status=302,
    ),
    "child_protection_report": Route(
        roles=frozenset({Role.COUNSELOR, Role.SCHOOL_LEAD}), obj="alert"
    ),
    # Everyone's own notification centre.
    "notification_list": Route(roles=ALL_ROLES),
    "notification_badge": Route(roles=ALL_ROLES),
    "notification_preferences": Route(roles=ALL_ROLES),
    "notification_read_all": Route(roles=ALL_ROLES, method="post", ok_status=302),
    "notification_open": Route(roles=ALL_ROLES, obj=OWN, method="post", ok_status=302),
    # A teacher sees only their own referrals: no object route, nothing of another school.
    "referral_list": Route(roles=frozenset({Role.TEACHER})),
    "referral_create": Route(roles=frozenset({Role.TEACHER})),
    # The provider directory: everyone working in the province (and the Ministry) is inside its
    # providers (PROVIDER_REACH below); teachers are inside but may not read it (403).
    "provider_list": Route(roles=frozenset(BROWSE_ROLES | {Role.PARTNER_STAFF})),
    "provider_detail": Route(roles=frozenset(BROWSE_ROLES | {Role.PARTNER_STAFF}), obj="provider"),
    "provider_edit": Route(
        roles=frozenset({Role.DEPARTMENT_OFFICER, Role.SYSTEM_ADMIN}), obj="provider"
    ),
    "provider_create": Route(
        roles=frozenset({Role.DEPARTMENT_OFFICER, Role.SYSTEM_ADMIN}),
        obj="department",
        query="department={pk}",
    ),  # Referrals: partner staff see only those sent to their organisation; the sending school's
    # counselors see the referral's page (status, feedback) and send from the case.
    "partner_referral_list": Route(roles=frozenset({Role.PARTNER_STAFF})),
    "partner_referral_detail": Route(
        roles=frozenset({Role.PARTNER_STAFF, Role.COUNSELOR}), obj="referral"
    ),
    # Accepting needs no field (302); the other actions come back 400 with an empty form.
    "partner_referral_accept": Route(
        roles=frozenset({Role.PARTNER_STAFF}), obj="referral", method="post", ok_status=302
    ),
    "partner_referral_decline": Route(
        roles=frozenset({Role.PARTNER_STAFF}), obj="referral", method="post", ok_status=400
    ),
    "partner_appointment_create": Route(
        roles=frozenset({Role.PARTNER_STAFF}), obj="referral", method="post", ok_status=400
    ),
    "partner_referral_close": Route(
        roles=frozenset({Role.PARTNER_STAFF}), obj="referral", method="post", ok_status=400
    ),
    "case_referral_send": Route(roles=COUNSELOR, obj="case"),
    # Activities (docs/activities.md): the school's counselors, lead and teachers and the officers
    # above it see them; only the organising unit's people change them (the fixture activity is
    # a counselor's talk, so a teacher is refused); deleting asks first (GET), then POSTs.
    "activity_list": Route(roles=ACTIVITY_VIEW),
    "activity_calendar": Route(roles=ACTIVITY_VIEW),
    "activity_totals": Route(roles=ACTIVITY_VIEW - {Role.TEACHER}),
    "activity_create": Route(roles=ACTIVITY_VIEW),
    "activity_detail": Route(roles=ACTIVITY_VIEW, obj="activity"),
    "activity_edit": Route(roles=ACTIVITY_EDIT, obj="activity"),
    "activity_delete": Route(roles=ACTIVITY_EDIT, obj="activity"),
    "attachment_download": Route(roles=ACTIVITY_VIEW, obj="attachment"),
    "attachment_delete": Route(roles=ACTIVITY_EDIT, obj="attachment"),
    # Screening (docs/screening.md): names and results only for the school's counselors; the
    # school's leadership reads the class summary (no names). The instrument library holds no
    # answers: every staff role reads it, partners do not. Students answer with a code: public;
    # an answer POST without a valid code comes back 400.
    "screening_home": Route(roles=COUNSELOR),
    "administration_create": Route(roles=COUNSELOR),
    "screening_consents": Route(roles=COUNSELOR),
    "screening_consent_withdraw": Route(
        roles=COUNSELOR, obj="screening_consent", method="post", ok_status=302
    ),
    "administration_detail": Route(roles=COUNSELOR, obj="administration"),
    "administration_summary": Route(
        roles=frozenset({Role.COUNSELOR, Role.SCHOOL_LEAD}), obj="administration"
    ),
    "administration_slips": Route(roles=COUNSELOR, obj="administration"),
    "administration_close": Route(
        roles=COUNSELOR, obj="administration", method="post", ok_status=302
    ),
    "screening_response": Route(roles=COUNSELOR, obj="screening_response"),
    "instrument_list": Route(roles=frozenset(BROWSE_ROLES | {Role.TEACHER})),
    "instrument_detail": Route(roles=frozenset(BROWSE_ROLES | {Role.TEACHER}), obj="instrument"),
    "screening_start": Route(public=True),
    "screening_answer": Route(public=True, method="post", ok_status=400),
    # Surveys (docs/surveys.md): officers of the sending unit (and above) send, track, remind,
    # close, read results and export; a school's leadership and counselors answer for the
    # school. The fixture survey is the Department of A's, sent to school_a: whoever is inside
    # school_a (or the department) is inside it.
    "survey_list": Route(roles=SURVEY_LIST_ROLES),
    "survey_create": Route(roles=SURVEY_SENDERS),
    "survey_detail": Route(roles=SURVEY_OWNERS, obj="survey"),
    "survey_results": Route(roles=SURVEY_OWNERS, obj="survey"),
    "survey_export": Route(roles=SURVEY_OWNERS, obj="survey"),
    # Reminding and closing go back to the survey's page with a message (also when refused).
    "survey_remind": Route(roles=SURVEY_OWNERS, obj="survey", method="post", ok_status=302),
    "survey_close": Route(roles=SURVEY_OWNERS, obj="survey", method="post", ok_status=302),
    "survey_answer": Route(
        roles=frozenset({Role.COUNSELOR, Role.SCHOOL_LEAD}), obj="survey_recipient"
    ),
    # Directives (docs/directives.md): the issuer's officers (and those above) track, edit, send,
    # remind, accept and export; the recipient unit's people (a school's leadership and
    # counselors) and the officers above it read the task and the letter; only the recipient
    # unit's people submit, and submitted files go to them and the issuer's officers only. The
    # fixture directive is dept_a's, sent to school_a with one report filed; POST actions go
    # back to the page with a message (302), also when refused (already sent, already accepted).
    "directive_list": Route(roles=DIRECTIVE_VIEW),
    "directive_create": Route(roles=DIRECTIVE_ISSUERS),
    "directive_detail": Route(roles=DIRECTIVE_TRACKERS, obj="directive"),
    "directive_edit": Route(roles=DIRECTIVE_TRACKERS, obj="directive"),
    "directive_task_create": Route(roles=DIRECTIVE_TRACKERS, obj="directive"),
    "directive_export": Route(roles=DIRECTIVE_TRACKERS, obj="directive"),
    "directive_send": Route(
        roles=DIRECTIVE_TRACKERS, obj="directive", method="post", ok_status=302
    ),
    "directive_document": Route(roles=DIRECTIVE_VIEW, obj="directive"),
    "directive_task_delete": Route(
        roles=DIRECTIVE_TRACKERS, obj="directive_task", method="post", ok_status=302
    ),
    "directive_assignment": Route(roles=DIRECTIVE_VIEW, obj="directive_assignment"),
    "directive_assignment_remind": Route(
        roles=DIRECTIVE_TRACKERS, obj="directive_assignment", method="post", ok_status=302
    ),
    "directive_assignment_accept": Route(
        roles=DIRECTIVE_TRACKERS, obj="directive_assignment", method="post", ok_status=302
    ),
    "directive_submission_file": Route(
        roles=DIRECTIVE_TRACKERS | {Role.COUNSELOR, Role.SCHOOL_LEAD},
        obj="directive_submission_file",
    ),
    # Visits (docs/visits.md): the fixture visit is dept_a's, sent to school_a (completed); a
    # draft lives only at the visiting unit (dept_a), so the school and the commune are outside
    # it. Managing is for the visiting unit's officers and those above; the school's leadership
    # and counselors answer actions. Empty POSTs come back 400 with the form's messages;
    # completing an empty draft and deleting a sent visit's action go back with a message (302).
    "visit_list": Route(roles=VISIT_VIEW),
    "visit_create": Route(roles=VISITORS),
    "visit_detail": Route(roles=VISIT_VIEW, obj="visit"),
    "visit_edit": Route(roles=VISIT_MANAGERS, obj="visit_draft"),
    "visit_complete": Route(roles=VISIT_MANAGERS, obj="visit_draft", method="post", ok_status=302),
    "visit_delete": Route(roles=VISIT_MANAGERS, obj="visit_draft"),
    "visit_amend": Route(roles=VISIT_MANAGERS, obj="visit", method="post", ok_status=400),
    "visit_action_create": Route(roles=VISIT_MANAGERS, obj="visit"),
    "visit_photo": Route(roles=VISIT_VIEW, obj="visit_photo"),
    "visit_action_list": Route(roles=VISIT_VIEW),
    "visit_action_detail": Route(roles=VISIT_VIEW, obj="visit_action"),
    "visit_action_answer": Route(
        roles=frozenset({Role.COUNSELOR, Role.SCHOOL_LEAD}),
        obj="visit_action",
        method="post",
        ok_status=400,
    ),
    "visit_action_review": Route(
        roles=VISIT_MANAGERS, obj="visit_action", method="post", ok_status=400
    ),
    "visit_action_delete": Route(
        roles=VISIT_MANAGERS, obj="visit_action", method="post", ok_status=302
    ),
    "visit_action_file": Route(roles=VISIT_VIEW, obj="visit_action_file"),
    # Funding (docs/funding.md): a school's lead and the officers above see a school's lines;
    # only the unit holding the money changes them (the fixture line is school_a's).
    "budget_table": Route(roles=FUNDING_VIEW),
    "budget_export": Route(roles=FUNDING_VIEW),
    "budget_line_create": Route(roles=FUNDING_VIEW),
    "budget_line_detail": Route(roles=FUNDING_VIEW, obj="budget_line"),
    "budget_line_edit": Route(roles=frozenset({Role.SCHOOL_LEAD}), obj="budget_line"),
    "budget_attachment_download": Route(roles=FUNDING_VIEW, obj="budget_attachment"),
    "budget_attachment_delete": Route(roles=frozenset({Role.SCHOOL_LEAD}), obj="budget_attachment"),
    # Awards (docs/awards.md): the evaluating unit's officers work; the school's lead and
    # counselors (and officers above the school) see published results, decided nominations and
    # the decisions naming the school. Drafts and proposals are dept_a's only (outsiders 404).
    "awards_home": Route(roles=AWARD_VIEW),
    "criteria_set_create": Route(roles=AWARD_OFFICERS),
    "nomination_create": Route(roles=AWARD_OFFICERS),
    "decision_create": Route(roles=AWARD_OFFICERS),
    "criteria_set_detail": Route(
        roles=frozenset({Role.DEPARTMENT_OFFICER, Role.MINISTRY_OFFICER}), obj="criteria_set"
    ),
    "criteria_set_edit": Route(roles=frozenset({Role.DEPARTMENT_OFFICER}), obj="criteria_set"),
    "evaluation_create": Route(roles=frozenset({Role.DEPARTMENT_OFFICER}), obj="criteria_set"),
    "evaluation_detail": Route(roles=AWARD_VIEW, obj="evaluation"),
    "evaluation_edit": Route(roles=frozenset({Role.DEPARTMENT_OFFICER}), obj="draft_evaluation"),
    "nomination_detail": Route(roles=AWARD_VIEW, obj="nomination"),
    # Refusing needs a reason: an empty POST comes back 400 with the form.
    "nomination_refuse": Route(
        roles=frozenset({Role.DEPARTMENT_OFFICER, Role.MINISTRY_OFFICER}),
        obj="proposal",
        method="post",
        ok_status=400,
    ),
    "decision_detail": Route(roles=AWARD_VIEW, obj="award_decision"),
    "decision_document_download": Route(roles=AWARD_VIEW, obj="award_document"),
    # Programs (docs/programs.md). The fixture program is Department A's, with school_a enrolled
    # and staffed, a milestone of dept_a and a task of school_a with one evidence file: whoever
    # is inside school_a is inside it.
    "program_list": Route(roles=PROGRAM_VIEW),
    "program_create": Route(roles=PROGRAM_OFFICERS),
    "program_staffing": Route(roles=PROGRAM_OFFICERS),
    "program_staffing_export": Route(
        roles=PROGRAM_OFFICERS, obj="department", query="province={pk}"
    ),
    "program_detail": Route(roles=PROGRAM_VIEW, obj="program"),
    "program_edit": Route(roles=PROGRAM_OWNER, obj="program"),
    "program_configure": Route(roles=PROGRAM_OWNER, obj="program"),
    "program_enrol": Route(roles=PROGRAM_OWNER, obj="program"),
    "program_tasks": Route(roles=PROGRAM_VIEW, obj="program"),
    "program_task_create": Route(roles=PROGRAM_OWNER, obj="program"),
    "program_timeline": Route(roles=PROGRAM_VIEW, obj="program"),
    "program_staff_create": Route(roles=PROGRAM_OWNER, obj="program_enrolment"),
    "program_staff_edit": Route(roles=PROGRAM_OWNER, obj="program_staff"),
    "program_staff_end": Route(roles=PROGRAM_OWNER, obj="program_staff"),
    "program_task_detail": Route(roles=PROGRAM_VIEW, obj="program_task"),
    "program_task_edit": Route(roles=PROGRAM_OWNER, obj="program_task"),
    "program_task_status": Route(
        roles=PROGRAM_OWNER | {Role.COUNSELOR, Role.SCHOOL_LEAD}, obj="program_task"
    ),
    "program_evidence_download": Route(roles=PROGRAM_VIEW, obj="program_evidence"),
    # Trainings, exchanges, library (docs/trainings.md). The fixture training and exchange are
    # province A's (dept_a) with school_a's counselor invited / school_a taking part: whoever is
    # inside school_a (or above it) is inside them; only dept_a's officers change them. Library
    # documents of dept_a are seen across province A (the "provider_a" reach); partner staff
    # there are insiders without the role (403).
    "training_list": Route(roles=TRAINING_VIEW),
    "training_create": Route(roles=OFFICERS),
    "training_detail": Route(roles=TRAINING_VIEW, obj="training"),
    "training_edit": Route(roles=TRAINING_MANAGE, obj="training"),
    "participant_add": Route(roles=TRAINING_MANAGE, obj="training"),
    "participants_invite_program": Route(
        roles=TRAINING_MANAGE, obj="training", method="post", ok_status=302
    ),
    "attendance_edit": Route(roles=TRAINING_MANAGE, obj="training"),
    "certificates_issue": Route(
        roles=TRAINING_MANAGE, obj="training", method="post", ok_status=302
    ),
    "participant_remove": Route(
        roles=TRAINING_MANAGE, obj="training_participant", method="post", ok_status=302
    ),
    "certificate_pdf": Route(roles=TRAINING_VIEW, obj="certificate"),
    "certificate_revoke": Route(
        roles=TRAINING_MANAGE, obj="certificate", method="post", ok_status=302
    ),
    "training_verify": Route(public=True),
    "training_verify_code": Route(public=True, obj="certificate_code"),
    "training_hours": Route(roles=TRAINING_VIEW),
    "training_hours_person": Route(roles=TRAINING_VIEW, obj="training_participant"),
    "exchange_list": Route(roles=TRAINING_VIEW),
    "exchange_create": Route(roles=OFFICERS),
    "exchange_detail": Route(roles=TRAINING_VIEW, obj="exchange"),
    "exchange_edit": Route(roles=TRAINING_MANAGE, obj="exchange"),
    "library_list": Route(roles=LIBRARY_VIEW),
    "library_create": Route(roles=OFFICERS),
    "library_detail": Route(roles=LIBRARY_VIEW, obj="library_document"),
    "library_edit": Route(roles=TRAINING_MANAGE, obj="library_document"),
    "library_version_add": Route(roles=TRAINING_MANAGE, obj="library_document"),
    "library_download": Route(roles=LIBRARY_VIEW, obj="library_version"),
    # Reporting. Dashboards of a unit: its school staff and the officers above it; teachers,
    # partners and administrators see none. The fixture program is dept_a's with school_a
    # enrolled; the fixture report is school_a's draft semester report (school_b's for B).
    "dashboard_home": Route(roles=DASHBOARD, ok_status=302),
    "dashboard_history": Route(roles=DASHBOARD),
    "dashboard_unit": Route(roles=DASHBOARD, obj="unit"),
    "dashboard_refresh": Route(roles=DASHBOARD, obj="unit", method="post", ok_status=302),
    "dashboard_export": Route(roles=DASHBOARD, obj="unit", method="post", ok_status=302),
    "dashboard_program": Route(roles=DASHBOARD, obj="program"),
    "dashboard_program_export": Route(roles=DASHBOARD, obj="program", method="post", ok_status=302),
    "report_list": Route(roles=DASHBOARD),
    # An empty start form comes back 400; a commune prepares no report of its own.
    "report_start": Route(
        roles=SCHOOL_STAFF | {Role.DEPARTMENT_OFFICER, Role.MINISTRY_OFFICER},
        method="post",
        ok_status=400,
    ),
    "report_tracker": Route(roles=OFFICERS),
    "report_detail": Route(roles=DASHBOARD, obj="report"),
    "report_edit": Route(roles=SCHOOL_STAFF, obj="report"),
    "report_submit": Route(roles=SCHOOL_STAFF, obj="report", method="post", ok_status=302),
    # The level above the school decides; the Ministry decides on province reports only.
    "report_return": Route(roles=REPORT_DECIDERS, obj="report", method="post", ok_status=400),
    "report_approve": Route(roles=REPORT_DECIDERS, obj="report", method="post", ok_status=302),
    "report_docx": Route(roles=DASHBOARD, obj="report", method="post", ok_status=302),
    "export_job": Route(roles=ALL_ROLES, obj=OWN_EXPORT),
    "export_download": Route(roles=ALL_ROLES, obj=OWN_EXPORT),
}

# Which units each fixture person is "inside" (their unit and everything below it), written
# out by hand for the fixture world in conftest.py.
SIDE_A_SCHOOL = {"school_a"}
INSIDE = {
    "counselor": SIDE_A_SCHOOL,
    "school_lead": SIDE_A_SCHOOL,
    "teacher": SIDE_A_SCHOOL,
    "commune_officer": {"commune_a", "school_a"},
    "department_officer": {"dept_a", "commune_a", "school_a", "provider_a"},
    "ministry_officer": {"dept_a", "dept_b", "commune_a", "commune_b", "school_a", "school_b"},
    "system_admin": {"dept_a", "dept_b", "commune_a", "commune_b", "school_a", "school_b"},
    "partner_staff": {"provider_a"},
}
# Providers belong to a province: whoever works anywhere in it (or at the Ministry) reaches them.
PROVIDER_REACH = {
    "counselor": {"provider_a"},
    "school_lead": {"provider_a"},
    "teacher": {"provider_a"},
    "commune_officer": {"provider_a"},
    "ministry_officer": {"provider_a", "provider_b"},
    "system_admin": {"provider_a", "provider_b"},
}
# A referral lives at both ends: the sending school (school_a) and the receiving provider
# (provider_a); whoever is inside either is inside the referral. Province B's goes from school_b
# to provider_b.
REFERRAL_REACH = {
    person: {f"referral_{side}" for side in "ab" if {f"school_{side}", f"provider_{side}"} & units}
    for person, units in INSIDE.items()
}
ROLE_OF = {
    "counselor": Role.COUNSELOR,
    "school_lead": Role.SCHOOL_LEAD,
    "teacher": Role.TEACHER,
    "commune_officer": Role.COMMUNE_OFFICER,
    "department_officer": Role.DEPARTMENT_OFFICER,
    "ministry_officer": Role.MINISTRY_OFFICER,
    "system_admin": Role.SYSTEM_ADMIN,
    "partner_staff": Role.PARTNER_STAFF,
}


def _all_route_names(patterns=None, prefix="") -> list[str]:
    names = []
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            names += _all_route_names(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            names.append(entry.name or f"<unnamed {prefix}{entry.pattern}>")
    return names


def test_every_route_is_in_the_matrix():
    names = set(_all_route_names())
    missing = sorted(names - set(ROUTES))
    stale = sorted(set(ROUTES) - names)
    assert not missing, f"Routes without an authorization rule: {missing}"
    assert not stale, f"Matrix rows for routes that no longer exist: {stale}"


def _own_objects(world, person):
    from diemtua.notifications.models import Notification

    other = "teacher" if person != "teacher" else "counselor"
    mine = Notification.objects.create(
        user=world.users[person], kind="reminder", text="x", link="/"
    )
    theirs = Notification.objects.create(
        user=world.users[other], kind="reminder", text="x", link="/"
    )
    return [(mine, OWN), (theirs, "theirs")]


def _own_exports(world, person):
    from diemtua.reporting.tests.test_reports import matrix_export_job

    other = "teacher" if person != "teacher" else "counselor"
    return [
        (matrix_export_job(world.users[person]), OWN),
        (matrix_export_job(world.users[other]), "theirs"),
    ]


def _objects(world, kind):
    """(our object, its unit key), (the other side's object, its unit key)."""
    if kind == OWN:
        return _own_objects(world, "counselor")
    if kind == OWN_EXPORT:
        return _own_exports(world, "counselor")
    if kind == "report":
        from diemtua.reporting.tests.test_reports import matrix_report

        cache = world.__dict__.setdefault("_reports", {})
        for side in "ab":
            if side not in cache:
                cache[side] = matrix_report(world, side)
            else:
                cache[side].refresh_from_db()
        return (cache["a"], "school_a"), (cache["b"], "school_b")
    if kind == "student":
        return (world.student_a, "school_a"), (world.student_b, "school_b")
    if kind == "unit":
        return (world.school_a, "school_a"), (world.school_b, "school_b")
    if kind == "school_code":  # routes that take the school's code, e.g. /help/01-A/
        return (world.school_a, "school_a"), (world.school_b, "school_b")
    if kind == "department":
        return (world.dept_a, "dept_a"), (world.dept_b, "dept_b")
    if kind == "user":
        return (world.users["teacher"], "school_a"), (world.users["counselor_b"], "school_b")
    if kind == "membership":
        return (
            (world.users["teacher"].memberships.get(), "school_a"),
            (world.users["counselor_b"].memberships.get(), "school_b"),
        )
    if kind == "provider":  # directory entries; province B's is made here
        return (_provider(world, "provider_a"), "provider_a"), (
            _provider(world, "provider_b"),
            "provider_b",
        )
    if kind == "referral":  # school_a → provider_a, and province B's school_b → provider_b
        return (_referral(world, "a"), "referral_a"), (_referral(world, "b"), "referral_b")
    if kind in ("activity", "attachment"):
        return (_activity(world, "school_a", kind), "school_a"), (
            _activity(world, "school_b", kind),
            "school_b",
        )
    if kind in SCREENING_KINDS:
        mine, theirs = _screening(world, "school_a"), _screening(world, "school_b")
        return (mine[kind], "school_a"), (theirs[kind], "school_b")
    if kind in ("survey", "survey_recipient"):  # school surveys of dept_a → school_a, B's
        mine, theirs = _survey(world, "a"), _survey(world, "b")
        if kind == "survey_recipient":
            mine, theirs = mine.recipients.get(), theirs.recipients.get()
        return (mine, "school_a"), (theirs, "school_b")
    if kind in TRAINING_KINDS:  # province A's (school_a invited) and province B's
        mine, theirs = _trainings(world, "a"), _trainings(world, "b")
        if kind == "certificate_code":  # public: nobody is outside it
            return [(mine["certificate"], None)]
        key = "provider" if kind.startswith("library") else "school"
        return (mine[kind], f"{key}_a"), (theirs[kind], f"{key}_b")
    if kind in PROGRAM_KINDS:
        mine, theirs = _program_objects(world, "a"), _program_objects(world, "b")
        return (mine[kind], "school_a"), (theirs[kind], "school_b")
    if kind in ("budget_line", "budget_attachment"):  # school_a's and school_b's lines
        return (_budget(world, "a")[kind], "school_a"), (_budget(world, "b")[kind], "school_b")
    if kind in AWARD_KINDS:
        mine, theirs = _awards(world, "a"), _awards(world, "b")
        unit = AWARD_KINDS[kind]
        return (mine[kind], f"{unit}_a"), (theirs[kind], f"{unit}_b")
    if kind in VISIT_KINDS:  # dept_a's visits of school_a, and province B's
        mine, theirs = _visits(world, "a"), _visits(world, "b")
        if kind == "visit_draft":
            return (mine[kind], "dept_a"), (theirs[kind], "dept_b")
        return (mine[kind], "school_a"), (theirs[kind], "school_b")
    if kind in DIRECTIVE_KINDS:  # dept_a's directive sent to school_a (one report filed), B's
        mine, theirs = _directive(world, "a"), _directive(world, "b")
        return (mine[kind], "school_a"), (theirs[kind], "school_b")
    if kind == "instrument":  # reference data: nobody is outside it
        from diemtua.screening.models import Instrument

        return [(Instrument.objects.get(code="GAD7"), None)]
    if kind in CASE_KINDS:
        mine, theirs = _case_objects(world, "school_a"), _case_objects(world, "school_b")
        return (mine[kind], "school_a"), (theirs[kind], "school_b")
    raise AssertionError(kind)


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    """Activity attachments are written to a temporary uploads storage, not var/uploads."""
    settings.STORAGES = {
        **settings.STORAGES,
        "uploads": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "uploads", "base_url": None},
        },
    }


TRAINING_KINDS = {
    "training", "training_participant", "certificate", "certificate_code", "exchange",
    "library_document", "library_version",
}  # fmt: skip


def _trainings(world, side):
    """The side's department's training (its school's counselor invited, attended, certified),
    exchange (its school taking part) and library document with one PDF version."""
    cache = world.__dict__.setdefault("_trainings", {})
    if side not in cache:
        import datetime

        from django.core.files.base import ContentFile

        from diemtua.core import uploads
        from diemtua.trainings.models import (
            Certificate,
            Exchange,
            LibraryDocument,
            LibraryVersion,
            Participant,
            Training,
        )

        dept, school = getattr(world, f"dept_{side}"), getattr(world, f"school_{side}")
        officer = world.users["department_officer" if side == "a" else "department_officer_b"]
        counselor = world.users["counselor" if side == "a" else "counselor_b"]
        day = datetime.date(2025, 10, 23)
        training = Training.objects.create(
            owner=dept, title="Tập huấn", starts_on=day, ends_on=day, mode="in_person",
            hours=8, created_by=officer,
        )  # fmt: skip
        participant = Participant.objects.create(
            training=training, user=counselor, full_name="Cán bộ", unit=school,
            person_key=f"u:{counselor.pk}", attendance="attended",
        )  # fmt: skip
        certificate = Certificate.objects.create(
            participant=participant, code=f"ABCDE2345{side.upper()}", issued_on=day,
            issued_by=officer,
        )  # fmt: skip
        exchange = Exchange.objects.create(
            owner=dept, title="Trao đổi", held_on=day, mode="in_person", created_by=officer
        )
        exchange.schools.add(school)
        document = LibraryDocument.objects.create(
            owner=dept, title="Hướng dẫn", category="guidance", visibility="subtree",
            created_by=officer,
        )  # fmt: skip
        stored = uploads.storage().save("library/x.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
        version = LibraryVersion.objects.create(
            document=document, number=1, stored_name=stored, original_name="x.pdf",
            file_kind="pdf", content_type="application/pdf", size=14, uploaded_by=officer,
        )  # fmt: skip
        cache[side] = {
            "training": training, "training_participant": participant,
            "certificate": certificate, "certificate_code": certificate,
            "exchange": exchange, "library_document": document, "library_version": version,
        }  # fmt: skip
    return cache[side]


PROGRAM_KINDS = {
    "program",
    "program_enrolment",
    "program_staff",
    "program_task",
    "program_evidence",
}


def _program_objects(world, side):
    """The side's Department program (in the database): its school enrolled with one designated
    staff member, a milestone of the Department and a task of the school with one PDF."""
    cache = world.__dict__.setdefault("_programs", {})
    if side not in cache:
        import datetime

        from django.core.files.base import ContentFile
        from django.utils import timezone

        from diemtua.core import uploads
        from diemtua.programs.models import (
            DesignatedStaff,
            Enrolment,
            Program,
            ProgramLocality,
            ProgramTask,
            TaskEvidence,
        )

        dept, school = getattr(world, f"dept_{side}"), getattr(world, f"school_{side}")
        officer = world.users["department_officer" if side == "a" else "department_officer_b"]
        today = timezone.localdate()
        program = Program.objects.create(
            owner=dept,
            code=f"ct-{side}",
            title="Chương trình",
            status="active",
            starts_on=today,
            ends_on=today + datetime.timedelta(days=90),
            created_by=officer,
        )
        ProgramLocality.objects.create(program=program, unit=dept)
        enrolment = Enrolment.objects.create(
            program=program, school=school, locality=dept, enrolled_on=today
        )
        staff = DesignatedStaff.objects.create(
            enrolment=enrolment,
            full_name="Cán bộ",
            employment="full_time",
            qualification="psychology",
            since=today,
        )
        ProgramTask.objects.create(
            program=program,
            title="Mốc",
            responsible=dept,
            starts_on=today,
            due_on=today,
            milestone=True,
        )
        task = ProgramTask.objects.create(
            program=program, title="Nhiệm vụ", responsible=school, starts_on=today, due_on=today
        )
        stored = uploads.storage().save("programs/x.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
        evidence = TaskEvidence.objects.create(
            task=task,
            stored_name=stored,
            original_name="x.pdf",
            file_kind="pdf",
            content_type="application/pdf",
            size=14,
            uploaded_by=officer,
        )
        cache[side] = {
            "program": program, "program_enrolment": enrolment, "program_staff": staff,
            "program_task": task, "program_evidence": evidence,
        }  # fmt: skip
    return cache[side]


def _budget(world, side):
    """A school's budget line (state budget, equipment) with one small PDF attached."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from diemtua.core import uploads
    from diemtua.funding.models import BudgetAttachment, BudgetLine

    cache = world.__dict__.setdefault("_budget", {})
    if side not in cache:
        author = world.users["school_lead" if side == "a" else "counselor_b"]
        line = BudgetLine.objects.create(
            unit=getattr(world, f"school_{side}"),
            fiscal_year=timezone.localdate().year,
            source="state",
            purpose="equipment",
            title="Phòng tư vấn",
            planned=100,
            committed=50,
            spent=20,
            created_by=author,
        )
        stored = uploads.storage().save("funding/x.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
        attachment = BudgetAttachment.objects.create(
            line=line,
            stored_name=stored,
            original_name="x.pdf",
            file_kind="pdf",
            content_type="application/pdf",
            size=14,
            uploaded_by=author,
        )
        cache[side] = {"budget_line": line, "budget_attachment": attachment}
    return cache[side]


# Awards objects and the unit each is "in": an open criteria set, a draft evaluation and a
# proposal are the department's; a published evaluation, an approved nomination and its
# decision (with its document) are also the school's.
AWARD_KINDS = {
    "criteria_set": "dept", "draft_evaluation": "dept", "proposal": "dept",
    "evaluation": "school", "nomination": "school", "award_decision": "school",
    "award_document": "school",
}  # fmt: skip


def _awards(world, side):
    """The side's department scores its school (a published set and a draft one), nominates,
    and approves one nomination by a decision with a PDF."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from diemtua.awards.models import (
        AwardDecision,
        CriteriaSet,
        Criterion,
        DecisionDocument,
        Evaluation,
        Nomination,
    )
    from diemtua.core import uploads

    cache = world.__dict__.setdefault("_awards", {})
    if side in cache:
        return cache[side]
    dept, school = getattr(world, f"dept_{side}"), getattr(world, f"school_{side}")
    officer = world.users["department_officer" if side == "a" else "department_officer_b"]
    today = timezone.localdate()

    def criteria_set(status):
        made = CriteriaSet.objects.create(
            owner=dept, title="Đánh giá", subject_kind="unit", status=status, created_by=officer
        )
        Criterion.objects.create(criteria_set=made, position=1, code="TC1", text="x", max_points=10)
        return made

    published, open_set = criteria_set("published"), criteria_set("open")
    evaluation = Evaluation.objects.create(
        criteria_set=published,
        subject_unit=school,
        evaluator=officer,
        evaluated_on=today,
        total=8,
    )
    draft = Evaluation.objects.create(
        criteria_set=open_set,
        subject_unit=school,
        evaluator=officer,
        evaluated_on=today,
        total=6,
    )
    decision = AwardDecision.objects.create(
        issuing_unit=dept,
        number=f"{side}/QĐ",
        signed_on=today,
        title="Khen thưởng",
        created_by=officer,
    )

    def nomination(**extra):
        return Nomination.objects.create(
            nominating_unit=dept,
            subject_kind="unit",
            subject_unit=school,
            award_title="Giấy khen",
            reason="x",
            nominated_by=officer,
            nominated_on=today,
            **extra,
        )

    stored = uploads.storage().save("awards/x.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    document = DecisionDocument.objects.create(
        decision=decision,
        stored_name=stored,
        original_name="qd.pdf",
        file_kind="pdf",
        content_type="application/pdf",
        size=14,
        uploaded_by=officer,
    )
    cache[side] = {
        "criteria_set": open_set, "draft_evaluation": draft, "proposal": nomination(),
        "evaluation": evaluation,
        "nomination": nomination(status="approved", decision=decision),
        "award_decision": decision, "award_document": document,
    }  # fmt: skip
    return cache[side]


VISIT_KINDS = {"visit", "visit_draft", "visit_action", "visit_photo", "visit_action_file"}


def _visits(world, side):
    """The side's Department's visits of its school (in the database, not through the
    services): one sent, with an answered action carrying a file and a photo, and one draft."""
    import datetime

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from diemtua.core import uploads
    from diemtua.visits.models import (
        ActionEvent,
        ActionFile,
        Checklist,
        FollowUpAction,
        Visit,
        VisitPhoto,
    )

    cache = world.__dict__.setdefault("_visits", {})
    if side not in cache:
        officer = world.users["department_officer" if side == "a" else "department_officer_b"]
        counselor = world.users["counselor" if side == "a" else "counselor_b"]
        today = timezone.localdate()
        common = {
            "visiting_unit": getattr(world, f"dept_{side}"),
            "school": getattr(world, f"school_{side}"),
            "kind": "supervision",
            "visited_on": today,
            "checklist": Checklist.objects.get(code="TT18_2025").current_version(),
            "created_by": officer,
        }
        sent = Visit.objects.create(
            status="completed", completed_at=timezone.now(), completed_by=officer, **common
        )
        draft = Visit.objects.create(**common)
        action = FollowUpAction.objects.create(
            visit=sent,
            description="x",
            due_on=today + datetime.timedelta(days=7),
            created_by=officer,
        )
        event = ActionEvent.objects.create(
            action=action, kind="answer", text="x", made_by=counselor
        )
        stored = uploads.storage().save("visits/x.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
        action_file = ActionFile.objects.create(
            event=event,
            stored_name=stored,
            original_name="x.pdf",
            file_kind="pdf",
            content_type="application/pdf",
            size=14,
            uploaded_by=counselor,
        )
        stored = uploads.storage().save("visits/x.png", ContentFile(b"\x89PNG\r\n\x1a\n"))
        photo = VisitPhoto.objects.create(
            visit=sent,
            stored_name=stored,
            original_name="x.png",
            file_kind="png",
            content_type="image/png",
            size=8,
            uploaded_by=officer,
        )
        cache[side] = {
            "visit": sent, "visit_draft": draft, "visit_action": action,
            "visit_photo": photo, "visit_action_file": action_file,
        }  # fmt: skip
    return cache[side]


DIRECTIVE_KINDS = {
    "directive",
    "directive_task",
    "directive_assignment",
    "directive_submission_file",
}


def _directive(world, side):
    """A sent directive of the side's department to its school, one task, one report with a
    file (in the database, not through the services), made once per test."""
    import datetime

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from diemtua.core import uploads
    from diemtua.directives.models import (
        Assignment,
        Directive,
        DirectiveDocument,
        Recipient,
        Submission,
        SubmissionFile,
        Task,
    )

    cache = world.__dict__.setdefault("_directives", {})
    if side not in cache:
        officer = world.users["department_officer" if side == "a" else "department_officer_b"]
        counselor = world.users["counselor" if side == "a" else "counselor_b"]
        school = getattr(world, f"school_{side}")
        today = timezone.localdate()
        directive = Directive.objects.create(
            owner=getattr(world, f"dept_{side}"),
            number_symbol="1/SGDĐT",
            issued_on=today,
            subject="V/v báo cáo",
            status="sent",
            sent_at=timezone.now(),
            created_by=officer,
        )
        Recipient.objects.create(directive=directive, unit=school)
        stored = uploads.storage().save("directives/x.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
        DirectiveDocument.objects.create(
            directive=directive,
            stored_name=stored,
            original_name="cv.pdf",
            file_kind="pdf",
            content_type="application/pdf",
            size=14,
            uploaded_by=officer,
        )
        task = Task.objects.create(
            directive=directive, description="x", deadline=today + datetime.timedelta(days=7)
        )
        assignment = Assignment.objects.create(task=task, unit=school)
        submission = Submission.objects.create(
            assignment=assignment, note="x", submitted_at=timezone.now(), submitted_by=counselor
        )
        Assignment.objects.filter(pk=assignment.pk).update(
            current=submission, submitted_at=submission.submitted_at, submitted_on=today
        )
        stored = uploads.storage().save("directives/y.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
        report = SubmissionFile.objects.create(
            submission=submission,
            stored_name=stored,
            original_name="bc.pdf",
            file_kind="pdf",
            content_type="application/pdf",
            size=14,
            uploaded_by=counselor,
        )
        cache[side] = {
            "directive": directive,
            "directive_task": task,
            "directive_assignment": assignment,
            "directive_submission_file": report,
        }
    return cache[side]


def _survey(world, side):
    """A school-readiness survey sent (in the database) by the side's department to its school."""
    import datetime

    from django.utils import timezone

    from diemtua.screening.models import Instrument, Survey, SurveyRecipient

    cache = world.__dict__.setdefault("_surveys", {})
    if side not in cache:
        survey = Survey.objects.create(
            owner=getattr(world, f"dept_{side}"),
            version=Instrument.objects.get(code="SS_TRUONG").current_version(),
            title="Khảo sát",
            deadline=timezone.localdate() + datetime.timedelta(days=7),
            created_by=world.users["department_officer" if side == "a" else "department_officer_b"],
        )
        SurveyRecipient.objects.create(survey=survey, unit=getattr(world, f"school_{side}"))
        cache[side] = survey
    return cache[side]


SCREENING_KINDS = {"administration", "screening_response", "screening_consent"}


def _screening(world, unit_key):
    """A GAD-7 given to the school's student (consent on file), answered, made once per test."""
    cache = world.__dict__.setdefault("_screening", {})
    if unit_key not in cache:
        import datetime

        from django.utils import timezone

        from diemtua.screening import services
        from diemtua.screening.models import Instrument, Response, ScreeningConsent

        school = getattr(world, unit_key)
        student = world.student_a if unit_key == "school_a" else world.student_b
        counselor = world.users["counselor" if unit_key == "school_a" else "counselor_b"]
        services.consents_record(
            actor=counselor,
            school=school,
            entries=[(student, "student"), (student, "guardian")],
            method="written",
            given_on=timezone.localdate(),
        )
        opened = services.administration_open(
            actor=counselor,
            school=school,
            group_name=student.class_name,
            version=Instrument.objects.get(code="GAD7").current_version(),
            closes_on=timezone.localdate() + datetime.timedelta(days=3),
        )
        code = opened.administration.participants.get().code
        services.response_submit(code=code, answers={f"q{i}": 1 for i in range(1, 8)})
        cache[unit_key] = {
            "administration": opened.administration,
            "screening_response": Response.objects.get(administration=opened.administration),
            "screening_consent": ScreeningConsent.objects.filter(student=student).first(),
        }
    return cache[unit_key]


def _activity(world, unit_key, kind):
    """A counselor's talk at the school with one small PDF attached, made once per test."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from diemtua.activities.models import Activity, Attachment
    from diemtua.core import uploads

    cache = world.__dict__.setdefault("_activities", {})
    if unit_key not in cache:
        counselor = world.users["counselor" if unit_key == "school_a" else "counselor_b"]
        activity = Activity.objects.create(
            org_unit=getattr(world, unit_key),
            kind="thematic_talk",
            title="Chuyên đề",
            search_title="chuyen de",
            held_on=timezone.localdate(),
            created_by=counselor,
        )
        stored = uploads.storage().save("activities/x.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
        attachment = Attachment.objects.create(
            activity=activity,
            stored_name=stored,
            original_name="x.pdf",
            file_kind="pdf",
            content_type="application/pdf",
            size=14,
            uploaded_by=counselor,
        )
        cache[unit_key] = {"activity": activity, "attachment": attachment}
    return cache[unit_key][kind]


def _provider(world, unit_key):
    from diemtua.orgs.models import OrgKind
    from diemtua.referrals.models import ProviderCategory, ProviderProfile

    if not hasattr(world, unit_key):
        from diemtua.orgs import services as org_services

        unit = org_services.org_unit_create(
            actor=None,
            kind=OrgKind.PROVIDER,
            name="Bệnh viện Tâm thần Thanh Hóa",
            code="38-BV",
            parent=world.dept_b,
        )
        setattr(world, unit_key, unit)
    unit = getattr(world, unit_key)
    profile, _created = ProviderProfile.objects.get_or_create(
        unit=unit, defaults={"category": ProviderCategory.PSYCHIATRIC}
    )
    return profile


def _referral(world, side):
    """A referral sent (in the database, not through the services) from the side's case."""
    import datetime

    from django.utils import timezone

    from diemtua.referrals.models import Referral

    cache = world.__dict__.setdefault("_referrals", {})
    if side in cache:
        return cache[side]
    objects = _case_objects(world, f"school_{side}")
    case = objects["case"]
    provider = _provider(world, f"provider_{side}").unit
    counselor = world.users["counselor" if side == "a" else "counselor_b"]
    now = timezone.now()
    cache[side] = Referral.objects.create(
        case=case,
        school=case.school,
        provider=provider,
        consent=objects["consent"],
        reason="x",
        urgency="routine",
        shared_fields="summary",
        shared='{"summary": "x"}',
        sent_at=now,
        sent_by=counselor,
        respond_due_at=now + datetime.timedelta(days=2),
        feedback_due_on=timezone.localdate() + datetime.timedelta(days=14),
    )
    return cache[side]


CASE_KINDS = {"case", "request", "session", "consent", "action", "alert"}


def _case_objects(world, unit_key):
    """A case of the school with one of everything on it, made once per test."""
    cache = world.__dict__.setdefault("_case_objects", {})
    if unit_key not in cache:
        import datetime

        from django.utils import timezone

        from diemtua.cases.models import (
            Case,
            Consent,
            HelpRequest,
            PlanAction,
            SafeguardingAlert,
            Session,
        )

        school = getattr(world, unit_key)
        counselor = world.users["counselor" if unit_key == "school_a" else "counselor_b"]
        today = timezone.localdate()
        case = Case.objects.create(school=school, opened_on=today, opened_by=counselor)
        case.counselors.add(counselor)
        request = HelpRequest.objects.create(
            school=school, channel="web", requester="student", is_anonymous=True, message="x"
        )
        consent = Consent.objects.create(
            case=case,
            given_by="student",
            covers_counseling=True,
            method="verbal",
            given_on=today,
            recorded_by=counselor,
        )
        action = PlanAction.objects.create(
            case=case, description="x", owner="x", due_on=today + datetime.timedelta(days=3)
        )
        session = Session.objects.create(
            case=case,
            school=school,
            held_at=timezone.now(),
            form="individual",
            duration_minutes=30,
            counselor=counselor,
        )
        alert = SafeguardingAlert.objects.create(
            case=case,
            school=school,
            reason="abuse",
            raised_at=timezone.now(),
            raised_by=counselor,
            ack_due_at=timezone.now() + datetime.timedelta(hours=1),
            report_due_at=timezone.now() + datetime.timedelta(hours=12),
        )
        cache[unit_key] = {
            "alert": alert,
            "case": case,
            "request": request,
            "session": session,
            "consent": consent,
            "action": action,
        }
    return cache[unit_key]


def _url(name, route, obj=None):
    if obj is None:
        url = reverse(name)
    elif route.obj == "membership":
        url = reverse(name, kwargs={"pk": obj.user_id, "membership_pk": obj.pk})
    elif "{pk}" in route.query:  # the object travels in the query, e.g. ?department=<pk>
        return f"{reverse(name)}?{route.query.format(pk=obj.pk)}"
    elif route.obj == "school_code":
        url = reverse(name, kwargs={"school_code": obj.code})
    elif route.obj in ("instrument", "certificate_code"):
        url = reverse(name, kwargs={"code": obj.code})
    else:
        url = reverse(name, kwargs={"pk": obj.pk})
    return f"{url}?{route.query}" if route.query else url


def _expected(route, person, unit_key):
    role = ROLE_OF[person]
    if route.public:
        return route.ok_status
    reach = INSIDE[person] | PROVIDER_REACH.get(person, set()) | REFERRAL_REACH[person]
    if unit_key is not None and unit_key not in reach:
        return 404
    return route.ok_status if role in route.roles else 403


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_route_answers_each_role_as_declared(name, world, client):
    route = ROUTES[name]
    mismatches = []
    # Allowed roles last, so a successful write (a revoke) cannot hide another role's answer.
    for person in sorted(ROLE_OF, key=lambda p: ROLE_OF[p] in route.roles):
        client.force_login(world.users[person])
        if route.obj == OWN:
            cases = _own_objects(world, person)
        elif route.obj == OWN_EXPORT:
            cases = _own_exports(world, person)
        else:
            cases = _objects(world, route.obj) if route.obj else [(None, None)]
        for obj, unit_key in cases:
            url = _url(name, route, obj)
            response = getattr(client, route.method)(url)
            expected = (
                (route.ok_status if unit_key == OWN else 404)
                if route.obj in (OWN, OWN_EXPORT)
                else _expected(route, person, unit_key)
            )
            if response.status_code != expected:
                mismatches.append(f"{person} {url}: got {response.status_code}, want {expected}")
        client.logout()
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("name", sorted(n for n, r in ROUTES.items() if not r.public))
def test_anonymous_is_sent_to_login(name, world, client):
    route = ROUTES[name]
    obj = _objects(world, route.obj)[0][0] if route.obj else None
    response = getattr(client, route.method)(_url(name, route, obj))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# The import page also takes POST (the upload itself); the rest only read.
@pytest.mark.parametrize(
    "name",
    sorted(
        n for n, r in ROUTES.items() if r.method == "get" and n not in {"login", "student_import"}
    ),
)
def test_get_routes_refuse_other_methods(name, world, client):
    """Read-only pages refuse writes (405) for a user who may read them."""
    route = ROUTES[name]
    person = next((p for p, r in ROLE_OF.items() if route.public or r in route.roles), "counselor")
    client.force_login(world.users[person])
    obj = _objects(world, route.obj)[0][0] if route.obj else None
    response = client.delete(_url(name, route, obj))
    assert response.status_code == 405


def test_login_page_answers_anonymous(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content and b'name="password"' in response.content


def test_missing_object_is_404_like_another_schools(world, client):
    client.force_login(world.users["counselor"])
    assert client.get(reverse("student_detail", kwargs={"pk": 999999})).status_code == 404
    assert client.get(reverse("org_unit_detail", kwargs={"pk": 999999})).status_code == 404


@pytest.mark.parametrize(
    "name", ["student_list", "student_import", "student_import_template", "student_export"]
)
def test_school_parameter_cannot_reach_another_school(name, world, client):
    """Routes without an object in the path take ?school=: another school's pk is a 404."""
    client.force_login(world.users["counselor"])
    route = ROUTES[name]
    query = f"school={world.school_b.pk}" + (f"&{route.query}" if route.query else "")
    response = client.get(f"{reverse(name)}?{query}")
    assert response.status_code == 404
    if name == "student_import":
        response = client.post(reverse(name), {"school": world.school_b.pk})
        assert response.status_code == 404


@pytest.mark.parametrize("person", ["commune_officer", "department_officer"])
def test_tracker_unit_parameter_cannot_reach_another_province(person, world, client):
    """The report tracker takes ?unit=: a unit outside the officer's reach is a 404, as for a
    unit that does not exist; their own unit answers."""
    client.force_login(world.users[person])
    own = world.commune_a if person == "commune_officer" else world.dept_a
    assert client.get(reverse("report_tracker"), {"unit": own.pk}).status_code == 200
    for other in (world.dept_b, world.school_b, 999999):
        unit = getattr(other, "pk", other)
        assert client.get(reverse("report_tracker"), {"unit": unit}).status_code == 404
