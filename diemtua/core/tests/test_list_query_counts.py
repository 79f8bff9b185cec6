"""Every list page costs the same number of queries for a few rows as for many (no N+1).

One table, PAGES: for each list page, who opens it, and a function that adds rows (through the
apps' services, as people do) and returns the page's address. The test adds FEW rows, counts the
queries of the second request (the first warms the session and the caches), adds MORE rows,
counts again, and checks that the count did not grow, that the last row added is on the page
(the rows really are listed), and that the count stays under an absolute bound. PostgreSQL may
count one query more than SQLite for a page that writes an audit row (the chain's advisory
lock), so the bounds leave room for it.

Pages already covered elsewhere are listed in docs/query-counts.md with their tests.
"""

import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from diemtua.accounts import services as account_services
from diemtua.accounts.roles import Role
from diemtua.activities.tests import files
from diemtua.orgs import services as org_services
from diemtua.orgs.models import OrgKind, SchoolLevel

FEW = 2
MORE = 10  # rows added after the first count: every page shows 25 rows or more at once

TODAY = datetime.date.today


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    """Documents and evidence files go to a temporary uploads storage, not var/uploads."""
    settings.STORAGES = {
        **settings.STORAGES,
        "uploads": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "uploads", "base_url": None},
        },
    }


@dataclass(frozen=True)
class Page:
    """A list page: `person` opens what `rows(world, state, start, stop)` returns after it has
    added rows number start..stop-1, each showing `marker(n)` on the page."""

    person: str
    rows: object
    marker: object = None
    bound: int = 20
    # Queries a page may add as it grows, when there is a reason (none so far).
    slack: int = 0


# --- helpers -----------------------------------------------------------------------------------


def _school(world, n, parent=None, level=SchoolLevel.LOWER_SECONDARY):
    parent = parent or world.commune_a
    return org_services.org_unit_create(
        actor=None,
        kind=OrgKind.SCHOOL,
        name=f"Trường QC{n:03d}",
        code=f"01-Q{n:03d}",
        parent=parent,
        commune=parent if parent.kind == OrgKind.COMMUNE else None,
        school_level=level,
    )


def _person(username, role, unit, full_name=""):
    user = account_services.user_create(
        actor=None, username=username, full_name=full_name or username.title(), password=None
    )
    account_services.membership_grant(actor=None, user=user, org_unit=unit, role=role)
    return user


def _qc(n):
    return f"QC{n:03d}"


def _count(client, url) -> tuple[int, str]:
    """The page's queries once the session and caches are warm. Counted twice, keeping the
    smaller: a cache emptied meanwhile (tests sharing a Redis) must not pass for an N+1."""
    client.get(url)
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts.append(len(queries))
    return min(counts), _text(response)


def _text(response) -> str:
    """The page, or every cell of a spreadsheet."""
    if "spreadsheetml" not in response["Content-Type"]:
        return response.content.decode()
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return "\n".join(
        str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
    )


# --- accounts, audit, notifications ------------------------------------------------------------


def _home_schools(world, state, start, stop):
    """Schools under the commune (the commune officer's and the Ministry's home)."""
    for n in range(start, stop):
        school = _school(world, n)
        _person(f"tv.q{n}", Role.COUNSELOR, school)
    return reverse("home")


def _lead_staff(world, state, start, stop):
    """Staff of the lead's school (the lead's home lists them)."""
    for n in range(start, stop):
        _person(f"gv.q{n}", Role.TEACHER, world.school_a, full_name=f"Giáo viên {_qc(n)}")
    return reverse("home")


def _memberships(world, state, start, stop):
    """A user with a role in many schools (the account page lists the memberships)."""
    user = world.users["teacher"]
    for n in range(start, stop):
        account_services.membership_grant(
            actor=None, user=user, org_unit=_school(world, n), role=Role.TEACHER
        )
    return reverse("user_detail", args=[user.pk])


