import datetime
import re
from decimal import Decimal
from html import escape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from diemtua.activities.tests import files
from diemtua.audit.models import AuditEvent
from diemtua.core import ratelimit
from diemtua.trainings import library_services, selectors, services
from diemtua.trainings.models import (
    Attendance,
    Certificate,
    Exchange,
    LibraryDocument,
    LibraryVersion,
    Participant,
    Training,
)

JUNE = datetime.date(2024, 6, 18)


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


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()


def _training(world, owner=None, actor=None, **fields):
    values = {
        "title": "Tập huấn kỹ năng tư vấn học đường",
        "starts_on": JUNE,
        "ends_on": JUNE + datetime.timedelta(days=2),
        "mode": "in_person",
        "hours": Decimal("24"),
    }
    values.update(fields)
    return services.training_create(
        actor=actor or world.users["department_officer"], owner=owner or world.dept_a, **values
    )


def _invite(world, training, who="counselor", unit=None, actor=None):
    user = world.users[who]
    return services.participant_add(
        actor=actor or world.users["department_officer"],
        training=training,
        unit=unit or (world.school_b if who == "counselor_b" else world.school_a),
        user=user,
    )


def _attend(world, training, rows, actor=None):
    return services.attendance_record(
        actor=actor or world.users["department_officer"], training=training, rows=rows
    )


def _token(client, url) -> str:
    page = client.get(url).content.decode()
    return re.search(r'name="once" value="([0-9a-f]{32})"', page).group(1)


# --- Certificates verify by code ---------------------------------------------------------------


def _certified(world, **fields):
    training = _training(world, pass_mark=Decimal("5"), **fields)
    p = _invite(world, training)
    _attend(world, training, {p.pk: {"attendance": "attended", "post_score": Decimal("8")}})
    services.certificates_issue(actor=world.users["department_officer"], training=training)
    return training, Certificate.objects.get(participant=p)


def test_a_certificate_verifies_by_code_without_login(world, client):
    training, certificate = _certified(world)
    assert re.fullmatch(f"[{services.CODE_ALPHABET}]{{10}}", certificate.code)
    response = client.get(reverse("training_verify_code", kwargs={"code": certificate.code}))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Hợp lệ" in body
    assert world.users["counselor"].full_name in body and training.title in body
    assert "18/06/2024" in body and "20/06/2024" in body
    assert escape(world.dept_a.name) in body
    # Only the holder's name, the training, dates, hours and issuing unit: not their school.
    assert world.school_a.name not in body
    # The form accepts the code as printed (dash, lower case, spaces).
    typed = f" {certificate.display_code.lower()} "
    response = client.get(reverse("training_verify"), {"code": typed})
    assert response.status_code == 200 and training.title in response.content.decode()
    assert AuditEvent.objects.filter(action="trainings.certificate_verify").count() == 2


def test_wrong_codes_count_and_end_in_429(world, client, settings):
    settings.DIEMTUA_CERTIFICATE_VERIFY_RATE = "3/600"
    _training_, certificate = _certified(world)
    for _ in range(3):
        response = client.get(reverse("training_verify_code", kwargs={"code": "ABCDEFGHJK"}))
        assert response.status_code == 404
        assert "Không tìm thấy giấy chứng nhận" in response.content.decode()
    response = client.get(reverse("training_verify_code", kwargs={"code": certificate.code}))
    assert response.status_code == 429 and response["Retry-After"]
    # A right code does not count: someone checking many real certificates is fine.
    ratelimit.reset("certificate-verify", "127.0.0.1")
    for _ in range(5):
        response = client.get(reverse("training_verify"), {"code": certificate.code})
        assert response.status_code == 200


def test_a_revoked_certificate_says_so(world, client):
    training, certificate = _certified(world)
    client.force_login(world.users["department_officer"])
    url = reverse("certificate_revoke", kwargs={"pk": certificate.pk})
    response = client.post(url, {"reason": ""})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.is_valid
    client.post(url, {"reason": "Cấp nhầm người"})
    certificate.refresh_from_db()
    assert not certificate.is_valid
    client.logout()
    body = client.get(reverse("training_verify_code", kwargs={"code": certificate.code}))
    assert "Đã bị thu hồi" in body.content.decode()


