import pytest
from django.urls import reverse

from diemtua.audit.models import AuditEvent
from diemtua.students import selectors
from diemtua.students.models import Student


def _names(world, person, **params):
    return [s.full_name for s in selectors.student_list(fetched_by=world.users[person], **params)]


@pytest.mark.parametrize("query", ["nguyen van an", "NGUYỄN VĂN AN", "an nguyen", "Nguyen  Van"])
def test_search_ignores_case_and_diacritics(world, query):
    assert _names(world, "counselor", query=query) == ["Nguyễn Văn An"]


def test_d_matches_đ(world):
    assert _names(world, "counselor", query="dang thi dao") == ["Đặng Thị Đào"]
    assert _names(world, "counselor", query="đào") == ["Đặng Thị Đào"]


def test_search_by_national_identifier(world):
    assert _names(world, "counselor", query="010000000001") == ["Nguyễn Văn An"]


def test_search_stays_inside_the_counselors_school(world):
    # School B has a student with the same name: counselor A must not find them.
    results = selectors.student_list(fetched_by=world.users["counselor"], query="nguyen van an")
    assert [s.school_id for s in results] == [world.school_a.pk]
    assert (
        selectors.student_list(fetched_by=world.users["counselor"], query="380000000001").count()
        == 0
    )


def test_search_input_with_sql_and_wildcards_is_harmless(world):
    for query in ["' OR 1=1 --", "%", "_", "\\"]:
        assert _names(world, "counselor", query=query) == []


def _add_students(world, start, count):
    for i in range(start, start + count):
        Student.objects.create(
            school=world.school_a,
            full_name=f"Lò Thị Dua {i}",
            gender="female",
            date_of_birth="2013-01-01",
            grade=7,
            class_name="7A",
        )