def _audit_events(world, state, start, stop):
    from diemtua.audit import services as audit

    for n in range(start, stop):
        audit.record(
            actor=world.users["counselor"], action="students.student_view",
            obj=world.student_a, org_unit=world.school_a, reason=_qc(n),
        )  # fmt: skip
    return reverse("audit_event_list")


def _notifications(world, state, start, stop):
    from diemtua.notifications.services import notify

    for n in range(start, stop):
        notify(
            users=[world.users["counselor"]], kind="reminder", text=f"Nhắc việc {_qc(n)}",
            link=reverse("case_queue"),
        )  # fmt: skip
    return reverse("notification_list")


# --- activities ----------------------------------------------------------------------------------


def _activity(world, n, unit=None, actor=None, **fields):
    from diemtua.activities import services

    values = {
        "kind": "thematic_talk",
        "title": f"Chuyên đề {_qc(n)}",
        "held_on": TODAY(),
        "male_count": 10 + n,
        "female_count": 12,
    }
    values.update(fields)
    return services.activity_create(
        actor=actor or world.users["counselor"], org_unit=unit or world.school_a, **values
    )


def _activities(world, state, start, stop):
    for n in range(start, stop):
        _activity(world, n)
    return reverse("activity_list")


def _activities_in_month(world, state, start, stop):
    for n in range(start, stop):
        _activity(world, n, held_on=TODAY().replace(day=1 + n % 27))
    return reverse("activity_calendar")


def _activities_of_schools(world, state, start, stop):
    """The Department's list: activities of many schools."""
    for n in range(start, stop):
        school = _school(world, n)
        counselor = _person(f"tv.q{n}", Role.COUNSELOR, school)
        _activity(world, n, unit=school, actor=counselor)
    return reverse("activity_list")


# --- screening and surveys -----------------------------------------------------------------------


def _class(world, start, stop, class_name="8A"):
    from diemtua.screening import services
    from diemtua.students.models import Student

    students = [
        Student.objects.create(
            school=world.school_a, full_name=f"Học Sinh {_qc(n)}", gender="female",
            date_of_birth=datetime.date(2012, 3, 1), grade=8, class_name=class_name,
            ethnicity="Kinh",
        )
        for n in range(start, stop)
    ]  # fmt: skip
    services.consents_record(
        actor=world.users["counselor"],
        school=world.school_a,
        entries=[(s, giver) for s in students for giver in ("student", "guardian")],
        method="written",
        given_on=timezone.localdate(),
    )
    return students


def _open(world, class_name, code="GAD7"):
    from diemtua.screening import services
    from diemtua.screening.models import Instrument

    return services.administration_open(
        actor=world.users["counselor"],
        school=world.school_a,
        version=Instrument.objects.get(code=code).current_version(),
        group_name=class_name,
        closes_on=timezone.localdate() + datetime.timedelta(days=7),
    ).administration


def _administrations(world, state, start, stop):
    """One class screened per row on the counselor's screening home."""
    for n in range(start, stop):
        _class(world, n, n + 1, class_name=f"8{_qc(n)}")
        _open(world, f"8{_qc(n)}")
    return reverse("screening_home")


def _consent_sheet(world, state, start, stop):
    _class(world, start, stop)
    return reverse("screening_consents") + "?class=8A"


def _participants(world, state, start, stop):
    """A class of `stop` students screened: the administration's page lists them."""
    _class(world, start, stop, class_name=f"9{stop}")
    administration = _open(world, f"9{stop}")
    return reverse("administration_detail", args=[administration.pk])


def _slips(world, state, start, stop):
    _class(world, start, stop, class_name=f"9{stop}")
    administration = _open(world, f"9{stop}")
    return reverse("administration_slips", args=[administration.pk])


def _instruments(world, state, start, stop):
    """Instruments in the library (each one a copy of GAD-7 under another code)."""
    from diemtua.screening.instruments import sync_instruments
    from diemtua.screening.models import Instrument

    base = Instrument.objects.get(code="GAD7").current_version().definition
    sync_instruments(
        [{**base, "code": f"Q{_qc(n)}", "title": f"Bảng {_qc(n)}"} for n in range(start, stop)]
    )
    return reverse("instrument_list")


