import datetime
import io
import re

import openpyxl
import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from diemtua.accounts import services as account_services
from diemtua.accounts.roles import Role
from diemtua.activities.tests import files
from diemtua.audit.models import AuditEvent
from diemtua.directives import services
from diemtua.directives.models import Assignment, Directive, Submission
from diemtua.directives.selectors import tracker
from diemtua.notifications.models import Notification
from diemtua.orgs import services as org_services
from diemtua.orgs.models import OrgKind, SchoolLevel

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def uploads_root(settings, tmp_path):
    root = tmp_path / "uploads"
    settings.STORAGES = {
        **settings.STORAGES,
        "uploads": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root, "base_url": None},
        },
    }
    return root


def _school(world, code="01-C", name="Trường Tiểu học Kim Liên"):
    return org_services.org_unit_create(
        actor=None, kind=OrgKind.SCHOOL, name=name, code=code, parent=world.commune_a,
        commune=world.commune_a, school_level=SchoolLevel.PRIMARY,
    )  # fmt: skip


def _directive(world, *, recipients=None, deadline=None, send=True, owner=None, actor=None):
    actor = actor or world.users["department_officer"]
    directive = services.directive_create(
        actor=actor,
        owner=owner or world.dept_a,
        number_symbol="125/SGDĐT-CTHSSV",
        issued_on=TODAY - datetime.timedelta(days=2),
        subject="V/v báo cáo công tác tư vấn học đường",
        document=files.upload("cv.pdf", files.pdf()),
        recipients=recipients or [world.school_a],
    )
    services.task_create(
        actor=actor,
        directive=directive,
        description="Báo cáo kết quả",
        deadline=deadline or TODAY + datetime.timedelta(days=7),
    )
    if send:
        services.directive_send(actor=actor, directive=directive)
    return directive


def _token(client, url) -> str:
    page = client.get(url).content.decode()
    return re.search(r'name="once" value="([0-9a-f]{32})"', page).group(1)


# --- Issuing ----------------------------------------------------------------------------------


def test_officer_issues_a_directive_through_the_pages(
    world, client, django_capture_on_commit_callbacks
):  # noqa: E501
    school_c = _school(world)
    client.force_login(world.users["department_officer"])
    url = reverse("directive_create")
    response = client.post(
        url,
        {
            "unit": world.dept_a.pk,
            "number_symbol": "125/SGDĐT-CTHSSV",
            "issued_on": TODAY.strftime("%d/%m/%Y"),
            "subject": "V/v báo cáo",
            "document": files.upload("cv.pdf", files.pdf()),
            "recipients": [world.school_a.pk, school_c.pk],
            "once": _token(client, url),
        },
    )
    directive = Directive.objects.get()
    assert response.status_code == 302 and directive.is_draft
    task_url = reverse("directive_task_create", kwargs={"pk": directive.pk})
    response = client.post(
        task_url,
        {
            "description": "Nộp kế hoạch",
            "deadline": (TODAY + datetime.timedelta(days=5)).isoformat(),
            "once": _token(client, task_url),
        },
    )
    assert response.status_code == 302
    assert Assignment.objects.count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("directive_send", kwargs={"pk": directive.pk}),
            {"once": _token(client, reverse("directive_detail", kwargs={"pk": directive.pk}))},
        )
    directive.refresh_from_db()
    assert directive.status == "sent"
    told = Notification.objects.filter(user=world.users["counselor"])
    assert told.count() == 1 and "125/SGDĐT-CTHSSV" in told.get().text
    assert AuditEvent.objects.filter(action="directives.directive_send").count() == 1


