"""The counselor's pages as a person uses them: queue, case page, forms that refuse, audit,
and what other roles and the database never see."""

import datetime
import logging
import re
import shutil
import subprocess

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from diemtua.audit.models import AuditEvent
from diemtua.cases import intake, services
from diemtua.cases.models import Case, Session, Stage

SECRET = "Con-sóc-tím-nhảy-qua-cầu-Long-Biên-7749"


@pytest.fixture
def counselor(world):
    return world.users["counselor"]


@pytest.fixture
def case(world, counselor):
    case = services.case_open(actor=counselor, school=world.school_a, student=world.student_a)
    services.consent_record(
        actor=counselor,
        case=case,
        given_by="student",
        scopes=["counseling"],
        method="verbal",
        given_on=timezone.localdate(),
    )
    return case


def _submit(world, key, urgent=False, message="Em cần nói chuyện"):
    return intake.help_request_submit(
        school=world.school_a,
        requester="student",
        is_anonymous=True,
        message=message,
        said_urgent=urgent,
        idempotency_key=key,
    ).help_request


def test_queue_lists_urgent_requests_first_and_is_audited(world, counselor, client):
    calm = _submit(world, "1" * 32)
    urgent = _submit(world, "2" * 32, urgent=True)
    client.force_login(counselor)
    response = client.get(reverse("case_queue"))
    body = response.content.decode()
    assert response.status_code == 200
    first = body.index(reverse("request_detail", kwargs={"pk": urgent.pk}))
    assert first < body.index(reverse("request_detail", kwargs={"pk": calm.pk}))
    assert "GẤP" in body
    # The queue never shows what the student wrote; the request page does, and is audited.
    assert "Em cần nói chuyện" not in body
    assert AuditEvent.objects.filter(action="cases.queue_view", actor_id=counselor.pk).exists()


def _add_queue_rows(world, counselor, start, n):
    for i in range(start, start + n):
        help_request = _submit(world, f"{i:032x}", urgent=i % 2 == 0)
        if i % 3:
            case = services.request_open_case(actor=counselor, help_request=help_request)
            services.action_add(
                actor=counselor, case=case, description="x", owner="y", due_on=case.opened_on
            )
            Case.objects.filter(pk=case.pk).update(follow_up_on=case.opened_on)


def _queries_per_tab(client):
    counts = {}
    for tab in ("new", "mine", "all", "follow_up", "overdue"):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("case_queue"), {"tab": tab}).status_code == 200
        counts[tab] = len(captured)
    return counts