def _send_survey(world, schools, n):
    from diemtua.screening import survey_services
    from diemtua.screening.models import Instrument

    return survey_services.survey_create(
        actor=world.users["department_officer"],
        owner=world.dept_a,
        version=Instrument.objects.get(code="SS_TRUONG").current_version(),
        title=f"Khảo sát {_qc(n)}",
        deadline=timezone.localdate() + datetime.timedelta(days=7),
        schools=schools,
    )


def _surveys(world, state, start, stop):
    for n in range(start, stop):
        _send_survey(world, [world.school_a], n)
    return reverse("survey_list")


def _survey_of_schools(world, state, start, stop, name="survey_detail", answered=False):
    """A survey sent to `stop` schools (a new one each time); each school's lead answers."""
    from diemtua.screening.tests.test_surveys import READY_ANSWERS, _answer

    schools = [_school(world, n) for n in range(start, stop)]
    survey = _send_survey(world, [*state.get("schools", []), *schools], stop)
    state["schools"] = [*state.get("schools", []), *schools]
    if answered:
        for school in state["schools"]:
            lead = state.setdefault("leads", {}).get(school.pk) or _person(
                f"bgh.q{school.pk}", Role.SCHOOL_LEAD, school
            )
            state["leads"][school.pk] = lead
            _answer(world, survey.recipients.get(unit=school), who=lead, answers=READY_ANSWERS)
    return reverse(name, args=[survey.pk])


def _survey_results(world, state, start, stop):
    return _survey_of_schools(world, state, start, stop, name="survey_results", answered=True)


# --- programs, directives, visits, funding, awards -----------------------------------------------


def _directives(world, state, start, stop):
    from diemtua.directives import services

    officer = world.users["department_officer"]
    for n in range(start, stop):
        directive = services.directive_create(
            actor=officer, owner=world.dept_a, number_symbol=f"{n + 1}/SGDĐT-{_qc(n)}",
            issued_on=TODAY() - datetime.timedelta(days=2), subject=f"V/v báo cáo {_qc(n)}",
            document=SimpleUploadedFile("cv.pdf", files.pdf()), recipients=[world.school_a],
        )  # fmt: skip
        services.task_create(
            actor=officer, directive=directive, description="Báo cáo kết quả",
            deadline=TODAY() + datetime.timedelta(days=7),
        )  # fmt: skip
        services.directive_send(actor=officer, directive=directive)
    return reverse("directive_list")


def _visit(world, n, actions=()):
    from diemtua.visits.tests.test_visits import completed_visit

    school = _school(world, n)
    return completed_visit(world, school=school, actions=actions)


def _visits(world, state, start, stop):
    for n in range(start, stop):
        _visit(world, n, actions=[(f"Việc {_qc(n)}", TODAY() + datetime.timedelta(days=n))])
    return reverse("visit_list")


def _visit_actions(world, state, start, stop):
    _visits(world, state, start, stop)
    return reverse("visit_action_list") + "?state=all"


def _visit_detail(world, state, start, stop):
    from diemtua.visits.tests.test_visits import completed_visit

    actions = [(f"Việc {_qc(n)}", TODAY() + datetime.timedelta(days=n)) for n in range(stop)]
    visit = completed_visit(world, actions=actions)
    return reverse("visit_detail", args=[visit.pk])


def _budget_lines(world, state, start, stop):
    from diemtua.funding import services

    for n in range(start, stop):
        school = _school(world, n)
        lead = _person(f"bgh.q{n}", Role.SCHOOL_LEAD, school)
        unit, actor = (school, lead) if n % 2 else (world.dept_a, world.users["department_officer"])
        services.budget_line_create(
            actor=actor, unit=unit,
            fiscal_year=TODAY().year, source="state", purpose="training",
            title=f"Dòng {_qc(n)}", planned=Decimal(100), committed=Decimal(80),
            spent=Decimal(50),
        )  # fmt: skip
    return reverse("budget_table")