def test_bad_input_comes_back_with_messages_not_500(world, client):
    client.force_login(world.users["department_officer"])
    url = reverse("directive_create")
    response = client.post(
        url,
        {
            "number_symbol": "1/X",
            "issued_on": "31/02/2024",
            "subject": "x",
            "recipients": ["99999999999999999999999"],
            "document": files.upload("cv.pdf", files.png()),
            "once": _token(client, url),
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "dd/mm/yyyy" in page and "1/X" in page
    response = client.post(
        url,
        {
            "number_symbol": "1/X",
            "issued_on": (TODAY + datetime.timedelta(days=3)).isoformat(),
            "subject": "x",
            "recipients": [world.school_b.pk],
        },
    )
    assert response.status_code == 400
    assert Directive.objects.count() == 0
    assert client.get(f"{url}?unit=99999999999999999999999").status_code == 404
    assert client.get(f"{url}?unit={world.dept_b.pk}").status_code == 404
    assert client.get(reverse("directive_detail", kwargs={"pk": 2**63})).status_code == 404


def test_recipient_outside_the_owner_and_program_rules(world):
    officer = world.users["department_officer"]
    with pytest.raises(ValidationError) as error:
        services.directive_create(
            actor=officer, owner=world.dept_a, number_symbol="1/X", issued_on=TODAY, subject="x",
            recipients=[world.school_b],
        )  # fmt: skip
    assert "recipients" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        services.directive_create(
            actor=officer, owner=world.dept_b, number_symbol="1/X", issued_on=TODAY, subject="x"
        )


def test_sending_needs_the_letter_and_recipients(world):
    officer = world.users["department_officer"]
    directive = services.directive_create(
        actor=officer, owner=world.dept_a, number_symbol="1/X", issued_on=TODAY, subject="x"
    )
    with pytest.raises(ValidationError) as error:
        services.directive_send(actor=officer, directive=directive)
    assert len(error.value.messages) == 2


def test_task_deadline_rules(world):
    directive = _directive(world)
    officer = world.users["department_officer"]
    with pytest.raises(ValidationError) as error:
        services.task_create(
            actor=officer, directive=directive, description="x",
            deadline=TODAY - datetime.timedelta(days=1),
        )  # fmt: skip
    assert "deadline" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.task_create(
            actor=officer, directive=directive, description="x",
            deadline=TODAY + datetime.timedelta(days=4000),
        )  # fmt: skip
    with pytest.raises(ValidationError):
        services.task_delete(actor=officer, task=directive.tasks.get())


# --- Submitting and the tracker ---------------------------------------------------------------


def test_submissions_on_time_late_pending_missing(world):
    school_c = _school(world)
    school_d = _school(world, "01-D", "Trường THCS Tô Hoàng")
    directive = _directive(
        world, recipients=[world.school_a, school_c, school_d, world.commune_a],
        deadline=TODAY + datetime.timedelta(days=3),
    )  # fmt: skip
    task = directive.tasks.get()
    a = Assignment.objects.get(unit=world.school_a)
    services.submission_create(actor=world.users["counselor"], assignment=a, note="Đã xong")
    lead_c = account_services.user_create(actor=None, username="bgh.c", full_name="C", password="x")
    account_services.membership_grant(
        actor=None, user=lead_c, org_unit=school_c, role=Role.SCHOOL_LEAD
    )
    with time_machine.travel(TODAY + datetime.timedelta(days=5)):
        services.submission_create(
            actor=lead_c,
            assignment=Assignment.objects.get(unit=school_c),
            file=files.upload("bao-cao.xlsx", files.ooxml("xlsx")),
        )
        data = tracker(fetched_by=world.users["department_officer"], directive=directive)
        statuses = {row.unit_id: row.status for row in data.rows}
        assert statuses == {
            world.school_a.pk: "on_time",
            school_c.pk: "late",
            school_d.pk: "missing",
            world.commune_a.pk: "missing",
        }
        assert data.counts["on_time"] == 1 and data.counts["late"] == 1
        assert data.counts["missing"] == 2 and task.assignments.count() == 4
    data = tracker(fetched_by=world.users["department_officer"], directive=directive)
    assert data.counts["pending"] == 2


def test_a_correction_replaces_the_report_keeps_history_until_accepted(world, client):
    directive = _directive(world)
    a = Assignment.objects.get()
    first = services.submission_create(actor=world.users["counselor"], assignment=a, note="v1")
    second = services.submission_create(actor=world.users["school_lead"], assignment=a, note="v2")
    a.refresh_from_db()
    assert a.current == second and a.submitted_at == first.submitted_at
    assert Submission.objects.count() == 2
    services.assignment_accept(actor=world.users["department_officer"], assignment=a)
    with pytest.raises(ValidationError):
        services.submission_create(actor=world.users["counselor"], assignment=a, note="v3")
    client.force_login(world.users["counselor"])
    page = client.get(reverse("directive_assignment", kwargs={"pk": a.pk})).content.decode()
    assert "v1" in page and "v2" in page and "Đã tiếp nhận" in page
    assert directive.pk


def test_teacher_and_commune_officer_cannot_submit(world):
    _directive(world)
    a = Assignment.objects.get()
    for person in ("teacher", "commune_officer", "department_officer"):
        with pytest.raises(PermissionDenied):
            services.submission_create(actor=world.users[person], assignment=a, note="x")


def test_submitting_through_the_page_tells_the_issuer(
    world, client, django_capture_on_commit_callbacks
):  # noqa: E501
    _directive(world)
    a = Assignment.objects.get()
    client.force_login(world.users["counselor"])
    url = reverse("directive_assignment", kwargs={"pk": a.pk})
    response = client.post(url, {"note": "", "once": _token(client, url)})
    assert response.status_code == 400
    assert "Hãy ghi kết quả thực hiện" in response.content.decode()
    response = client.post(
        url,
        {
            "note": "",
            "file": files.upload("bc.docx", files.ooxml("docm")),
            "once": _token(client, url),
        },  # noqa: E501
    )
    assert response.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "note": "=SUM(A1)",
                "file": files.upload("bc.pdf", files.pdf()),
                "once": _token(client, url),
            },
        )
    assert response.status_code == 302
    told = Notification.objects.filter(user=world.users["department_officer"])
    assert told.count() == 1 and "Trường THCS Lĩnh Nam" in told.get().text
    stored = Submission.objects.get().file
    download = reverse("directive_submission_file", kwargs={"pk": stored.pk})
    assert client.get(download).status_code == 200
    client.force_login(world.users["commune_officer"])
    assert client.get(download).status_code == 403
    client.force_login(world.users["department_officer_b"])
    assert client.get(download).status_code == 404
    assert AuditEvent.objects.filter(action="directives.submission_download").count() == 1