def test_certificate_pdf_has_the_code_and_is_audited(world, client, settings):
    settings.DIEMTUA_PUBLIC_URL = "https://diemtua.example.vn"
    _training_, certificate = _certified(world)
    client.force_login(world.users["school_lead"])
    response = client.get(reverse("certificate_pdf", kwargs={"pk": certificate.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert certificate.code in response["Content-Disposition"]
    assert AuditEvent.objects.filter(action="trainings.certificate_download").exists()


def test_only_those_who_attended_and_passed_get_a_certificate(world):
    training = _training(world, pass_mark=Decimal("5"))
    passed = _invite(world, training, "counselor")
    failed = _invite(world, training, "school_lead")
    partial = _invite(world, training, "teacher")
    _attend(
        world,
        training,
        {
            passed.pk: {"attendance": "attended", "post_score": Decimal("5")},
            failed.pk: {"attendance": "attended", "post_score": Decimal("4.75")},
            partial.pk: {"attendance": "partial", "hours_attended": Decimal("8")},
        },
    )
    assert services.certificates_issue(actor=world.users["department_officer"], training=training)
    assert list(Certificate.objects.values_list("participant", flat=True)) == [passed.pk]
    with pytest.raises(Exception, match="Không còn ai đủ điều kiện"):
        services.certificates_issue(actor=world.users["department_officer"], training=training)


def test_no_certificate_before_the_training_ends(world):
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    today = timezone.localdate()
    training = _training(world, starts_on=today, ends_on=today + datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match="cấp giấy chứng nhận sau ngày đó"):
        services.certificates_issue(actor=world.users["department_officer"], training=training)


# --- Hours add up per staff member ------------------------------------------------------------


def test_hours_add_up_per_staff_member_over_school_years(world, client):
    june = _training(world)  # 24 hours, school year 2023–2024
    october = _training(
        world,
        title="Tập huấn Thông tư 18",
        starts_on=datetime.date(2025, 10, 23),
        ends_on=datetime.date(2025, 10, 24),
        hours=Decimal("16"),
    )
    november = _training(
        world,
        title="Tập huấn trực tuyến",
        starts_on=datetime.date(2025, 11, 14),
        ends_on=datetime.date(2025, 11, 14),
        hours=Decimal("8"),
    )
    a = [_invite(world, t) for t in (june, october, november)]
    lead = _invite(world, october, "school_lead")
    _attend(world, june, {a[0].pk: {"attendance": "attended"}})
    _attend(
        world,
        october,
        {
            a[1].pk: {"attendance": "partial", "hours_attended": Decimal("7.5")},
            lead.pk: {"attendance": "absent"},
        },
    )
    _attend(world, november, {a[2].pk: {"attendance": "attended"}})
    rows = {
        r["person_key"]: r
        for r in selectors.staff_hours(fetched_by=world.users["department_officer"])
    }
    assert rows[a[0].person_key]["hours"] == Decimal("39.5")
    assert rows[a[0].person_key]["trainings"] == 3
    assert rows[lead.person_key]["hours"] == 0
    this_year = selectors.staff_hours(fetched_by=world.users["department_officer"], year=2025)
    assert {r["person_key"]: r["hours"] for r in this_year}[a[0].person_key] == Decimal("15.5")
    units = list(selectors.unit_hours(fetched_by=world.users["ministry_officer"], year=2025))
    assert units[0]["unit_id"] == world.school_a.pk and units[0]["hours"] == Decimal("15.5")
    assert units[0]["people"] == 2 and units[0]["trained"] == 1
    client.force_login(world.users["school_lead"])
    page = client.get(reverse("training_hours_person", kwargs={"pk": a[2].pk})).content.decode()
    assert "Năm học 2025–2026: 15,5 giờ" in page and "Năm học 2023–2024: 24 giờ" in page
    assert "39,5 giờ" in page


def test_hours_page_shows_a_school_only_its_own_staff(world, client, django_assert_max_num_queries):
    training = _training(world, owner=world.ministry, actor=world.users["ministry_officer"])
    for who in ("counselor", "counselor_b"):
        p = _invite(world, training, who, actor=world.users["ministry_officer"])
        _attend(
            world, training, {p.pk: {"attendance": "attended"}}, world.users["ministry_officer"]
        )
    client.force_login(world.users["counselor"])
    with django_assert_max_num_queries(15):
        body = client.get(reverse("training_hours")).content.decode()
    assert "Tv.A" in body and "Tv.B" not in body
    client.force_login(world.users["ministry_officer"])
    body = client.get(reverse("training_hours"), {"year": "2023", "q": "tv"}).content.decode()
    assert "Tv.A" in body and "Tv.B" in body


# --- Scope ----------------------------------------------------------------------------------


def test_another_provinces_officer_gets_404_and_it_is_audited(world, client):
    training = _training(world)
    _invite(world, training)
    client.force_login(world.users["department_officer_b"])
    for name in ("training_detail", "training_edit", "attendance_edit"):
        assert client.get(reverse(name, kwargs={"pk": training.pk})).status_code == 404
    assert AuditEvent.objects.filter(action="trainings.access_refused", extra__answer=404).exists()
    listed = client.get(reverse("training_list")).content.decode()
    assert training.title not in listed


def test_a_school_sees_only_its_own_staff_on_a_national_training(world, client):
    ministry = world.users["ministry_officer"]
    training = _training(world, owner=world.ministry, actor=ministry)
    _invite(world, training, "counselor", actor=ministry)
    _invite(world, training, "counselor_b", actor=ministry)
    client.force_login(world.users["school_lead"])
    body = client.get(reverse("training_detail", kwargs={"pk": training.pk})).content.decode()
    assert "Tv.A" in body and "Tv.B" not in body
    assert "Cán bộ của đơn vị bạn" in body
    client.force_login(world.users["department_officer_b"])
    body = client.get(reverse("training_detail", kwargs={"pk": training.pk})).content.decode()
    assert "Tv.B" in body and "Tv.A" not in body
    # Officers above the organiser read but do not change: the Ministry's own is editable.
    client.force_login(ministry)
    body = client.get(reverse("training_detail", kwargs={"pk": training.pk})).content.decode()
    assert "Tv.A" in body and "Tv.B" in body and "Điểm danh, nhập điểm" in body


def test_invitations_stay_inside_the_organisers_subtree(world):
    from django.core.exceptions import ValidationError

    training = _training(world)
    with pytest.raises(ValidationError, match="không thuộc phạm vi"):
        services.participant_add(
            actor=world.users["department_officer"],
            training=training,
            unit=world.school_b,
            full_name="Người tỉnh khác",
        )
    _invite(world, training)
    with pytest.raises(ValidationError, match="đã có trong danh sách mời"):
        _invite(world, training)


# --- Forms ------------------------------------------------------------------------------------


def test_officer_creates_a_training_once_and_bad_input_comes_back(world, client):
    client.force_login(world.users["department_officer"])
    url = reverse("training_create")
    data = {
        "owner": world.dept_a.pk,
        "title": "Tập huấn Thông tư 18/2025",
        "starts_on": "23/10/2025",
        "ends_on": "22/10/2025",
        "mode": "blended",
        "hours": "240",
        "pass_mark": "11",
        "once": _token(client, url),
    }
    response = client.post(url, data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "“Đến ngày” không được trước “Từ ngày”" in body
    assert "Số này lớn nhất là 10" in body
    assert 'value="Tập huấn Thông tư 18/2025"' in body
    data.update(ends_on="24/10/2025", hours="240", pass_mark="5,5")
    response = client.post(url, data)
    assert response.status_code == 400
    assert "hơn 12 giờ mỗi ngày" in response.content.decode()
    data.update(hours="16")
    response = client.post(url, data)
    training = Training.objects.get()
    assert response.status_code == 302 and training.pass_mark == Decimal("5.5")
    again = client.post(url, data)
    assert again.status_code == 302 and Training.objects.count() == 1
    for hostile in ("9" * 40, "nan", "1e999", "-3"):
        data.update(hours=hostile, once=_token(client, url))
        assert client.post(url, data).status_code == 400


def test_bulk_attendance_table_checks_every_row_and_keeps_input(world, client):
    training = _training(world)
    a = _invite(world, training)
    b = _invite(world, training, "school_lead")
    client.force_login(world.users["department_officer"])
    url = reverse("attendance_edit", kwargs={"pk": training.pk})
    assert client.get(url).status_code == 200
    data = {
        f"attendance_{a.pk}": "partial",
        f"hours_{a.pk}": "",
        f"pre_{a.pk}": "6,5",
        f"post_{a.pk}": "",
        f"attendance_{b.pk}": "absent",
        f"hours_{b.pk}": "",
        f"pre_{b.pk}": "",
        f"post_{b.pk}": "9",
    }
    response = client.post(url, data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "hãy ghi số giờ đã tham gia" in body and "không có điểm kiểm tra" in body
    assert 'value="6,5"' in body
    a.refresh_from_db()
    assert a.attendance == Attendance.INVITED  # nothing saved while a row is wrong
    data.update({f"hours_{a.pk}": "30", f"post_{b.pk}": ""})
    assert "nhỏ hơn 24" in client.post(url, data).content.decode()
    data.update({f"hours_{a.pk}": "12", f"post_{a.pk}": "99999999999999999999"})
    assert client.post(url, data).status_code == 400
    data.update({f"post_{a.pk}": "8,25"})
    assert client.post(url, data).status_code == 302
    a.refresh_from_db()
    assert (a.attendance, a.hours_attended, a.post_score) == ("partial", 12, Decimal("8.25"))
    assert AuditEvent.objects.filter(action="trainings.attendance_record").count() == 1


def test_invite_by_username_or_by_name_and_unit_code(world, client):
    training = _training(world)
    client.force_login(world.users["department_officer"])
    url = reverse("participant_add", kwargs={"pk": training.pk})
    response = client.post(url, {"username": "tv.a", "once": _token(client, url)})
    assert response.status_code == 302
    response = client.post(
        url,
        {"full_name": "Nguyễn Thị Hồng Nhung", "unit_code": "01-a", "once": _token(client, url)},
    )
    assert response.status_code == 302
    response = client.post(
        url, {"full_name": "Người ngoài", "unit_code": "38-B", "once": _token(client, url)}
    )
    assert response.status_code == 400 and "Không có đơn vị mã" in response.content.decode()
    # Another province's account and a made-up one read the same: no probing of usernames.
    response = client.post(url, {"username": "tv.b", "once": _token(client, url)})
    other_province = response.content.decode()
    assert "Không có tài khoản “tv.b” trong phạm vi" in other_province
    response = client.post(url, {"username": "khong.co.ai", "once": _token(client, url)})
    assert "Không có tài khoản “khong.co.ai” trong phạm vi" in response.content.decode()
    keys = set(Participant.objects.values_list("person_key", flat=True))
    assert keys == {
        f"u:{world.users['counselor'].pk}",
        f"n:{world.school_a.pk}:nguyen thi hong nhung",
    }


def test_invite_the_programs_designated_staff(world):
    from diemtua.programs.models import DesignatedStaff, Enrolment, Program

    program = Program.objects.create(
        owner=world.ministry, code="thi-diem-2024", title="Thí điểm 2024",
        starts_on=datetime.date(2024, 2, 1), ends_on=datetime.date(2024, 8, 31),
        created_by=world.users["ministry_officer"],
    )  # fmt: skip
    enrolment = Enrolment.objects.create(
        program=program, school=world.school_a, locality=world.dept_a, enrolled_on=JUNE
    )
    DesignatedStaff.objects.create(
        enrolment=enrolment, user=world.users["counselor"], full_name="Tv.A",
        employment="part_time", qualification="psychology", since=datetime.date(2024, 2, 1),
    )  # fmt: skip
    DesignatedStaff.objects.create(
        enrolment=enrolment, full_name="Lê Văn Cũ", employment="part_time",
        qualification="other", since=datetime.date(2023, 9, 1), until=datetime.date(2024, 1, 31),
    )  # fmt: skip
    training = _training(world, program=program)
    officer = world.users["department_officer"]
    assert services.participants_invite_program(actor=officer, training=training) == 1
    with pytest.raises(Exception, match="chưa được mời"):
        services.participants_invite_program(actor=officer, training=training)


# --- Exchanges and the library ------------------------------------------------------------------


def test_exchange_with_schools_by_code_and_lessons(world, client):
    client.force_login(world.users["department_officer"])
    url = reverse("exchange_create")
    data = {
        "owner": world.dept_a.pk, "title": "Trao đổi kinh nghiệm", "held_on": "12/12/2025",
        "mode": "in_person", "school_codes": "01-A, 38-B, XX", "lessons": "Hộp thư",
        "once": _token(client, url),
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 400
    assert "38-B, XX" in response.content.decode()
    data["school_codes"] = "01-a"
    assert client.post(url, data).status_code == 302
    exchange = Exchange.objects.get()
    assert list(exchange.schools.all()) == [world.school_a]
    client.force_login(world.users["counselor"])
    assert client.get(reverse("exchange_detail", kwargs={"pk": exchange.pk})).status_code == 200
    client.force_login(world.users["department_officer_b"])
    assert client.get(reverse("exchange_detail", kwargs={"pk": exchange.pk})).status_code == 404


def _document(world, owner=None, actor=None, **fields):
    values = {
        "title": "Hướng dẫn thực hiện Thông tư 18/2025",
        "category": "guidance",
        "visibility": "subtree",
        "upload": SimpleUploadedFile("huong-dan.pdf", files.pdf()),
        "note": "Bản đầu",
    }
    values.update(fields)
    return library_services.document_create(
        actor=actor or world.users["department_officer"], owner=owner or world.dept_a, **values
    )


def test_library_versions_downloads_and_search_without_diacritics(world, client):
    document = _document(world)
    library_services.version_add(
        actor=world.users["department_officer"],
        document=document,
        upload=SimpleUploadedFile("mau.docx", files.ooxml("docx")),
        note="Sửa mục 3",
    )
    assert list(document.versions.values_list("number", flat=True)) == [2, 1]
    client.force_login(world.users["teacher"])
    body = client.get(reverse("library_list"), {"q": "thong tu 18"}).content.decode()
    assert document.title in body and "mau.docx" in body and "(v2)" in body
    assert (
        document.title
        not in client.get(reverse("library_list"), {"q": "bien ban"}).content.decode()
    )
    version = LibraryVersion.objects.get(number=1)
    response = client.get(reverse("library_download", kwargs={"pk": version.pk}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(action="trainings.document_download").count() == 1
    client.force_login(world.users["department_officer_b"])
    assert client.get(reverse("library_detail", kwargs={"pk": document.pk})).status_code == 404


def test_library_refuses_a_file_by_its_content(world, client):
    client.force_login(world.users["department_officer"])
    url = reverse("library_create")
    response = client.post(
        url,
        {
            "owner": world.dept_a.pk, "title": "Mẫu kế hoạch", "category": "template",
            "visibility": "subtree", "file": SimpleUploadedFile("mau.pdf", files.png()),
            "once": _token(client, url),
        },
    )  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 400 and "nội dung là ảnh PNG" in body
    assert 'value="Mẫu kế hoạch"' in body and not LibraryDocument.objects.exists()


def test_library_scopes_national_and_program(world):
    from django.core.exceptions import ValidationError

    from diemtua.programs.models import Enrolment, Program

    with pytest.raises(ValidationError, match="Chỉ Bộ GD&ĐT"):
        _document(world, visibility="national")
    national = _document(
        world, owner=world.ministry, actor=world.users["ministry_officer"], visibility="national"
    )
    program = Program.objects.create(
        owner=world.ministry, code="p", title="P", starts_on=JUNE, ends_on=JUNE,
        created_by=world.users["ministry_officer"],
    )  # fmt: skip
    Enrolment.objects.create(
        program=program, school=world.school_b, locality=world.dept_b, enrolled_on=JUNE
    )
    scoped = _document(
        world, owner=world.ministry, actor=world.users["ministry_officer"], title="Bài giảng",
        visibility="program", program=program,
    )  # fmt: skip

    def seen(person):
        return set(selectors.library_documents(fetched_by=world.users[person]))

    assert seen("department_officer_b") == {national, scoped}
    assert seen("counselor_b") == {national, scoped}
    assert seen("counselor") == {national}
    assert seen("partner_staff") == set()


def test_list_pages_are_query_bounded(world, client, django_assert_max_num_queries):
    for index in range(8):
        training = _training(world, title=f"Tập huấn {index}")
        _invite(world, training)
        _document(world, title=f"Tài liệu {index}", upload=SimpleUploadedFile("a.pdf", files.pdf()))
    client.force_login(world.users["department_officer"])
    for name in ("training_list", "library_list", "exchange_list", "training_hours"):
        with django_assert_max_num_queries(15):
            assert client.get(reverse(name)).status_code == 200
    training = Training.objects.first()
    with django_assert_max_num_queries(25):
        assert client.get(reverse("training_detail", kwargs={"pk": training.pk})).status_code == 200


def test_bad_parameters_never_500(world, client):
    client.force_login(world.users["ministry_officer"])
    for name in ("training_detail", "exchange_detail", "library_detail", "training_hours_person"):
        assert client.get(reverse(name, kwargs={"pk": 2**70})).status_code == 404
    for query in (
        {"year": "abc"},
        {"year": "99999999999999999999"},
        {"unit": "2" * 30},
        {"page": "x"},
    ):
        assert client.get(reverse("training_hours"), query).status_code == 200
        assert client.get(reverse("training_list"), query).status_code == 200
    assert client.get(reverse("library_list"), {"category": "nope"}).status_code == 200
    assert client.get(reverse("training_verify"), {"code": "x" * 500}).status_code == 200