CRITERIA = [
    {"code": "TC1", "text": "Tổ tư vấn học đường", "max_points": 10, "evidence": "staff_trained"},
    {"code": "TC2", "text": "Kết quả giám sát", "max_points": 20, "evidence": "visits"},
]


def _criteria_set(world, state):
    from diemtua.awards import services

    if "set" not in state:
        state["set"] = services.criteria_set_create(
            actor=world.users["department_officer"], owner=world.dept_a,
            title="Đánh giá trường", subject_kind="unit", criteria=CRITERIA,
        )  # fmt: skip
    return state["set"]


def _evaluations(world, state, start, stop, url="criteria_set_detail"):
    from diemtua.awards import services

    criteria_set = _criteria_set(world, state)
    officer = world.users["department_officer"]
    criteria = list(criteria_set.criteria.all())
    for n in range(start, stop):
        school = _school(world, n)
        evaluation = services.evaluation_save(
            actor=officer, criteria_set=criteria_set, subject_unit=school, evaluated_on=TODAY(),
            scores={c.pk: (Decimal(5), "") for c in criteria},
        )  # fmt: skip
        services.nomination_create(
            actor=officer, nominating_unit=world.dept_a, subject_kind="unit",
            subject_unit=school, award_title="Giấy khen", reason="x", evaluation=evaluation,
        )  # fmt: skip
    if url == "awards_home":
        return reverse(url)
    return reverse(url, args=[criteria_set.pk])


def _awards_home(world, state, start, stop):
    return _evaluations(world, state, start, stop, url="awards_home")


# --- trainings ----------------------------------------------------------------------------------


def _training(world, n=0, **fields):
    from diemtua.trainings import services

    values = {
        "title": f"Tập huấn {_qc(n)}",
        "starts_on": datetime.date(2026, 6, 1),
        "ends_on": datetime.date(2026, 6, 3),
        "mode": "in_person",
        "hours": Decimal("24"),
    }
    values.update(fields)
    return services.training_create(
        actor=world.users["department_officer"], owner=world.dept_a, **values
    )


def _trainings(world, state, start, stop):
    from diemtua.trainings import services

    for n in range(start, stop):
        training = _training(world, n)
        services.participant_add(
            actor=world.users["department_officer"], training=training, unit=world.school_a,
            user=world.users["counselor"],
        )  # fmt: skip
    return reverse("training_list")


def _participants_of(world, state, start, stop, name):
    from diemtua.trainings import services

    if "training" not in state:
        state["training"] = _training(world)
    training = state["training"]
    for n in range(start, stop):
        school = _school(world, n)
        user = _person(f"tv.q{n}", Role.COUNSELOR, school, full_name=f"Cán bộ {_qc(n)}")
        participant = services.participant_add(
            actor=world.users["department_officer"], training=training, unit=school, user=user
        )
        services.attendance_record(
            actor=world.users["department_officer"], training=training,
            rows={participant.pk: {"attendance": "attended"}},
        )  # fmt: skip
    return reverse(name, args=[training.pk]) if name != "training_hours" else reverse(name)


def _training_detail(world, state, start, stop):
    return _participants_of(world, state, start, stop, "training_detail")


def _attendance(world, state, start, stop):
    return _participants_of(world, state, start, stop, "attendance_edit")


def _hours(world, state, start, stop):
    return _participants_of(world, state, start, stop, "training_hours") + "?year=2025"


def _person_trainings(world, state, start, stop):
    """The counselor's trainings, one per row, attended: the person's hours page."""
    from diemtua.trainings import services

    officer = world.users["department_officer"]
    for n in range(start, stop):
        training = _training(world, n)
        participant = services.participant_add(
            actor=officer, training=training, unit=world.school_a, user=world.users["counselor"]
        )
        services.attendance_record(
            actor=officer, training=training, rows={participant.pk: {"attendance": "attended"}}
        )
        state.setdefault("participant", participant)
    return reverse("training_hours_person", args=[state["participant"].pk])