# --- Scope ------------------------------------------------------------------------------------


def test_another_province_gets_404_and_a_school_sees_only_its_own(world, client):
    directive = _directive(world)
    a = Assignment.objects.get()
    other = _directive(
        world, owner=world.dept_b, recipients=[world.school_b],
        actor=world.users["department_officer_b"],
    )  # fmt: skip
    client.force_login(world.users["department_officer_b"])
    for name, pk in (
        ("directive_detail", directive.pk),
        ("directive_export", directive.pk),
        ("directive_edit", directive.pk),
        ("directive_document", directive.pk),
        ("directive_assignment", a.pk),
    ):
        assert client.get(reverse(name, kwargs={"pk": pk})).status_code == 404, name
    assert AuditEvent.objects.filter(action="directives.access_refused").exists()
    client.force_login(world.users["counselor"])
    response = client.get(reverse("directive_list"))
    assert [t.pk for t in response.context["tasks"]] == [a.pk]
    assert response.context["managed"] is None
    other_a = Assignment.objects.get(task__directive=other)
    assert client.get(reverse("directive_assignment", kwargs={"pk": other_a.pk})).status_code == 404
    assert client.get(reverse("directive_detail", kwargs={"pk": directive.pk})).status_code == 403
    client.force_login(world.users["counselor_b"])
    assert client.get(reverse("directive_assignment", kwargs={"pk": a.pk})).status_code == 404
    client.force_login(world.users["ministry_officer"])
    assert client.get(reverse("directive_detail", kwargs={"pk": other.pk})).status_code == 200


def test_a_draft_does_not_exist_for_its_recipients(world, client):
    _directive(world, send=False)
    a = Assignment.objects.get()
    client.force_login(world.users["counselor"])
    assert client.get(reverse("directive_assignment", kwargs={"pk": a.pk})).status_code == 404
    assert client.get(reverse("directive_list")).context["tasks"] == []


def test_a_merged_units_tasks_are_answered_by_its_successor(world):
    old = org_services.org_unit_create(
        actor=None, kind=OrgKind.DEPARTMENT, name="Sở GD&ĐT Hà Giang", code="02",
        parent=world.ministry,
    )  # fmt: skip
    old.valid_to = datetime.date(2025, 6, 30)
    old.successor = world.dept_a
    old.save()
    bo = world.users["ministry_officer"]
    directive = services.directive_create(
        actor=bo, owner=world.ministry, number_symbol="1/KH", issued_on=datetime.date(2024, 1, 31),
        subject="Kế hoạch", recipients=[old],
    )  # fmt: skip
    services.task_create(
        actor=bo, directive=directive, description="x", deadline=datetime.date(2024, 2, 29)
    )
    services.directive_update(
        actor=bo, directive=directive, document=files.upload("kh.pdf", files.pdf())
    )
    services.directive_send(actor=bo, directive=directive)
    a = Assignment.objects.get()
    services.submission_create(actor=world.users["department_officer"], assignment=a, note="ok")
    a.refresh_from_db()
    assert a.current is not None


# --- Reminders, export, lists -----------------------------------------------------------------


def test_reminders_before_on_and_after_the_deadline_once_each(world):
    deadline = TODAY + datetime.timedelta(days=3)
    _directive(world, deadline=deadline)
    counselor = world.users["counselor"]
    assert services.send_due_reminders(today=TODAY) == 2  # counselor and school lead
    assert services.send_due_reminders(today=TODAY) == 0  # idempotent
    assert services.send_due_reminders(today=TODAY + datetime.timedelta(days=1)) == 0
    assert services.send_due_reminders(today=deadline) == 2
    assert services.send_due_reminders(today=deadline + datetime.timedelta(days=1)) == 2
    assert services.send_due_reminders(today=deadline + datetime.timedelta(days=7)) == 2
    assert Notification.objects.filter(user=counselor).count() == 4  # one per stage
    officer_notes = Notification.objects.filter(user=world.users["department_officer"])
    assert officer_notes.count() == 1 and "1 đơn vị chưa nộp" in officer_notes.get().text