def test_queue_tab_swaps_with_htmx_and_query_count_does_not_grow(world, counselor, client):
    _add_queue_rows(world, counselor, 0, 4)
    client.force_login(counselor)
    response = client.get(reverse("case_queue"), {"tab": "mine"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"<html" not in response.content
    assert response.content.count(b'href="/cases/') >= 2
    few = _queries_per_tab(client)
    _add_queue_rows(world, counselor, 4, 12)
    assert _queries_per_tab(client) == few
    # Fixed costs: session, user, roles, counts, alerts, orphans, notification badge, the audit
    # write (PostgreSQL adds its advisory lock); the list itself is one query plus prefetches.
    assert max(few.values()) <= 26


def test_case_page_is_audited_and_shows_who_viewed_to_the_assigned_counselor(
    world, case, counselor, client
):
    client.force_login(counselor)
    response = client.get(reverse("case_detail", kwargs={"pk": case.pk}))
    assert response.status_code == 200
    views = AuditEvent.objects.filter(action="cases.case_view", object_id=str(case.pk))
    assert views.count() == 1
    response = client.get(reverse("case_detail", kwargs={"pk": case.pk}))
    assert 'id="case-viewers"' in response.content.decode()
    assert response.content.decode().count(counselor.username) >= 1


def test_a_refused_form_keeps_what_was_typed_and_saves_nothing(case, counselor, client):
    client.force_login(counselor)
    url = reverse("assessment_create", kwargs={"pk": case.pk})
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.post(
        url,
        {"assessed_on": tomorrow, "risk_level": "high", "risk_reasons": "Em nói muốn biến mất"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Ngày không được sau hôm nay." in body and "Em nói muốn biến mất" in body
    assert not case.assessments.exists()

    response = client.post(reverse("case_close", kwargs={"pk": case.pk}), {"outcome": "resolved"})
    assert response.status_code == 400
    assert (
        "Hãy viết tóm tắt" in response.content.decode() or "bắt buộc" in response.content.decode()
    )
    case.refresh_from_db()
    assert case.stage == Stage.RECEIVED

    response = client.post(
        reverse("case_stage", kwargs={"pk": case.pk}), {"to_stage": "supporting"}
    )
    assert response.status_code == 400
    assert "Không thể chuyển hồ sơ" in response.content.decode()


def test_a_session_without_consent_asks_for_the_emergency_reason(world, counselor, client):
    bare = services.case_open(actor=counselor, school=world.school_a, student=world.student_a2)
    client.force_login(counselor)
    url = reverse("session_create", kwargs={"pk": bare.pk})
    held = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    data = {"held_at": held, "form": "individual", "duration_minutes": 30, "notes": "Ghi chép A"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Chưa có sự đồng ý" in response.content.decode()
    assert "Ghi chép A" in response.content.decode()
    response = client.post(url, {**data, "emergency_reason": "Em có vết thương mới, sợ về nhà"})
    assert response.status_code == 302
    assert Session.objects.get(case=bare).emergency is not None
    page = client.get(reverse("case_detail", kwargs={"pk": bare.pk})).content.decode()
    assert "Em có vết thương mới, sợ về nhà" in page


def test_the_walk_of_a_case_through_its_pages(world, counselor, client):
    help_request = _submit(world, "3" * 32, urgent=True)
    client.force_login(counselor)
    response = client.post(reverse("request_open_case", kwargs={"pk": help_request.pk}), {})
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/cases/{case.pk}/")
    today = timezone.localdate()
    steps = [
        ("consent_create", {"given_by": "student", "scopes": ["counseling"], "method": "verbal",
                            "given_on": today.strftime("%d/%m/%Y")}),
        ("case_stage", {"to_stage": "assessing"}),
        ("assessment_create", {"assessed_on": today.isoformat(), "risk_level": "medium",
                               "risk_reasons": "Bị bắt nạt nhiều tuần"}),
        ("case_stage", {"to_stage": "planning"}),
        ("plan_edit", {"goals": "An toàn ở lớp",
                       "review_on": (today + datetime.timedelta(days=7)).isoformat()}),
        ("action_create", {"description": "Gặp GVCN", "owner": "Cô Trang",
                           "due_on": today.isoformat()}),
        ("case_stage", {"to_stage": "supporting"}),
        ("session_create", {"held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                            "form": "individual", "duration_minutes": 45, "notes": SECRET}),
        ("case_stage", {"to_stage": "reviewing"}),
        ("case_close", {"outcome": "improved", "closing_summary": "Em đã an toàn hơn"}),
    ]  # fmt: skip
    for name, data in steps:
        response = client.post(reverse(name, kwargs={"pk": case.pk}), data)
        assert response.status_code == 302, (name, response.content.decode()[-2000:])
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED and case.outcome == "improved"
    session = Session.objects.get(case=case)
    page = client.get(reverse("session_detail", kwargs={"pk": session.pk})).content.decode()
    assert SECRET in page
    chronology = client.get(reverse("student_chronology", kwargs={"pk": world.student_a.pk}))
    assert chronology.status_code == 200  # anonymous case: no student, nothing of it shows
    assert SECRET not in chronology.content.decode()


@pytest.mark.parametrize(
    ("person", "status"),
    [
        ("counselor_b", 404),
        ("teacher", 403),
        ("school_lead", 403),
        ("department_officer", 403),
        ("commune_officer", 403),
        ("ministry_officer", 403),
        ("partner_staff", 404),
        ("system_admin", 403),
    ],
)
def test_no_one_but_the_schools_counselors_reads_a_note(
    world, case, counselor, client, person, status
):
    session = services.session_record(
        actor=counselor,
        case=case,
        held_at=timezone.now(),
        form="individual",
        duration_minutes=30,
        notes=SECRET,
    )
    client.force_login(world.users[person])
    for url in (
        reverse("session_detail", kwargs={"pk": session.pk}),
        reverse("case_detail", kwargs={"pk": case.pk}),
        reverse("student_chronology", kwargs={"pk": world.student_a.pk}),
    ):
        response = client.get(url)
        assert response.status_code == status, url
        assert SECRET not in response.content.decode()


def test_chronology_shows_everything_newest_first_and_hides_restricted_cases(
    world, case, counselor, client
):
    services.session_record(
        actor=counselor, case=case, held_at=timezone.now() - datetime.timedelta(hours=1),
        form="individual", duration_minutes=30, notes="Buổi đầu",
    )  # fmt: skip
    services.assessment_record(
        actor=counselor, case=case, assessed_on=timezone.localdate(), risk_level="low"
    )
    client.force_login(counselor)
    response = client.get(reverse("student_chronology", kwargs={"pk": world.student_a.pk}))
    body = response.content.decode()
    # A dated entry (the assessment) sorts at the end of its day; the rest by their time.
    assert body.index("Đánh giá: nguy cơ") < body.index("Mở hồ sơ") < body.index("Buổi đầu")
    assert AuditEvent.objects.filter(action="cases.chronology_view").count() == 1

    from diemtua.accounts.models import Membership, User
    from diemtua.accounts.roles import Role

    other = User.objects.create_user(username="tv2.a", full_name="Đặng Thu Hà", password="x")
    Membership.objects.create(user=other, org_unit=world.school_a, role=Role.COUNSELOR)
    services.case_assign(actor=counselor, case=case, counselors=[counselor], restricted=True)
    client.force_login(other)
    body = client.get(reverse("student_chronology", kwargs={"pk": world.student_a.pk})).content
    assert "Buổi đầu".encode() not in body and "Mở hồ sơ".encode() not in body
    assert client.get(reverse("case_detail", kwargs={"pk": case.pk})).status_code == 404


def test_teacher_referral_pages(world, client):
    teacher = world.users["teacher"]
    client.force_login(teacher)
    response = client.post(
        reverse("referral_create"),
        {"student": world.student_a.pk, "message": "Em có vết bầm ở tay"},
    )
    assert response.status_code == 302
    page = client.get(reverse("referral_list")).content.decode()
    assert "Nguyễn Văn An" in page and "Đã gửi, chờ tiếp nhận" in page
    assert "vết bầm" not in page
    response = client.post(
        reverse("referral_create"), {"student": world.student_b.pk, "message": "x"}
    )
    assert response.status_code == 400  # another school's student is not a choice
    response = client.post(
        reverse("referral_create"), {"student": world.student_a.pk, "message": ""}
    )
    assert response.status_code == 400


@pytest.mark.django_db(transaction=True)
def test_a_session_note_is_nowhere_in_the_database_or_the_logs(world, caplog, tmp_path):
    counselor = world.users["counselor"]
    caplog.set_level(logging.DEBUG)
    case = services.case_open(
        actor=counselor, school=world.school_a, student=world.student_a, summary=SECRET
    )
    services.session_record(
        actor=counselor,
        case=case,
        held_at=timezone.now(),
        form="individual",
        duration_minutes=30,
        notes=SECRET,
        emergency_reason=SECRET,
    )
    assert Session.objects.get().notes == SECRET  # it reads back through the field
    needle = SECRET.encode()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 — names from introspection
            for row in cursor.fetchall():
                assert needle not in repr(row).encode(), table
                assert SECRET not in " ".join(str(v) for v in row), table
    assert SECRET not in caplog.text
    if connection.vendor == "sqlite":
        name = settings.DATABASES["default"]["NAME"]
        if name and not str(name).startswith(("file:", ":memory:")):
            with open(name, "rb") as db_file:
                assert needle not in db_file.read()
    elif shutil.which("pg_dump"):
        db = connection.settings_dict
        dump = subprocess.run(
            ["pg_dump", "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432),
             "-U", db["USER"] or "postgres", db["NAME"]],
            capture_output=True, check=True, timeout=120,
        ).stdout  # fmt: skip
        assert b"cases_session" in dump and needle not in dump


def _restricted_to(counselor, case):
    services.case_assign(actor=counselor, case=case, counselors=[counselor], restricted=True)


@pytest.fixture
def colleague(world):
    from diemtua.accounts.models import Membership, User
    from diemtua.accounts.roles import Role

    user = User.objects.create_user(username="tv2.a", full_name="Đặng Thu Hà", password="x")
    Membership.objects.create(user=user, org_unit=world.school_a, role=Role.COUNSELOR)
    return user


def test_chronology_does_not_leak_a_request_of_a_restricted_anonymous_case(
    world, counselor, colleague, client
):
    anonymous = services.case_open(actor=counselor, school=world.school_a, alias="em lớp 6A")
    referral = intake.teacher_referral_create(
        actor=world.users["teacher"], student=world.student_a, message="Bí mật của hồ sơ hạn chế"
    )
    services.request_attach_to_case(actor=counselor, help_request=referral, case=anonymous)
    _restricted_to(counselor, anonymous)
    client.force_login(colleague)
    body = client.get(reverse("student_chronology", kwargs={"pk": world.student_a.pk}))
    assert body.status_code == 200 and "Bí mật của hồ sơ hạn chế" not in body.content.decode()


def test_a_group_participants_chronology_shows_the_session_not_the_other_childs_case(
    world, case, counselor, client
):
    services.assessment_record(
        actor=counselor,
        case=case,
        assessed_on=timezone.localdate(),
        risk_level="high",
        risk_reasons="Lý do nguy cơ của An",
    )
    own = services.case_open(actor=counselor, school=world.school_a, student=world.student_a2)
    services.consent_record(
        actor=counselor, case=own, given_by="student", scopes=["counseling"], method="verbal",
        given_on=timezone.localdate(),
    )  # fmt: skip
    services.session_record(
        actor=counselor, case=case, held_at=timezone.now(), form="group", duration_minutes=40,
        other_students=[world.student_a2], notes="Sinh hoạt nhóm tình bạn",
    )  # fmt: skip
    client.force_login(counselor)
    body = client.get(reverse("student_chronology", kwargs={"pk": world.student_a2.pk}))
    text = body.content.decode()
    assert "Sinh hoạt nhóm tình bạn" in text and "Lý do nguy cơ của An" not in text


def test_who_viewed_includes_reading_through_the_chronology(
    world, case, counselor, colleague, client
):
    client.force_login(colleague)
    client.get(reverse("student_chronology", kwargs={"pk": world.student_a.pk}))
    client.force_login(counselor)
    viewers = client.get(reverse("case_detail", kwargs={"pk": case.pk})).context["viewers"]
    assert "tv2.a" in [v.username for v in viewers]


def test_the_queues_minute_refresh_gets_counts_only_and_is_not_audited(world, counselor, client):
    intake.help_request_submit(
        school=world.school_a, requester="student", is_anonymous=False,
        requester_name="Tên Riêng Của Em", message="x", idempotency_key="9" * 32,
    )  # fmt: skip
    client.force_login(counselor)
    client.get(reverse("case_queue"))
    poll = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TRIGGER": "queue-poll"}
    response = client.get(reverse("case_queue"), {"tab": "new"}, **poll)
    assert "1 yêu cầu mới" in response.content.decode()
    assert "Tên Riêng Của Em" not in response.content.decode()
    # The header is the browser's to set: faked on another tab, it still gets counts only.
    faked = client.get(reverse("case_queue"), {"tab": "overdue"}, **poll).content.decode()
    assert "<li" not in faked and "<table" not in faked
    assert AuditEvent.objects.filter(action="cases.queue_view").count() == 1


def test_huge_ids_in_counselor_forms_are_invalid_choices_not_errors(world, case, counselor, client):
    client.force_login(counselor)
    held = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("session_create", kwargs={"pk": case.pk}),
        {"held_at": held, "form": "group", "duration_minutes": 30,
         "other_students": ["99999999999999999999"], "content_groups": ["99999999999999999999"]},
    )  # fmt: skip
    assert response.status_code == 400 and not Session.objects.exists()
    response = client.post(
        reverse("case_team", kwargs={"pk": case.pk}), {"counselors": ["99999999999999999999"]}
    )
    assert response.status_code == 400


def test_the_same_session_form_sent_twice_saves_one_session(case, counselor, client):
    client.force_login(counselor)
    url = reverse("session_create", kwargs={"pk": case.pk})
    page = client.get(url).content.decode()
    token = re.search(r'name="once" value="([0-9a-f]{32})"', page).group(1)
    data = {
        "held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "form": "individual",
        "duration_minutes": 30,
        "notes": "Một lần thôi",
        "once": token,
    }
    assert client.post(url, data).status_code == 302
    second = client.post(url, data, follow=True)
    assert Session.objects.filter(case=case).count() == 1
    assert "đã được lưu (gửi hai lần)" in second.content.decode()
    # A refused form gives its token back: corrected and sent again, it saves.
    other = re.search(r'name="once" value="([0-9a-f]{32})"', client.get(url).content.decode())
    bad = {**data, "once": other.group(1), "duration_minutes": 1}
    assert client.post(url, bad).status_code == 400
    assert client.post(url, {**bad, "duration_minutes": 20}).status_code == 302
    assert Session.objects.filter(case=case).count() == 2


def test_content_groups_show_in_the_readers_language(world, client):
    from django.utils import translation

    from diemtua.cases.reference import groups_in_force

    group = groups_in_force(timezone.localdate()).get(code="tt18_psychology")
    assert group.plain.startswith("Em thấy buồn")
    with translation.override("en"):
        assert group.plain == "I feel sad, worried, scared, stressed or can't sleep"
        assert str(group).startswith("Psychological counseling")


def _query_count(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_chronology_and_referral_list_queries_do_not_grow_with_records(
    world, case, counselor, client
):
    teacher = world.users["teacher"]
    chronology = reverse("student_chronology", kwargs={"pk": world.student_a.pk})

    def add_records(n):
        for i in range(n):
            services.session_record(
                actor=counselor, case=case, held_at=timezone.now() - datetime.timedelta(minutes=i),
                form="individual", duration_minutes=30, notes=f"Buổi {i}",
            )  # fmt: skip
            services.assessment_record(
                actor=counselor, case=case, assessed_on=timezone.localdate(), risk_level="low"
            )
            referral = intake.teacher_referral_create(
                actor=teacher, student=world.student_a, message=f"Lo lắng {i}"
            )
            services.request_attach_to_case(actor=counselor, help_request=referral, case=case)

    add_records(2)
    client.force_login(counselor)
    few = _query_count(client, chronology)
    client.force_login(teacher)
    few_referrals = _query_count(client, reverse("referral_list"))
    add_records(6)
    client.force_login(counselor)
    assert _query_count(client, chronology) == few
    client.force_login(teacher)
    assert _query_count(client, reverse("referral_list")) == few_referrals


def _token(client, url):
    page = client.get(url).content.decode()
    return re.search(r'name="once" value="([0-9a-f]{32})"', page).group(1)


def test_opening_a_case_twice_with_one_form_opens_one(world, counselor, client):
    client.force_login(counselor)
    url = reverse("case_create")
    data = {"alias": "em lớp 6B", "summary": "Em hay khóc", "once": _token(client, url)}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert Case.objects.count() == 1
    assert client.post(url, {**data, "student": "²"}).status_code == 200  # invalid choice


def test_a_save_that_fails_does_not_block_the_retry(case, counselor, client, monkeypatch):
    client.force_login(counselor)
    url = reverse("assessment_create", kwargs={"pk": case.pk})
    data = {"assessed_on": timezone.localdate().isoformat(), "risk_level": "low",
            "once": _token(client, url)}  # fmt: skip

    def boom(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "assessment_record", boom)
    client.raise_request_exception = False
    assert client.post(url, data).status_code == 500
    monkeypatch.undo()
    assert client.post(url, data).status_code == 302
    assert case.assessments.count() == 1


def test_a_case_page_shown_again_after_a_refused_form_is_audited(case, counselor, client):
    client.force_login(counselor)
    response = client.post(reverse("case_close", kwargs={"pk": case.pk}), {})
    assert response.status_code == 400
    event = AuditEvent.objects.get(action="cases.case_view")
    assert event.object_id == str(case.pk) and event.extra["refused_form"] == "close"


def test_the_queue_lists_an_orphaned_restricted_case_by_number_for_take_over(
    world, case, counselor, colleague, client
):
    services.case_assign(actor=counselor, case=case, counselors=[counselor], restricted=True)
    services.session_record(
        actor=counselor, case=case, held_at=timezone.now(), form="individual",
        duration_minutes=30, notes="Ghi chép kín",
    )  # fmt: skip
    counselor.is_active = False
    counselor.save(update_fields=["is_active"])
    client.force_login(colleague)
    queue = client.get(reverse("case_queue")).content.decode()
    take_over = reverse("case_take_over", kwargs={"pk": case.pk})
    assert take_over in queue and "Ghi chép kín" not in queue and "Nguyễn Văn An" not in queue
    assert client.post(take_over, {"reason": ""}).status_code == 302
    assert client.get(reverse("case_detail", kwargs={"pk": case.pk})).status_code == 404
    response = client.post(take_over, {"reason": "Cô phụ trách đã chuyển trường"})
    assert response["Location"] == reverse("case_detail", kwargs={"pk": case.pk})
    assert client.get(reverse("case_detail", kwargs={"pk": case.pk})).status_code == 200