def _exchanges(world, state, start, stop):
    from diemtua.trainings import library_services

    for n in range(start, stop):
        school = _school(world, n)
        library_services.exchange_create(
            actor=world.users["department_officer"], owner=world.dept_a,
            title=f"Trao đổi {_qc(n)}", held_on=datetime.date(2026, 5, 1), mode="in_person",
            schools=[world.school_a, school],
        )  # fmt: skip
    return reverse("exchange_list")


def _library(world, state, start, stop):
    from diemtua.trainings import library_services

    for n in range(start, stop):
        library_services.document_create(
            actor=world.users["department_officer"], owner=world.dept_a,
            title=f"Hướng dẫn {_qc(n)}", category="guidance", visibility="subtree",
            upload=SimpleUploadedFile("huong-dan.pdf", files.pdf()), note="Bản đầu",
        )  # fmt: skip
    return reverse("library_list")


def _library_versions(world, state, start, stop):
    from diemtua.trainings import library_services

    officer = world.users["department_officer"]
    if "document" not in state:
        state["document"] = library_services.document_create(
            actor=officer, owner=world.dept_a, title="Hướng dẫn", category="guidance",
            visibility="subtree", upload=SimpleUploadedFile("a.pdf", files.pdf()), note="Đầu",
        )  # fmt: skip
    for n in range(start, stop):
        library_services.version_add(
            actor=officer, document=state["document"],
            upload=SimpleUploadedFile("a.pdf", files.pdf()), note=f"Sửa {_qc(n)}",
        )  # fmt: skip
    return reverse("library_detail", args=[state["document"].pk])


# --- students, cases ----------------------------------------------------------------------------


def _guardians(world, state, start, stop):
    from diemtua.students.models import Guardian

    for n in range(start, stop):
        Guardian.objects.create(
            student=world.student_a, full_name=f"Người giám hộ {_qc(n)}", relationship="mother",
            phone=f"09{n:08d}",
        )  # fmt: skip
    return reverse("student_detail", args=[world.student_a.pk])


def _case(world, state):
    from diemtua.cases import services

    if "case" not in state:
        counselor = world.users["counselor"]
        state["case"] = case = services.case_open(
            actor=counselor, school=world.school_a, student=world.student_a
        )
        services.consent_record(
            actor=counselor, case=case, given_by="student", scopes=["counseling"],
            method="verbal", given_on=timezone.localdate(),
        )  # fmt: skip
    return state["case"]


def _case_records(world, state, start, stop):
    """Sessions, assessments, plan actions and consents on one case page."""
    from diemtua.cases import services

    case, counselor = _case(world, state), world.users["counselor"]
    for n in range(start, stop):
        services.session_record(
            actor=counselor, case=case, form="individual", duration_minutes=30,
            held_at=timezone.now() - datetime.timedelta(minutes=n), notes=f"Buổi {_qc(n)}",
        )  # fmt: skip
        services.assessment_record(
            actor=counselor, case=case, assessed_on=timezone.localdate(), risk_level="low"
        )
        services.action_add(
            actor=counselor, case=case, description=f"Việc {_qc(n)}", owner="Cô Hoa",
            due_on=timezone.localdate(),
        )  # fmt: skip
        services.consent_record(
            actor=counselor, case=case, given_by="guardian", scopes=["counseling"],
            method="written", given_on=timezone.localdate(), guardian_name=f"Mẹ {_qc(n)}",
        )  # fmt: skip
    return reverse("case_detail", args=[case.pk])


def _alerts(world, state, start, stop):
    """One case per row with a high-risk assessment: a safeguarding alert on the home page."""
    from diemtua.cases import services
    from diemtua.students.models import Student

    counselor = world.users["counselor"]
    for n in range(start, stop):
        student = Student.objects.create(
            school=world.school_a, full_name=f"Học Sinh {_qc(n)}", gender="male",
            date_of_birth=datetime.date(2012, 3, 1), grade=8, class_name="8A", ethnicity="Kinh",
        )  # fmt: skip
        case = services.case_open(actor=counselor, school=world.school_a, student=student)
        services.assessment_record(
            actor=counselor, case=case, assessed_on=timezone.localdate(), risk_level="high",
            risk_reasons="x",
        )  # fmt: skip
        state["marker"] = f"#{case.pk}"
    return reverse("home")