def test_celery_task_runs(world):
    from diemtua.directives.tasks import send_reminders

    _directive(world, deadline=TODAY)
    assert send_reminders.delay().get() == 2


def test_remind_now_once_a_day(world, client):
    directive = _directive(world)
    a = Assignment.objects.get()
    client.force_login(world.users["department_officer"])
    url = reverse("directive_assignment_remind", kwargs={"pk": a.pk})
    token = _token(client, reverse("directive_detail", kwargs={"pk": directive.pk}))
    assert client.post(url, {"once": token}).status_code == 302
    with pytest.raises(ValidationError):
        services.assignment_remind(actor=world.users["department_officer"], assignment=a)
    assert Notification.objects.filter(user=world.users["counselor"]).count() == 1
    with pytest.raises(PermissionDenied):
        services.assignment_remind(actor=world.users["counselor"], assignment=a)


def test_export_lists_every_assignment_formula_safe(world, client):
    directive = _directive(world, recipients=[world.school_a, world.commune_a])
    a = Assignment.objects.get(unit=world.school_a)
    services.submission_create(actor=world.users["counselor"], assignment=a, note="=1+1")
    client.force_login(world.users["department_officer"])
    response = client.get(reverse("directive_export", kwargs={"pk": directive.pk}))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=6))
    assert len(rows) == 2
    by_unit = {r[1].value: r for r in rows}
    school = by_unit["Trường THCS Lĩnh Nam"]
    assert school[5].value == "Đã nộp đúng hạn"
    assert school[6].value == TODAY.strftime("%d/%m/%Y")
    assert school[8].value == "=1+1" and school[8].data_type == "s"  # text, not a formula
    assert by_unit["Phường Đống Đa"][5].value == "Chưa đến hạn"
    assert AuditEvent.objects.filter(action="directives.directive_export").count() == 1


def test_tracker_and_list_are_query_bounded(world, client, django_assert_max_num_queries):
    schools = [_school(world, f"01-S{n}", f"Trường {n}") for n in range(3)]
    directive = _directive(world, recipients=[world.school_a, *schools])
    client.force_login(world.users["department_officer"])
    url = reverse("directive_detail", kwargs={"pk": directive.pk})
    client.get(url)
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    bound = len(few.captured_queries)  # read now: the next request resets the query log
    more = [_school(world, f"01-T{n}", f"Trường T{n}") for n in range(20)]
    big = _directive(world, recipients=[world.school_a, *schools, *more])
    url = reverse("directive_detail", kwargs={"pk": big.pk})
    client.get(url)
    with django_assert_max_num_queries(bound):
        response = client.get(url, {"status": "pending", "q": "truong t"})
    assert len(response.context["page"].object_list) == 21  # 20 new ones and "Trường THCS …"
    client.get(reverse("directive_list"))
    with django_assert_max_num_queries(20):
        client.get(reverse("directive_list"), {"q": "bao cao"})


def test_filters_ignore_garbage(world, client):
    directive = _directive(world)
    client.force_login(world.users["department_officer"])
    url = reverse("directive_detail", kwargs={"pk": directive.pk})
    response = client.get(url, {"status": "x", "task": "99999999999999999999999", "page": "zz"})
    assert response.status_code == 200
    assert client.get(reverse("directive_list"), {"status": "zz", "page": "-1"}).status_code == 200


def test_edit_after_sending_keeps_recipients(world, client):
    directive = _directive(world)
    client.force_login(world.users["department_officer"])
    url = reverse("directive_edit", kwargs={"pk": directive.pk})
    response = client.post(
        url,
        {
            "number_symbol": "126/SGDĐT-CTHSSV",
            "issued_on": directive.issued_on.isoformat(),
            "subject": "V/v mới",
            "once": _token(client, url),
        },
    )
    assert response.status_code == 302
    directive.refresh_from_db()
    assert directive.number_symbol == "126/SGDĐT-CTHSSV"
    assert list(directive.recipients.values_list("unit_id", flat=True)) == [world.school_a.pk]


def test_demo_is_idempotent(world, settings):
    from diemtua.directives.demo import seed_directives

    # The fixture world has the Ministry (bo.vu) and two of the pilot's Departments; the parts
    # whose units or people are missing skip cleanly.
    assert seed_directives() == 1
    assert seed_directives() == 0
    directive = Directive.objects.get()
    assert directive.issued_on == datetime.date(2024, 1, 31) and directive.status == "sent"
    assert directive.tasks.count() == 2 and Assignment.objects.count() == 4
