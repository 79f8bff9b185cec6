"""Survey campaigns: an officer sends a survey to schools or staff, each answers once, the owner
tracks completion, reminds, closes, reads the results and exports them; outsiders 404,
insiders without the role 403."""

import datetime
import io
import re

import openpyxl
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from diemtua.accounts import services as account_services
from diemtua.accounts.roles import Role
from diemtua.audit.models import AuditEvent
from diemtua.notifications.models import Notification
from diemtua.orgs import services as org_services
from diemtua.orgs.models import OrgKind, SchoolLevel
from diemtua.screening import survey_services as services
from diemtua.screening.models import Instrument, Response, Survey, SurveyRecipient
from diemtua.screening.tasks import remind_surveys

DIFFICULTY = "Thiếu-phòng-tư-vấn-5521"
READY_ANSWERS = {
    "team": "1",
    "room": "1",
    "staff": "1",
    "staffing": "2",
    "staff_count": "3",
    "plan": "0",
    "records": "1",
    "budget": "0",
    "channels": ["1", "3"],
    "difficulties": DIFFICULTY,
}
NEEDS_ANSWERS = {"role": "1", "years": "4", "trained": "0", "topics": ["2", "3"], "format": "3"}


def _version(code):
    return Instrument.objects.get(code=code).current_version()


def _token(client, url):
    page = client.get(url).content.decode()
    return re.search(r'name="once" value="([0-9a-f]{32})"', page).group(1)


def _today():
    return timezone.localdate()


def _school(world, name, code, level=SchoolLevel.LOWER_SECONDARY, parent=None):
    parent = parent or world.commune_a
    return org_services.org_unit_create(
        actor=None,
        kind=OrgKind.SCHOOL,
        name=name,
        code=code,
        parent=parent,
        commune=world.commune_a,
        school_level=level,
    )


def _person(username, role, unit):
    user = account_services.user_create(
        actor=None, username=username, full_name=username.title(), password="test-password-123"
    )
    account_services.membership_grant(actor=None, user=user, org_unit=unit, role=role)
    return user


def _send(world, code="SS_TRUONG", schools=None, days=7, actor="department_officer", **kw):
    owner = {"department_officer": world.dept_a, "ministry_officer": world.ministry}.get(
        actor, world.commune_a
    )
    return services.survey_create(
        actor=world.users[actor],
        owner=owner,
        version=_version(code),
        title=kw.pop("title", "Khảo sát điều kiện triển khai"),
        deadline=_today() + datetime.timedelta(days=days),
        schools=schools or [world.school_a],
        **kw,
    )


def _answer(world, recipient, who="counselor", answers=None):
    from diemtua.screening.forms import AnswerForm

    survey = recipient.survey
    form = AnswerForm(answers or READY_ANSWERS, definition=survey.version.definition)
    assert form.is_valid(), form.errors
    return services.survey_respond(
        actor=world.users[who] if isinstance(who, str) else who,
        recipient=recipient,
        answers=form.answers,
    )


@pytest.fixture
def survey(world):
    return _send(world)


# --- Sending ------------------------------------------------------------------------------------


def test_officer_sends_a_school_survey_and_the_school_is_told(
    world, client, django_capture_on_commit_callbacks
):
    officer = world.users["department_officer"]
    client.force_login(officer)
    url = reverse("survey_create")
    page = client.get(url).content.decode()
    # Survey instruments for schools and staff only: no student questionnaire is offered here.
    assert "SS_TRUONG" in page and "NC_TAPHUAN" in page
    assert "HL_TUVAN" not in page and "PHQ9" not in page
    deadline = _today() + datetime.timedelta(days=10)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "version": _version("SS_TRUONG").pk,
                "title": "Khảo sát sẵn sàng HK I",
                "deadline": deadline.strftime("%d/%m/%Y"),
                "target": "all",
                "once": _token(client, url),
            },
        )
    assert response.status_code == 302
    survey = Survey.objects.get()
    assert response["Location"] == reverse("survey_detail", args=[survey.pk])
    assert survey.owner == world.dept_a and survey.deadline == deadline
    assert list(survey.recipients.values_list("unit_id", "user_id")) == [(world.school_a.pk, None)]
    told = set(
        Notification.objects.filter(dedupe_key__startswith="survey_new:").values_list(
            "user__username", flat=True
        )
    )
    # The school's leadership and counselors answer for the school; teachers are not asked.
    assert told == {"tv.a", "bgh.a"}
    note = Notification.objects.filter(user=world.users["counselor"]).get()
    assert note.link == reverse("survey_answer", args=[survey.recipients.get().pk])
    assert deadline.strftime("%d/%m/%Y") in note.text
    assert AuditEvent.objects.filter(action="screening.survey_create", object_id=str(survey.pk))