# --- reporting ----------------------------------------------------------------------------------

SEMESTER = "2025-2026-HK1"


def _semester():
    from diemtua.reporting.models import PeriodKind
    from diemtua.reporting.periods import get_period

    return get_period(PeriodKind.SEMESTER, SEMESTER)


def _school_reports(world, state, start, stop, url="report_list", submit=True):
    """A school report per row, submitted by the school's counselor."""
    from diemtua.reporting import services

    for n in range(start, stop):
        school = _school(world, n)
        counselor = _person(f"tv.q{n}", Role.COUNSELOR, school)
        report = services.report_start(actor=counselor, unit=school, period=_semester())
        report = services.report_update(
            actor=counselor, report=report, narrative="Trường đã tổ chức tư vấn đều đặn.",
            signer_name="Lê Thị Hoa",
        )  # fmt: skip
        if submit:
            services.report_submit(actor=counselor, report=report)
    return reverse(url) + ("?period=" + SEMESTER if url == "report_tracker" else "")


def _tracker(world, state, start, stop):
    return _school_reports(world, state, start, stop, url="report_tracker")


def _indicator_schools(world, state, start, stop):
    """Schools under the commune with figures: rows of the commune's drill-down."""
    from diemtua.reporting.models import IndicatorValue

    period = _semester()
    for n in range(start, stop):
        school = _school(world, n)
        IndicatorValue.objects.create(
            org_unit=school, period=period, indicator="help_requests", value=Decimal(10 + n)
        )
    return reverse("dashboard_unit", args=[world.commune_a.pk]) + "?period=" + SEMESTER


def _department_schools(world, state, start, stop):
    """Upper-secondary schools right under the Department, with figures: its drill-down."""
    from diemtua.reporting.models import IndicatorValue

    period = _semester()
    for n in range(start, stop):
        school = _school(world, n, parent=world.dept_a, level=SchoolLevel.UPPER_SECONDARY)
        IndicatorValue.objects.create(
            org_unit=school, period=period, indicator="help_requests", value=Decimal(10 + n)
        )
    return reverse("dashboard_unit", args=[world.dept_a.pk]) + "?period=" + SEMESTER


def _ended_units(world, state, start, stop):
    for n in range(start, stop):
        unit = org_services.org_unit_create(
            actor=None, kind=OrgKind.DEPARTMENT, name=f"Sở GD&ĐT {_qc(n)}", code=f"9{n:02d}",
            parent=world.ministry, valid_to=datetime.date(2025, 6, 30),
        )  # fmt: skip
        org_services.org_unit_update(actor=None, unit=unit, successor=world.dept_a)
    return reverse("dashboard_history")


def _program(world, state):
    from diemtua.programs import services

    if "program" not in state:
        officer = world.users["department_officer"]
        state["program"] = program = services.program_create(
            actor=officer, owner=world.dept_a, code="ct-qc", title="Chương trình",
            starts_on=TODAY() - datetime.timedelta(days=60),
            ends_on=TODAY() + datetime.timedelta(days=200), status="active",
        )  # fmt: skip
        services.program_configure(
            actor=officer, program=program, localities=[world.dept_a], schools_per_locality=3,
            levels=[SchoolLevel.LOWER_SECONDARY], staff_per_school=1, staff_trained=True,
        )  # fmt: skip
    return state["program"]


def _enrolled_schools(world, state, start, stop, url="dashboard_program"):
    from diemtua.programs import services

    program = _program(world, state)
    for n in range(start, stop):
        school = _school(world, n)
        enrolment = services.enrolment_create(
            actor=None, program=program, school=school, locality=world.dept_a,
            enrolled_on=TODAY(),
        )  # fmt: skip
        services.staff_create(
            actor=None, enrolment=enrolment, full_name=f"Cán bộ {_qc(n)}",
            employment="part_time", qualification="other", since=TODAY(),
        )  # fmt: skip
    return reverse(url, args=[program.pk])