def test_list_page_search_and_query_count(world, client):
    """The page costs the same number of queries for 3 students as for 40 (no N+1)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.users["counselor"])
    _add_students(world, 0, 3)
    client.get(reverse("student_list"))  # warm the session
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("student_list"), {"q": "lo thi dua"})
    _add_students(world, 3, 37)
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("student_list"), {"q": "lo thi dua"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("Lò Thị Dua") == 40
    assert "Nguyễn Văn An" not in body
    assert len(large) == len(small) <= 20


def test_list_page_htmx_returns_only_rows(world, client):
    client.force_login(world.users["counselor"])
    response = client.get(reverse("student_list"), {"q": "dao"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "Đặng Thị Đào" in body and "<html" not in body


def test_detail_writes_an_audit_event(world, client):
    client.force_login(world.users["counselor"])
    before = AuditEvent.objects.filter(action="students.detail_view").count()
    response = client.get(reverse("student_detail", kwargs={"pk": world.student_a.pk}))
    assert response.status_code == 200
    assert "Nguyễn Thị Hạnh" in response.content.decode()  # the guardian
    event = AuditEvent.objects.filter(action="students.detail_view").latest("seq")
    assert AuditEvent.objects.filter(action="students.detail_view").count() == before + 1
    assert (event.actor_username, event.object_id) == ("tv.a", str(world.student_a.pk))
    assert event.org_unit_id == world.school_a.pk
    # The record shows who opened it, including this very view.
    body = client.get(reverse("student_detail", kwargs={"pk": world.student_a.pk})).content
    assert "Ai đã xem hồ sơ này" in body.decode() and body.decode().count("tv.a") >= 2
    title = body.decode().split("<title>")[1].split("</title>")[0]
    assert title.startswith("Nguyễn Văn An") and "<" not in title


def test_refused_reads_are_audited_as_refusals(world, client):
    for person in ("counselor_b", "school_lead", "department_officer"):
        client.force_login(world.users[person])
        client.get(reverse("student_detail", kwargs={"pk": world.student_a.pk}))
    assert not AuditEvent.objects.filter(action="students.detail_view").exists()
    refusals = AuditEvent.objects.filter(action="students.access_refused").order_by("seq")
    assert [(e.actor_username, e.extra["answer"]) for e in refusals] == [
        ("tv.b", 404),
        ("bgh.a", 403),
        ("so.a", 403),
    ]
    assert {e.object_id for e in refusals} == {str(world.student_a.pk)}


def test_counselor_of_another_school_cannot_reach_a_student_by_any_url(world, client):
    client.force_login(world.users["counselor_b"])
    pk = world.student_a.pk
    assert client.get(reverse("student_detail", kwargs={"pk": pk})).status_code == 404
    body = client.get(reverse("student_list"), {"q": "dang thi dao"}).content.decode()
    assert "Đặng Thị Đào" not in body
    # Asking for school A's list by parameter: that list does not exist for them.
    assert client.get(reverse("student_list"), {"school": world.school_a.pk}).status_code == 404


def test_national_identifier_is_unique_when_present(world):
    from django.core.exceptions import ValidationError

    student = Student(
        school=world.school_a,
        full_name="Trùng Mã",
        gender="male",
        date_of_birth="2013-01-01",
        grade=7,
        class_name="7A",
        national_id="010000000001",
    )
    with pytest.raises(ValidationError):
        student.full_clean()
    # Blank identifiers never collide.
    for name in ("Không Mã Một", "Không Mã Hai"):
        Student.objects.create(
            school=world.school_a,
            full_name=name,
            gender="male",
            date_of_birth="2013-01-01",
            grade=7,
            class_name="7A",
        )


def test_pagination_keeps_the_search_and_class(world, client):
    _add_students(world, 0, 60)
    client.force_login(world.users["counselor"])
    body = client.get(
        reverse("student_list"), {"q": "dua", "class": "7A", "school": world.school_a.pk}
    ).content.decode()
    assert "page=2" in body
    next_link = body.split('href="?', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert {"q=dua", "class=7A", f"school={world.school_a.pk}", "page=2"} <= set(
        next_link.split("&")
    )


def test_back_button_history_restore_gets_the_whole_page(world, client):
    client.force_login(world.users["counselor"])
    response = client.get(
        reverse("student_list"),
        {"q": "dao"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert "<html" in response.content.decode()


def test_student_pages_are_not_stored_by_the_browser(world, client):
    client.force_login(world.users["counselor"])
    for url in (
        reverse("student_list"),
        reverse("student_detail", kwargs={"pk": world.student_a.pk}),
    ):
        response = client.get(url)
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
        assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    "params",
    [{"q": "an\x00"}, {"class": "6A\x00"}, {"school": "\x00"}, {"page": "1\x00"}],
)
def test_nul_characters_are_refused_not_crashing(world, client, params):
    client.force_login(world.users["counselor"])
    response = client.get(reverse("student_list"), params)
    assert response.status_code == 400
    assert "ký tự không hợp lệ" in response.content.decode()


def test_htmx_search_after_the_session_ended_sends_the_page_to_login(world, client):
    response = client.get(reverse("student_list"), {"q": "an"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("login"))
    assert response.content == b""


def test_the_export_button_follows_the_class_filter(world, client):
    client.force_login(world.users["counselor"])
    rows = client.get(reverse("student_list"), {"class": "7B"}, HTTP_HX_REQUEST="true")
    assert "Xuất lớp 7B ra Excel" in rows.content.decode()


def test_words_match_the_start_of_name_words_not_their_middle(world):
    Student.objects.create(
        school=world.school_a,
        full_name="Nguyễn Khánh Linh",
        gender="female",
        date_of_birth="2013-01-01",
        grade=7,
        class_name="7A",
    )
    assert _names(world, "counselor", query="khanh uyen") == []
    assert _names(world, "counselor", query="ng kh li") == ["Nguyễn Khánh Linh"]


def test_lists_sort_by_given_name_as_vietnamese_class_lists_do(world):
    for name in ("Trần Văn Bình", "Nguyễn Thị An", "Lê Anh"):
        Student.objects.create(
            school=world.school_a,
            full_name=name,
            gender="male",
            date_of_birth="2013-01-01",
            grade=8,
            class_name="8A",
        )
    assert _names(world, "counselor", class_name="8A") == [
        "Nguyễn Thị An",
        "Lê Anh",
        "Trần Văn Bình",
    ]