def test_create_form_keeps_what_was_typed(world, client):
    client.force_login(world.users["department_officer"])
    response = client.post(
        reverse("survey_create"),
        {
            "version": _version("SS_TRUONG").pk,
            "title": "Tên-đợt-đã-gõ-7731",
            "instructions": "Hướng-dẫn-đã-gõ-1187",
            "deadline": (_today() - datetime.timedelta(days=1)).strftime("%d/%m/%Y"),
            "target": "level",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Tên-đợt-đã-gõ-7731" in page and "Hướng-dẫn-đã-gõ-1187" in page
    assert "Hạn trả lời không được trước hôm nay." in page
    assert "Hãy chọn cấp học." in page
    assert not Survey.objects.exists()


def test_odd_input_never_breaks_the_pages(world, client, survey):
    client.force_login(world.users["department_officer"])
    url = reverse("survey_create")
    for data in (
        {"version": "99999999999999999999999", "deadline": "32/13/2025", "target": "x"},
        {"version": "abc", "schools": ["9" * 30], "target": "chosen", "staff_roles": ["admin"]},
    ):
        assert client.post(url, data).status_code == 400
    assert client.get(url + "?unit=abc").status_code == 404
    assert client.get(url + "?unit=" + "9" * 30).status_code == 404
    assert client.get(url + f"?unit={world.dept_b.pk}").status_code == 404
    assert client.get(url + f"?unit={world.commune_a.pk}").status_code == 403
    detail = reverse("survey_detail", args=[survey.pk])
    assert client.get(detail + "?status=<x>&page=zz").status_code == 200
    client.force_login(world.users["counselor"])
    answer = reverse("survey_answer", args=[survey.recipients.get().pk])
    bad = {**READY_ANSWERS, "channels": ["9", "x"], "staff_count": "1e9", "team": "7"}
    assert client.post(answer, bad).status_code == 400
    assert not Response.objects.exists()


def test_level_with_no_school_is_refused_with_a_message(world, client):
    client.force_login(world.users["department_officer"])
    response = client.post(
        reverse("survey_create"),
        {
            "version": _version("SS_TRUONG").pk,
            "title": "Khảo sát THPT",
            "deadline": (_today() + datetime.timedelta(days=3)).isoformat(),
            "target": "level",
            "level": SchoolLevel.UPPER_SECONDARY,
        },
    )
    assert response.status_code == 400
    assert "Không có trường nào phù hợp để gửi phiếu." in response.content.decode()
    assert not Survey.objects.exists()


def test_targets_only_the_chosen_level_or_schools(world):
    primary = _school(world, "Trường Tiểu học Trung Tự", "01-TT", level=SchoolLevel.PRIMARY)
    survey = services.survey_create(
        actor=world.users["department_officer"],
        owner=world.dept_a,
        version=_version("SS_TRUONG"),
        title="Chỉ tiểu học",
        deadline=_today(),
        schools=[primary],
    )
    assert list(survey.recipients.values_list("unit_id", flat=True)) == [primary.pk]


def test_schools_outside_the_owner_and_student_instruments_are_refused(world):
    with pytest.raises(ValidationError) as error:
        _send(world, schools=[world.school_a, world.school_b])
    assert "target" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.survey_create(
            actor=world.users["department_officer"],
            owner=world.dept_a,
            version=_version("HL_TUVAN"),
            title="x",
            deadline=_today(),
            schools=[world.school_a],
        )
    assert "version" in error.value.message_dict
    assert not Survey.objects.exists()


def test_staff_survey_reaches_counselors_and_the_roles_chosen(world):
    survey = _send(world, code="NC_TAPHUAN", staff_roles=[Role.TEACHER])
    people = set(survey.recipients.values_list("user__username", flat=True))
    assert people == {"tv.a", "gv.a"}
    assert set(survey.recipients.values_list("unit_id", flat=True)) == {world.school_a.pk}


def test_commune_officer_sends_for_their_commune(world, client):
    survey = _send(world, actor="commune_officer")
    assert survey.owner == world.commune_a
    client.force_login(world.users["commune_officer"])
    assert client.get(reverse("survey_detail", args=[survey.pk])).status_code == 200
    # The department above sees it too; the other province does not know it exists.
    client.force_login(world.users["department_officer"])
    assert client.get(reverse("survey_results", args=[survey.pk])).status_code == 200
    client.force_login(world.users["department_officer_b"])
    assert client.get(reverse("survey_results", args=[survey.pk])).status_code == 404


def test_only_officers_may_send(world, client):
    for person in ("counselor", "school_lead", "teacher", "system_admin", "partner_staff"):
        client.force_login(world.users[person])
        assert client.get(reverse("survey_create")).status_code == 403, person


# --- Answering ----------------------------------------------------------------------------------


def test_counselor_answers_for_the_school_once(world, client, survey):
    recipient = survey.recipients.get()
    counselor = world.users["counselor"]
    client.force_login(counselor)
    listing = client.get(reverse("survey_list")).content.decode()
    url = reverse("survey_answer", args=[recipient.pk])
    assert url in listing and "Chưa trả lời" in listing
    response = client.post(url, {**READY_ANSWERS, "once": _token(client, url)})
    assert response.status_code == 302
    answer = Response.objects.get()
    assert (answer.total, answer.band) == (4, "partly_ready")
    assert answer.answers["difficulties"] == DIFFICULTY
    # Stored encrypted: the text does not appear in the table.
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers_json FROM screening_response WHERE id = %s", [answer.pk])
        assert DIFFICULTY not in cursor.fetchone()[0]
    recipient.refresh_from_db()
    assert recipient.responded_by == counselor and recipient.responded_at
    assert AuditEvent.objects.filter(action="screening.survey_respond").count() == 1

    # The school lead sees the school's answer and cannot answer again.
    client.force_login(world.users["school_lead"])
    page = client.get(url).content.decode()
    assert DIFFICULTY in page and "Câu trả lời đã gửi" in page
    assert 'name="once"' not in page
    changed = {**READY_ANSWERS, "difficulties": "Ghi-đè-9999"}
    response = client.post(url, changed, follow=True)
    assert "đã được trả lời" in response.content.decode()
    assert Response.objects.get().answers["difficulties"] == DIFFICULTY


def test_double_tap_saves_once(world, client, survey):
    recipient = survey.recipients.get()
    client.force_login(world.users["counselor"])
    url = reverse("survey_answer", args=[recipient.pk])
    token = _token(client, url)
    first = client.post(url, {**READY_ANSWERS, "once": token})
    second = client.post(url, {**READY_ANSWERS, "staff_count": "9", "once": token}, follow=True)
    assert first.status_code == 302
    # Sequential here, so the answer is already there: the page says so and keeps it.
    assert "đã được trả lời" in second.content.decode()
    assert Response.objects.get().answers["staff_count"] == 3


def test_second_answer_is_refused_by_the_service(world, survey):
    recipient = survey.recipients.get()
    _answer(world, recipient)
    with pytest.raises(ValidationError, match="đã được trả lời"):
        _answer(world, recipient, who="school_lead", answers={**READY_ANSWERS, "team": "0"})
    assert Response.objects.get().answers["team"] == 1


def test_bad_answers_keep_what_was_typed(world, client, survey):
    recipient = survey.recipients.get()
    client.force_login(world.users["counselor"])
    url = reverse("survey_answer", args=[recipient.pk])
    typed = {**READY_ANSWERS, "staff_count": "500"}
    del typed["room"]
    response = client.post(url, {**typed, "once": _token(client, url)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Bạn chưa trả lời câu này." in page
    assert DIFFICULTY in page and 'value="500"' in page
    assert re.search(r'name="staffing" value="2"[^>]*checked', page)
    assert not Response.objects.exists()


def test_after_the_deadline_answers_are_refused(world, client, survey, time_machine):
    recipient = survey.recipients.get()
    time_machine.move_to(timezone.now() + datetime.timedelta(days=8))
    client.force_login(world.users["counselor"])
    url = reverse("survey_answer", args=[recipient.pk])
    page = client.get(url).content.decode()
    assert "Đã hết hạn trả lời" in page and 'name="once"' not in page
    response = client.post(url, READY_ANSWERS, follow=True)
    assert "Đã hết hạn trả lời" in response.content.decode()
    assert not Response.objects.exists()
    with pytest.raises(ValidationError):
        _answer(world, recipient)


def test_on_the_deadline_day_answers_are_taken(world, survey, time_machine):
    time_machine.move_to(timezone.now() + datetime.timedelta(days=7))
    _answer(world, survey.recipients.get())
    assert Response.objects.count() == 1


def test_a_closed_survey_takes_no_answers(world, client, survey):
    client.force_login(world.users["department_officer"])
    response = client.post(reverse("survey_close", args=[survey.pk]), follow=True)
    assert "Đã đóng đợt khảo sát" in response.content.decode()
    survey.refresh_from_db()
    assert survey.closed_at is not None
    again = client.post(reverse("survey_close", args=[survey.pk]), follow=True)
    assert "đã đóng từ" in again.content.decode()
    client.force_login(world.users["counselor"])
    url = reverse("survey_answer", args=[survey.recipients.get().pk])
    assert "Đợt khảo sát đã đóng" in client.get(url).content.decode()
    client.post(url, READY_ANSWERS)
    assert not Response.objects.exists()


def test_staff_survey_is_answered_only_by_its_person(world, client):
    survey = _send(world, code="NC_TAPHUAN", staff_roles=[Role.TEACHER])
    mine = survey.recipients.get(user=world.users["counselor"])
    client.force_login(world.users["counselor"])
    listing = client.get(reverse("survey_list")).content.decode()
    assert reverse("survey_answer", args=[mine.pk]) in listing
    theirs = survey.recipients.get(user=world.users["teacher"])
    assert reverse("survey_answer", args=[theirs.pk]) not in listing
    # A colleague at the school is an insider (403); another province's counselor an outsider.
    assert client.get(reverse("survey_answer", args=[theirs.pk])).status_code == 403
    client.force_login(world.users["counselor_b"])
    assert client.get(reverse("survey_answer", args=[mine.pk])).status_code == 404
    client.force_login(world.users["school_lead"])
    assert client.get(reverse("survey_answer", args=[mine.pk])).status_code == 403
    _answer(world, mine, answers=NEEDS_ANSWERS)
    assert AuditEvent.objects.filter(action="screening.survey_access_refused").count() == 3


def test_who_answers_for_a_school(world, client, survey):
    url = reverse("survey_answer", args=[survey.recipients.get().pk])
    expected = {
        "counselor": 200,
        "school_lead": 200,
        "teacher": 403,
        "commune_officer": 403,
        "department_officer": 403,
        "ministry_officer": 403,
        "counselor_b": 404,
        "department_officer_b": 404,
        "partner_staff": 404,
    }
    got = {}
    for person in expected:
        client.force_login(world.users[person])
        got[person] = client.get(url).status_code
    assert got == expected
    assert client.get(reverse("survey_answer", args=[2**63])).status_code == 404


# --- Tracking, results and access ---------------------------------------------------------------


def test_who_reads_the_results(world, client, survey):
    expected = {
        "department_officer": 200,
        "ministry_officer": 200,
        "counselor": 403,
        "school_lead": 403,
        "teacher": 403,
        "commune_officer": 403,
        "system_admin": 403,
        "department_officer_b": 404,
        "counselor_b": 404,
        "partner_staff": 404,
    }
    for name in ("survey_detail", "survey_results", "survey_export"):
        got = {}
        for person in expected:
            client.force_login(world.users[person])
            got[person] = client.get(reverse(name, args=[survey.pk])).status_code
        assert got == expected, name
    assert client.get(reverse("survey_detail", args=[999999])).status_code == 404


def test_write_routes_refuse_get(world, client, survey):
    client.force_login(world.users["department_officer"])
    for name in ("survey_remind", "survey_close"):
        assert client.get(reverse(name, args=[survey.pk])).status_code == 405
    client.force_login(world.users["counselor"])
    assert client.post(reverse("survey_close", args=[survey.pk])).status_code == 403
    survey.refresh_from_db()
    assert survey.closed_at is None


def _three_schools(world):
    b = _school(world, "Trường THCS Bình Minh", "01-BM")
    c = _school(world, "Trường THCS Chu Văn An", "01-CVA")
    lead_b = _person("bgh.bm", Role.SCHOOL_LEAD, b)
    _person("tv.cva", Role.COUNSELOR, c)
    survey = _send(world, schools=[world.school_a, b, c])
    return survey, b, c, lead_b


def test_completion_page_shows_each_school(world, client):
    survey, b, c, lead_b = _three_schools(world)
    _answer(world, survey.recipients.get(unit=b), who=lead_b)
    client.force_login(world.users["department_officer"])
    page = client.get(reverse("survey_detail", args=[survey.pk])).content.decode()
    assert re.search(r'kpi">3<', page) and re.search(r'kpi text-success">1<', page)
    assert "Bgh.Bm" in page and timezone.localdate().strftime("%d/%m/%Y") in page
    answered = client.get(reverse("survey_detail", args=[survey.pk]) + "?status=answered")
    assert "Trường THCS Bình Minh" in answered.content.decode()
    assert "Trường THCS Chu Văn An" not in answered.content.decode()


def test_results_count_options_means_texts_and_bands(world, client):
    survey, b, c, lead_b = _three_schools(world)
    _answer(world, survey.recipients.get(unit=world.school_a))  # total 4: partly ready
    ready = {
        **READY_ANSWERS,
        "plan": "1",
        "budget": "1",
        "staff_count": "6",
        "channels": ["1"],
        "difficulties": "",
    }
    _answer(world, survey.recipients.get(unit=b), who=lead_b, answers=ready)  # total 6: ready
    from diemtua.screening.survey_selectors import survey_results

    results = survey_results(fetched_by=world.users["department_officer"], survey=survey)
    assert (results.recipients, results.respondents) == (3, 2)
    items = {item.code: item for item in results.items}
    plan = {o.label: (o.count, o.percent) for o in items["plan"].options}
    assert plan == {"Chưa có": (1, 50.0), "Đã có": (1, 50.0)}
    channels = {o.label: o.count for o in items["channels"].options}
    assert channels["Gặp trực tiếp tại phòng tư vấn"] == 2 and channels["Hộp thư tư vấn"] == 0
    assert channels["Điện thoại, tin nhắn"] == 1
    assert (items["staff_count"].mean, items["staff_count"].low, items["staff_count"].high) == (
        4.5,
        3,
        6,
    )
    assert items["difficulties"].texts == [("Trường THCS Lĩnh Nam", DIFFICULTY)]
    bands = {band.label: (band.count, band.percent) for band in results.bands}
    assert bands == {
        "Chưa sẵn sàng": (0, 0.0),
        "Sẵn sàng một phần": (1, 50.0),
        "Sẵn sàng": (1, 50.0),
    }
    assert results.mean_total == 5.0

    client.force_login(world.users["department_officer"])
    page = client.get(reverse("survey_results", args=[survey.pk])).content.decode()
    assert "2 phiếu trả lời / 3 nơi nhận" in page and DIFFICULTY in page
    assert 'id="survey-charts"' in page and "js/survey_charts.js" in page
    assert "<script>" not in page  # data goes through json_script, code through static files


def test_staff_text_answers_are_not_tied_to_names(world):
    survey = _send(world, code="NC_TAPHUAN", staff_roles=[Role.TEACHER])
    _answer(
        world,
        survey.recipients.get(user=world.users["teacher"]),
        who="teacher",
        answers={**NEEDS_ANSWERS, "comment": "Cần tập huấn trực tiếp"},
    )
    from diemtua.screening.survey_selectors import survey_results

    officer = world.users["department_officer"]
    # While answering goes on, a staff survey's results are withheld (they would change with
    # each answer the completion list shows), and so are they under 5 respondents.
    assert survey_results(fetched_by=officer, survey=survey).withheld
    with time_machine.travel(survey.deadline + datetime.timedelta(days=2)):
        assert "Dưới 5 người" in survey_results(fetched_by=officer, survey=survey).withheld
    later = survey.deadline + datetime.timedelta(days=2)
    with override_settings(DIEMTUA_SUPPRESS_BELOW=1), time_machine.travel(later):
        results = survey_results(fetched_by=officer, survey=survey)
    comment = next(item for item in results.items if item.code == "comment")
    assert comment.texts == [("", "Cần tập huấn trực tiếp")]
    assert not results.bands


def test_export_opens_with_the_right_counts(world, client):
    survey, b, c, lead_b = _three_schools(world)
    _answer(world, survey.recipients.get(unit=world.school_a))
    formula = {**READY_ANSWERS, "difficulties": '=HYPERLINK("http://x")'}
    _answer(world, survey.recipients.get(unit=b), who=lead_b, answers=formula)
    client.force_login(world.users["department_officer"])
    response = client.get(reverse("survey_export", args=[survey.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f"khao-sat-{survey.pk}-" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Tiến độ trả lời", "Kết quả"]
    progress = [row for row in book["Tiến độ trả lời"].iter_rows(values_only=True)]
    header = progress[4]
    assert header[:3] == ("STT", "Trường", "Mã trường")
    statuses = [row[3] for row in progress[5:]]
    assert sorted(statuses) == ["Chưa trả lời", "Đã trả lời", "Đã trả lời"]
    assert "Đã trả lời 2/3" in progress[2][0]
    results = [row for row in book["Kết quả"].iter_rows(values_only=True)]
    assert "Số phiếu trả lời: 2" in results[1][0]
    plan_at = next(i for i, row in enumerate(results) if "Có kế hoạch" in str(row[0]))
    assert results[plan_at + 1][:3] == ("Lựa chọn", "Số lượng", "Tỷ lệ (%)")
    assert results[plan_at + 2][:3] == ("Chưa có", 2, 100.0)
    texts = [
        row[1] for row in results if row[0] in ("Trường THCS Lĩnh Nam", "Trường THCS Bình Minh")
    ]
    assert DIFFICULTY in texts and '=HYPERLINK("http://x")' in texts
    cell = next(
        c for row in book["Kết quả"].iter_rows() for c in row if c.value == '=HYPERLINK("http://x")'
    )
    assert cell.data_type == "s"  # a text answer is never a formula in Excel
    assert AuditEvent.objects.filter(action="screening.survey_export").count() == 1


def test_list_and_results_cost_bounded_queries(world, client, django_assert_max_num_queries):
    schools = [_school(world, f"Trường THCS Số {i}", f"01-S{i}") for i in range(8)]
    leads = [_person(f"bgh.s{i}", Role.SCHOOL_LEAD, s) for i, s in enumerate(schools)]
    for n in range(6):
        survey = _send(world, schools=[world.school_a, *schools], title=f"Đợt {n}")
    for school, lead in zip(schools, leads, strict=True):
        _answer(world, survey.recipients.get(unit=school), who=lead)
    officer = world.users["department_officer"]
    client.force_login(officer)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("survey_list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("survey_results", args=[survey.pk])).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("survey_detail", args=[survey.pk])).status_code == 200
    client.force_login(world.users["counselor"])
    with django_assert_max_num_queries(12):
        page = client.get(reverse("survey_list")).content.decode()
    assert page.count("/surveys/answer/") == 6


# --- Reminders ----------------------------------------------------------------------------------


def _reminders(user):
    return Notification.objects.filter(user=user, dedupe_key__startswith="survey_remind:")


def test_owner_reminds_non_respondents_once_a_day(world, client, time_machine):
    survey, b, c, lead_b = _three_schools(world)
    _answer(world, survey.recipients.get(unit=b), who=lead_b)
    client.force_login(world.users["department_officer"])
    url = reverse("survey_remind", args=[survey.pk])
    response = client.post(url, follow=True)
    assert "Đã nhắc 2 nơi chưa trả lời." in response.content.decode()
    assert _reminders(world.users["counselor"]).count() == 1
    assert _reminders(world.users["school_lead"]).count() == 1
    assert not _reminders(lead_b).exists()
    assert survey.recipients.filter(last_reminded_at__isnull=False).count() == 2
    again = client.post(url, follow=True)
    assert "Mỗi ngày chỉ nhắc một lần" in again.content.decode()
    assert _reminders(world.users["counselor"]).count() == 1
    time_machine.move_to(timezone.now() + datetime.timedelta(days=1))
    client.force_login(world.users["department_officer"])
    assert "Đã nhắc 2 nơi" in client.post(url, follow=True).content.decode()
    assert _reminders(world.users["counselor"]).count() == 2
    assert AuditEvent.objects.filter(action="screening.survey_remind").count() == 2


def test_the_task_reminds_before_on_and_after_the_deadline(world, time_machine):
    survey, b, c, lead_b = _three_schools(world)  # deadline in 7 days
    _answer(world, survey.recipients.get(unit=b), who=lead_b)
    counselor, officer = world.users["counselor"], world.users["department_officer"]
    now = timezone.now()

    time_machine.move_to(now + datetime.timedelta(days=1))
    assert remind_surveys.delay().get() == 0  # no stage today

    time_machine.move_to(now + datetime.timedelta(days=4))  # three days before
    assert remind_surveys.delay().get() == 2
    assert remind_surveys.delay().get() == 0  # the hourly rerun sends nothing twice
    assert _reminders(counselor).count() == 1 and not _reminders(lead_b).exists()

    time_machine.move_to(now + datetime.timedelta(days=7))  # the deadline day
    _answer(world, survey.recipients.get(unit=c), who=_tv_cva())
    assert remind_surveys.delay().get() == 1
    assert _reminders(counselor).count() == 2
    assert _reminders(_tv_cva()).count() == 1  # three days before only: answered since

    time_machine.move_to(now + datetime.timedelta(days=8))  # the day after: missed
    assert remind_surveys.delay().get() == 1
    late = _reminders(counselor).order_by("-pk").first()
    assert "đã hết hạn" in late.text
    missed = Notification.objects.get(user=officer, dedupe_key=f"survey_missed:{survey.pk}")
    assert "1 nơi nhận chưa trả lời" in missed.text
    assert remind_surveys.delay().get() == 0

    time_machine.move_to(now + datetime.timedelta(days=9))
    assert remind_surveys.delay().get() == 0
    assert _reminders(counselor).count() == 3


def _tv_cva():
    from diemtua.accounts.models import User

    return User.objects.get(username="tv.cva")


def test_the_task_skips_closed_surveys_and_those_reminded_today(world, client, time_machine):
    closed = _send(world, days=3, title="Đã đóng")
    services.survey_close(actor=world.users["department_officer"], survey=closed)
    manual = _send(world, days=3, title="Đã nhắc tay")
    services.survey_remind(actor=world.users["department_officer"], survey=manual)
    assert remind_surveys.delay().get() == 0
    assert _reminders(world.users["counselor"]).count() == 1  # the manual one


def test_remind_refused_after_the_deadline_or_when_all_answered(world, survey, time_machine):
    _answer(world, survey.recipients.get())
    with pytest.raises(ValidationError, match="không còn ai"):
        services.survey_remind(actor=world.users["department_officer"], survey=survey)
    other = _send(world, days=1, title="Hết hạn")
    time_machine.move_to(timezone.now() + datetime.timedelta(days=2))
    with pytest.raises(ValidationError, match="hết hạn"):
        services.survey_remind(actor=world.users["department_officer"], survey=other)
    assert not SurveyRecipient.objects.filter(last_reminded_at__isnull=False).exists()


# --- Demo ---------------------------------------------------------------------------------------


def test_demo_surveys_are_believable_and_idempotent(db, client):
    from django.core.management import call_command

    from diemtua.accounts.models import User
    from diemtua.screening.survey_demo import NEEDS_TITLE, PILOT_TITLE, seed_surveys
    from diemtua.screening.survey_selectors import survey_results

    call_command("seed_demo", stdout=io.StringIO())
    seed_surveys()  # seed_demo may already call it; either way a rerun adds nothing
    assert seed_surveys() == 0
    pilot = Survey.objects.get(title=PILOT_TITLE)
    assert pilot.owner.kind == OrgKind.MINISTRY and pilot.closed_at is not None
    assert pilot.deadline == datetime.date(2024, 3, 15)
    assert pilot.recipients.count() == 18
    assert pilot.recipients.filter(responded_at__isnull=False).count() == 15
    results = survey_results(fetched_by=User.objects.get(username="bo.vu"), survey=pilot)
    assert results.respondents == 15 and sum(b.count for b in results.bands) == 15
    needs = Survey.objects.get(title=NEEDS_TITLE)
    answered = set(
        needs.recipients.filter(responded_at__isnull=False).values_list("user__username", flat=True)
    )
    assert answered == {"tv.linhnam", "tv.minhphu"}
    assert needs.recipients.filter(user__username="bgh.trungtu").exists()
    client.force_login(User.objects.get(username="tv.trungtu"))
    page = client.get(reverse("survey_list")).content.decode()
    assert NEEDS_TITLE in page and PILOT_TITLE in page
    client.force_login(User.objects.get(username="so.hanoi"))
    assert client.get(reverse("survey_results", args=[needs.pk])).status_code == 200
    # The Ministry's survey reached Hà Nội's schools: the Department is inside it, not its owner.
    assert client.get(reverse("survey_results", args=[pilot.pk])).status_code == 403