def _program_tasks(world, state, start, stop):
    from diemtua.programs import services

    program = _program(world, state)
    for n in range(start, stop):
        school = _school(world, n)
        services.enrolment_create(
            actor=None, program=program, school=school, locality=world.dept_a,
            enrolled_on=TODAY(),
        )  # fmt: skip
        services.task_create(
            actor=None, program=program, title=f"Nhiệm vụ {_qc(n)}", responsible=school,
            starts_on=TODAY(), due_on=TODAY() + datetime.timedelta(days=n),
        )  # fmt: skip
    return reverse("program_tasks", args=[program.pk])


def _program_detail(world, state, start, stop):
    return _enrolled_schools(world, state, start, stop, url="program_detail")


# --- spreadsheets of lists (GET; the rows are the same as the pages') ---------------------------


def _survey_export(world, state, start, stop):
    return _survey_of_schools(world, state, start, stop, name="survey_export", answered=True)


def _budget_export(world, state, start, stop):
    _budget_lines(world, state, start, stop)
    return reverse("budget_export")


def _class_roster(world, state, start, stop):
    from diemtua.students.models import Guardian, Student

    for n in range(start, stop):
        student = Student.objects.create(
            school=world.school_a, full_name=f"Học Sinh {_qc(n)}", gender="female",
            date_of_birth=datetime.date(2014, 5, 17), grade=6, class_name="6A", ethnicity="Kinh",
        )  # fmt: skip
        Guardian.objects.create(
            student=student, full_name=f"Mẹ {_qc(n)}", relationship="mother", phone="0912345678"
        )
    return reverse("student_export") + "?class=6A"


def _directive_to_schools(world, state, start, stop):
    """A directive sent to `stop` schools (a new one each time): its tracker and workbook."""
    from diemtua.directives import services

    officer = world.users["department_officer"]
    state["schools"] = [*state.get("schools", []), *(_school(world, n) for n in range(start, stop))]
    directive = services.directive_create(
        actor=officer, owner=world.dept_a, number_symbol=f"{stop}/SGDĐT-CTHSSV",
        issued_on=TODAY() - datetime.timedelta(days=2), subject="V/v báo cáo",
        document=SimpleUploadedFile("cv.pdf", files.pdf()), recipients=state["schools"],
    )  # fmt: skip
    services.task_create(
        actor=officer, directive=directive, description="Báo cáo kết quả",
        deadline=TODAY() + datetime.timedelta(days=7),
    )  # fmt: skip
    services.directive_send(actor=officer, directive=directive)
    return reverse("directive_export", args=[directive.pk])


def _staffing_export(world, state, start, stop):
    _enrolled_schools(world, state, start, stop)
    return reverse("program_staffing_export") + f"?province={world.dept_a.pk}"


# --- the table ----------------------------------------------------------------------------------

PAGES = {
    # accounts, audit, notifications
    "home (commune officer)": Page("commune_officer", _home_schools, marker=_qc),
    "home (school lead: staff)": Page("school_lead", _lead_staff, marker=lambda n: _qc(n)),
    "user_detail": Page("system_admin", _memberships, marker=_qc),
    "audit_event_list": Page("system_admin", _audit_events, marker=_qc),
    "notification_list": Page("counselor", _notifications, marker=_qc),
    # activities
    "activity_list": Page("counselor", _activities, marker=_qc),
    "activity_list (department)": Page("department_officer", _activities_of_schools, marker=_qc),
    "activity_calendar": Page("counselor", _activities_in_month, marker=_qc),
    # screening, surveys
    "screening_home": Page("counselor", _administrations, marker=_qc),
    "screening_consents": Page("counselor", _consent_sheet, marker=_qc, bound=25),
    "administration_detail": Page("counselor", _participants, marker=_qc, bound=25),
    "administration_slips": Page("counselor", _slips, marker=_qc),
    "instrument_list": Page("counselor", _instruments, marker=_qc),
    "survey_list": Page("department_officer", _surveys, marker=_qc),
    "survey_list (school)": Page("counselor", _surveys, marker=_qc),
    "survey_detail": Page("department_officer", _survey_of_schools, marker=_qc),
    "survey_results": Page("department_officer", _survey_results, marker=_qc),
    # directives, visits, funding, awards
    "directive_list": Page("department_officer", _directives, marker=_qc),
    "directive_list (school)": Page("counselor", _directives, marker=_qc),
    "visit_list": Page("department_officer", _visits, marker=_qc),
    "visit_action_list": Page("department_officer", _visit_actions, marker=_qc),
    "visit_action_list (ministry)": Page("ministry_officer", _visit_actions, marker=_qc),
    "visit_detail": Page("department_officer", _visit_detail, marker=_qc),
    "budget_table": Page("department_officer", _budget_lines, marker=_qc),
    "awards_home": Page("department_officer", _awards_home, marker=_qc),
    "criteria_set_detail": Page("department_officer", _evaluations, marker=_qc),
    # trainings, exchanges, library
    "training_list": Page("department_officer", _trainings, marker=_qc),
    "training_list (counselor)": Page("counselor", _trainings, marker=_qc),
    "training_detail": Page("department_officer", _training_detail, marker=_qc),
    "attendance_edit": Page("department_officer", _attendance, marker=_qc),
    "training_hours": Page("department_officer", _hours, marker=_qc),
    "training_hours_person": Page("department_officer", _person_trainings, marker=_qc),
    "exchange_list": Page("department_officer", _exchanges, marker=_qc),
    "library_list": Page("department_officer", _library, marker=_qc),
    "library_detail": Page("department_officer", _library_versions, marker=_qc),
    # programs (program_list, _timeline and _staffing: diemtua/programs/tests)
    "program_detail": Page("department_officer", _program_detail, marker=_qc),
    "program_tasks": Page("department_officer", _program_tasks, marker=_qc),
    # students, cases
    "student_detail": Page("counselor", _guardians, marker=_qc),
    "case_detail": Page("counselor", _case_records, marker=_qc, bound=40),
    "home (counselor: alerts)": Page("counselor", _alerts),
    "home (school lead: alerts)": Page("school_lead", _alerts),
    # reporting
    "report_list (commune officer)": Page("commune_officer", _school_reports, marker=_qc),
    "report_list (department officer)": Page("department_officer", _school_reports, marker=_qc),
    "report_tracker (department)": Page("department_officer", _tracker, marker=_qc),
    "report_tracker (ministry)": Page("ministry_officer", _tracker),
    "dashboard_unit (commune)": Page("commune_officer", _indicator_schools, marker=_qc, bound=40),
    "dashboard_unit (department)": Page(
        "department_officer", _department_schools, marker=_qc, bound=40
    ),
    "dashboard_history": Page("ministry_officer", _ended_units, marker=_qc),
    "dashboard_program": Page("department_officer", _enrolled_schools, marker=_qc),
    # spreadsheets
    "student_export": Page("counselor", _class_roster, marker=_qc),
    "survey_export": Page("department_officer", _survey_export, marker=_qc),
    "directive_export": Page("department_officer", _directive_to_schools, marker=_qc),
    "budget_export": Page("department_officer", _budget_export, marker=_qc),
    "program_staffing_export": Page("department_officer", _staffing_export, marker=_qc),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_list_page_costs_the_same_for_few_and_many_rows(world, client, name):
    page = PAGES[name]
    state = {}
    client.force_login(world.users[page.person])
    url = page.rows(world, state, 0, FEW)
    few, _body = _count(client, url)
    url = page.rows(world, state, FEW, FEW + MORE)
    many, body = _count(client, url)
    marker = state.get("marker") or (page.marker and page.marker(FEW + MORE - 1))
    if marker:
        assert marker in body, "the rows added are not on the page"
    assert many <= few + page.slack, f"{name}: {few} queries for {FEW} rows, {many} for more"
    assert few <= page.bound, f"{name}: {few} queries"
