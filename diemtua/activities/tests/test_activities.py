import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from diemtua.accounts import services as account_services
from diemtua.accounts.roles import Role
from diemtua.activities import services
from diemtua.activities.models import Activity, Attachment
from diemtua.audit.models import AuditEvent
from diemtua.cases.models import ContentGroup
from diemtua.cases.reference import load_content_groups
from diemtua.orgs import services as org_services
from diemtua.orgs.models import OrgKind, SchoolLevel

from . import files

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def uploads_root(settings, tmp_path):
    """Uploaded files go to a temporary folder, outside STATIC_ROOT like the real one."""
    root = tmp_path / "uploads"
    settings.DIEMTUA_UPLOAD_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "uploads": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root, "base_url": None},
        },
    }
    return root


@pytest.fixture
def groups(db):
    load_content_groups()
    return {g.code: g for g in ContentGroup.objects.all()}


def _activity(world, unit=None, actor=None, **fields):
    values = {
        "kind": "thematic_talk",
        "title": "Chuyên đề: Phòng chống bạo lực học đường",
        "held_on": TODAY,
        "male_count": 40,
        "female_count": 45,
    }
    values.update(fields)
    return services.activity_create(
        actor=actor or world.users["counselor"], org_unit=unit or world.school_a, **values
    )


def _token(client, url) -> str:
    page = client.get(url).content.decode()
    return re.search(r'name="once" value="([0-9a-f]{32})"', page).group(1)


def _form(world, client, **extra):
    data = {
        "org_unit": world.school_a.pk,
        "kind": "thematic_talk",
        "title": "Chuyên đề: Sức khỏe tâm thần tuổi học trò",
        "held_on": TODAY.strftime("%d/%m/%Y"),
        "target_group": "students",
        "male_count": "60",
        "female_count": "70",
        "lower_secondary_count": "130",
        "once": _token(client, reverse("activity_create")),
    }
    data.update(extra)
    return data


# --- Recording --------------------------------------------------------------------------------


def test_counselor_records_an_activity_with_several_files(world, client, groups, uploads_root):
    client.force_login(world.users["counselor"])
    data = _form(world, client, content_groups=[groups["tt18_psychology"].pk])
    data["files"] = [files.upload("anh-1.png", files.png()), files.upload("slide.pdf", files.pdf())]
    response = client.post(reverse("activity_create"), data)
    activity = Activity.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("activity_detail", kwargs={"pk": activity.pk})
    assert activity.participants == 130 and activity.org_unit == world.school_a
    assert list(activity.content_groups.all()) == [groups["tt18_psychology"]]
    stored = {a.original_name: a for a in activity.attachments.all()}
    assert set(stored) == {"anh-1.png", "slide.pdf"}
    assert stored["anh-1.png"].content_type == "image/png"
    # Random names in the uploads storage: not the name the person gave.
    for attachment in stored.values():
        path = uploads_root / attachment.stored_name
        assert path.exists() and attachment.original_name not in attachment.stored_name
    event = AuditEvent.objects.get(action="activities.activity_create")
    assert event.extra["attachments"] == sorted(a.pk for a in stored.values())
    page = client.get(reverse("activity_detail", kwargs={"pk": activity.pk})).content.decode()
    assert "anh-1.png" in page and TODAY.strftime("%d/%m/%Y") in page


def test_a_photo_named_pdf_is_refused_and_the_form_keeps_what_was_typed(world, client):
    client.force_login(world.users["counselor"])
    data = _form(world, client, title="Họp phụ huynh khối 6", description="Ghi chú đã gõ")
    data["files"] = [files.upload("bien-ban.pdf", files.png())]
    response = client.post(reverse("activity_create"), data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "Tệp “bien-ban.pdf” có đuôi .pdf nhưng nội dung là ảnh PNG" in body
    assert 'value="Họp phụ huynh khối 6"' in body and "Ghi chú đã gõ" in body
    assert "hãy chọn lại tệp" in body
    assert not Activity.objects.exists() and not Attachment.objects.exists()


def test_a_text_file_named_docx_is_refused(world, client):
    client.force_login(world.users["counselor"])
    data = _form(world, client)
    data["files"] = [files.upload("ke-hoach.docx", b"day chi la van ban thuong")]
    response = client.post(reverse("activity_create"), data)
    assert response.status_code == 400
    assert "“ke-hoach.docx” không phải là văn bản Word hợp lệ" in response.content.decode()
    assert not Activity.objects.exists()


def test_an_oversize_file_is_refused_with_the_limit(world, client, settings, uploads_root):
    settings.DIEMTUA_UPLOAD_MAX_MB = 1
    client.force_login(world.users["counselor"])
    data = _form(world, client)
    data["files"] = [files.upload("anh-lon.png", files.png() + b"\x00" * (1024 * 1024 + 10))]
    response = client.post(reverse("activity_create"), data)
    assert response.status_code == 400
    assert "“anh-lon.png” nặng 1,0 MB, vượt giới hạn 1 MB" in response.content.decode()
    assert not Activity.objects.exists()
    assert not uploads_root.exists() or not any(uploads_root.rglob("*.png"))


def test_bad_numbers_and_dates_are_refused_keeping_the_input(world, client):
    client.force_login(world.users["counselor"])
    data = _form(world, client, male_count="-3", title="Câu lạc bộ Kỹ năng sống")
    response = client.post(reverse("activity_create"), data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "Số người không thể âm" in body and 'value="-3"' in body
    assert 'value="Câu lạc bộ Kỹ năng sống"' in body

    data = _form(
        world,
        client,
        kind="club",
        held_on="15/10/2025",
        end_on="01/10/2025",
        title="Câu lạc bộ Kỹ năng sống",
    )
    body = client.post(reverse("activity_create"), data).content.decode()
    assert "Ngày kết thúc (01/10/2025) không được trước ngày bắt đầu (15/10/2025)." in body
    assert 'value="01/10/2025"' in body  # the date as typed

    data = _form(world, client, male_count="10", female_count="5", lower_secondary_count="40")
    body = client.post(reverse("activity_create"), data).content.decode()
    assert "Tổng số học sinh theo cấp học (40) không được lớn hơn tổng số người" in body

    # School A is a lower-secondary school: it has no primary pupils.
    data = _form(world, client, lower_secondary_count="0", primary_count="20")
    body = client.post(reverse("activity_create"), data).content.decode()
    assert "là trường trung học cơ sở: chỉ ghi số học sinh của cấp học này" in body

    data = _form(world, client, reach="500", reach_measure="views")
    body = client.post(reverse("activity_create"), data).content.decode()
    assert "Lượt tiếp cận chỉ ghi cho hoạt động truyền thông." in body

    data = _form(world, client, held_on="31/02/2026")
    body = client.post(reverse("activity_create"), data).content.decode()
    assert "Hãy nhập ngày theo dạng dd/mm/yyyy." in body
    assert not Activity.objects.exists()


def test_content_groups_must_be_of_the_regulation_in_force(world, client, groups):
    client.force_login(world.users["counselor"])
    data = _form(world, client, content_groups=[groups["tt31_skills_violence"].pk])
    body = client.post(reverse("activity_create"), data).content.decode()
    assert "không áp dụng cho ngày" in body and "Thông tư 31/2017" in body
    data = _form(
        world, client, held_on="04/03/2024", content_groups=[groups["tt31_skills_violence"].pk]
    )
    assert client.post(reverse("activity_create"), data).status_code == 302


def test_a_double_submission_saves_once(world, client):
    client.force_login(world.users["counselor"])
    data = _form(world, client)
    first = client.post(reverse("activity_create"), data)
    second = client.post(reverse("activity_create"), data, follow=True)
    assert first.status_code == 302
    assert Activity.objects.count() == 1
    assert "đã được lưu (gửi hai lần)" in second.content.decode()


def test_a_campaign_records_its_reach(world, client):
    client.force_login(world.users["counselor"])
    data = _form(
        world,
        client,
        kind="campaign_radio",
        title="Phát thanh măng non",
        held_on="02/11/2026",
        end_on="30/11/2026",
        male_count="0",
        female_count="0",
        lower_secondary_count="0",
        reach="800",
        reach_measure="listeners",
    )
    assert client.post(reverse("activity_create"), data).status_code == 302
    activity = Activity.objects.get()
    assert activity.reach == 800 and activity.end_on == datetime.date(2026, 11, 30)


# --- Who may do what --------------------------------------------------------------------------


def test_a_teacher_records_class_activities_and_changes_only_their_own(world, client):
    teacher = world.users["teacher"]
    client.force_login(teacher)
    data = _form(world, client, kind="thematic_talk")
    body = client.post(reverse("activity_create"), data).content.decode()
    assert "Giáo viên ghi được tiết học, sinh hoạt lớp và họp cha mẹ học sinh." in body
    data = _form(world, client, kind="class_activity", title="Sinh hoạt lớp 6A")
    assert client.post(reverse("activity_create"), data).status_code == 302
    own = Activity.objects.get(title="Sinh hoạt lớp 6A")
    assert client.get(reverse("activity_edit", kwargs={"pk": own.pk})).status_code == 200
    counselors = _activity(world)
    assert client.get(reverse("activity_detail", kwargs={"pk": counselors.pk})).status_code == 200
    assert client.get(reverse("activity_edit", kwargs={"pk": counselors.pk})).status_code == 403
    response = client.post(reverse("activity_delete", kwargs={"pk": counselors.pk}))
    assert response.status_code == 403
    assert Activity.objects.filter(pk=counselors.pk).exists()


def test_officers_see_their_subtree_read_only_and_record_their_own(world, client):
    school_activity = _activity(world)
    officer = world.users["department_officer"]
    client.force_login(officer)
    detail = reverse("activity_detail", kwargs={"pk": school_activity.pk})
    assert client.get(detail).status_code == 200
    assert (
        client.get(reverse("activity_edit", kwargs={"pk": school_activity.pk})).status_code == 403
    )
    data = _form(world, client, org_unit=world.dept_a.pk, kind="forum", lower_secondary_count="0")
    data["title"] = "Diễn đàn cấp Sở"
    assert client.post(reverse("activity_create"), data).status_code == 302
    forum = Activity.objects.get(title="Diễn đàn cấp Sở")
    assert forum.org_unit == world.dept_a
    # The school's people do not reach what the Department organised; nor does province B.
    client.force_login(world.users["counselor"])
    assert client.get(reverse("activity_detail", kwargs={"pk": forum.pk})).status_code == 404
    client.force_login(world.users["department_officer_b"])
    assert client.get(detail).status_code == 404
    # An officer cannot record for a school (or another unit) by posting its pk.
    client.force_login(officer)
    data = _form(world, client, org_unit=world.school_a.pk)
    assert client.post(reverse("activity_create"), data).status_code == 400
    assert Activity.objects.count() == 2


def test_refusals_are_audited(world, client):
    activity = _activity(world)
    client.force_login(world.users["counselor_b"])
    assert client.get(reverse("activity_detail", kwargs={"pk": activity.pk})).status_code == 404
    client.force_login(world.users["system_admin"])
    assert client.get(reverse("activity_detail", kwargs={"pk": activity.pk})).status_code == 403
    answers = sorted(
        e.extra["answer"] for e in AuditEvent.objects.filter(action="activities.access_refused")
    )
    assert answers == [403, 404]


def test_lists_show_only_what_the_user_may_see(world, client):
    ours = _activity(world, title="Sinh hoạt dưới cờ trường A", kind="flag_ceremony")
    theirs = _activity(
        world,
        unit=world.school_b,
        actor=world.users["counselor_b"],
        title="Sinh hoạt dưới cờ trường B",
        kind="flag_ceremony",
    )
    for person, expected in [
        ("counselor", {ours.pk}),
        ("teacher", {ours.pk}),
        ("commune_officer", {ours.pk}),
        ("department_officer_b", {theirs.pk}),
        ("ministry_officer", {ours.pk, theirs.pk}),
    ]:
        client.force_login(world.users[person])
        page = client.get(reverse("activity_list")).context["page"]
        assert {a.pk for a in page} == expected, person
    client.force_login(world.users["partner_staff"])
    assert client.get(reverse("activity_list")).status_code == 403


def test_search_ignores_diacritics(world, client):
    _activity(world, title="Chuyên đề: Bạo lực học đường")
    _activity(world, title="Câu lạc bộ Kỹ năng sống", kind="club")
    client.force_login(world.users["counselor"])
    for query in ("bao luc hoc duong", "BẠO LỰC", "bạo luc"):
        page = client.get(reverse("activity_list"), {"q": query}).context["page"]
        assert [a.title for a in page] == ["Chuyên đề: Bạo lực học đường"], query
    page = client.get(reverse("activity_list"), {"kind": "club"}).context["page"]
    assert [a.title for a in page] == ["Câu lạc bộ Kỹ năng sống"]
    # Unreadable filters are ignored, never a 500.
    response = client.get(reverse("activity_list"), {"date_from": "99/99/9999", "unit": "x" * 30})
    assert response.status_code == 200


# --- Attachments ------------------------------------------------------------------------------


def _with_file(world, name="anh.png", content=None):
    return _activity(world, files=[files.upload(name, content or files.png())])


def test_a_download_is_audited_and_served_safely(world, client):
    activity = _with_file(world)
    attachment = activity.attachments.get()
    client.force_login(world.users["commune_officer"])
    response = client.get(reverse("attachment_download", kwargs={"pk": attachment.pk}))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == files.png()
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    event = AuditEvent.objects.get(action="activities.attachment_download")
    assert event.actor_id == world.users["commune_officer"].pk
    assert event.object_id == str(attachment.pk)


def test_a_download_is_refused_like_its_activity(world, client):
    attachment = _with_file(world).attachments.get()
    url = reverse("attachment_download", kwargs={"pk": attachment.pk})
    for person, status in [("counselor_b", 404), ("partner_staff", 404), ("system_admin", 403)]:
        client.force_login(world.users[person])
        assert client.get(url).status_code == status, person
    assert not AuditEvent.objects.filter(action="activities.attachment_download").exists()


def test_files_are_outside_the_web_root_and_no_url_serves_them(world, client, uploads_root):
    attachment = _with_file(world).attachments.get()
    path = (uploads_root / attachment.stored_name).resolve()
    assert path.exists()
    static_root = Path(django_settings.STATIC_ROOT).resolve()
    assert static_root not in path.parents
    # The real setting too: var/uploads, not under STATIC_ROOT or the static sources.
    default_root = Path(django_settings.BASE_DIR / "var" / "uploads").resolve()
    assert static_root not in default_root.parents
    client.force_login(world.users["counselor"])
    for prefix in ("/", "/static/", "/media/", "/uploads/"):
        assert client.get(prefix + attachment.stored_name).status_code == 404


def test_deleting_is_confirmed_audited_and_removes_the_files(
    world, client, uploads_root, django_capture_on_commit_callbacks
):
    activity = _with_file(world)
    attachment = activity.attachments.get()
    path = uploads_root / attachment.stored_name
    client.force_login(world.users["school_lead"])
    confirm = client.get(reverse("attachment_delete", kwargs={"pk": attachment.pk}))
    assert confirm.status_code == 200 and "anh.png" in confirm.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("attachment_delete", kwargs={"pk": attachment.pk}))
    assert response.status_code == 302 and not path.exists()
    assert AuditEvent.objects.filter(action="activities.attachment_delete").count() == 1

    second = services.activity_update(
        actor=world.users["counselor"],
        activity=activity,
        files=[files.upload("bai.pptx", files.ooxml("pptx"))],
    ).attachments.get()
    path = uploads_root / second.stored_name
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("activity_delete", kwargs={"pk": activity.pk}))
    assert response.status_code == 302
    assert not Activity.objects.exists() and not path.exists()
    event = AuditEvent.objects.get(action="activities.activity_delete")
    assert event.extra == {"kind": "thematic_talk", "attachments": 1}


def test_editing_is_audited_with_what_changed(world, client):
    activity = _activity(world)
    client.force_login(world.users["counselor"])
    url = reverse("activity_edit", kwargs={"pk": activity.pk})
    data = {
        "kind": "thematic_talk",
        "title": "Chuyên đề đã sửa",
        "held_on": TODAY.isoformat(),
        "target_group": "students",
        "male_count": "41",
        "female_count": "45",
        "once": _token(client, url),
        "files": [files.upload("anh.webp", files.webp())],
    }
    assert client.post(url, data).status_code == 302
    activity.refresh_from_db()
    assert activity.title == "Chuyên đề đã sửa" and activity.search_title == "chuyen de da sua"
    event = AuditEvent.objects.get(action="activities.activity_update")
    assert event.extra["changed"] == ["male_count", "title"]
    assert len(event.extra["attachments"]) == 1


# --- Calendar and totals ----------------------------------------------------------------------


def test_the_calendar_places_each_activity_on_its_day(world, client):
    talk = _activity(world, held_on=datetime.date(2026, 10, 10), title="Ngày Sức khỏe tâm thần")
    campaign = _activity(
        world,
        kind="campaign_social",
        title="Chiến dịch trên Fanpage",
        held_on=datetime.date(2026, 9, 20),
        end_on=datetime.date(2026, 10, 20),
        male_count=0,
        female_count=0,
        reach=3000,
        reach_measure="views",
    )
    client.force_login(world.users["counselor"])
    response = client.get(reverse("activity_calendar"), {"month": "2026-10"})
    assert response.status_code == 200
    weeks = response.context["weeks"]
    placed = {d.date: [a.pk for a in d.activities] for week in weeks for d in week}
    assert placed[datetime.date(2026, 10, 10)] == [talk.pk]
    assert sum(len(v) for v in placed.values()) == 1
    assert weeks[0][0].date == datetime.date(2026, 9, 28)  # weeks start on Monday
    assert [a.pk for a in response.context["ongoing"]] == [campaign.pk]
    body = response.content.decode()
    assert "Tháng 10/2026" in body and "?month=2026-09" in body and "?month=2026-11" in body
    assert 'data-date="10/10/2026"' in body
    september = client.get(reverse("activity_calendar"), {"month": "2026-09"}).context["weeks"]
    assert [a.pk for w in september for d in w for a in d.activities] == [campaign.pk]
    # A month nobody can read falls back to this month.
    assert client.get(reverse("activity_calendar"), {"month": "2026-13"}).status_code == 200


def _school(world, n):
    school = org_services.org_unit_create(
        actor=None,
        kind=OrgKind.SCHOOL,
        name=f"Trường THCS số {n}",
        code=f"01-T{n}",
        parent=world.commune_a,
        commune=world.commune_a,
        school_level=SchoolLevel.LOWER_SECONDARY,
    )
    counselor = account_services.user_create(
        actor=None, username=f"tv.t{n}", full_name=f"Cán bộ {n}", password=None
    )
    account_services.membership_grant(
        actor=None, user=counselor, org_unit=school, role=Role.COUNSELOR
    )
    _activity(world, unit=school, actor=counselor, male_count=n, female_count=n)
    return school


def test_totals_per_school_are_right_and_query_bounded(
    world, client, django_assert_max_num_queries
):
    day = datetime.date(2026, 10, 5)
    _activity(world, held_on=day, male_count=10, female_count=12)
    _activity(world, held_on=day, kind="club", male_count=5, female_count=7)
    _activity(
        world, held_on=day, kind="campaign_radio", male_count=0, female_count=0, reach=900,
        reach_measure="listeners",
    )  # fmt: skip
    _activity(world, held_on=datetime.date(2025, 10, 5))  # last school year: not counted
    _activity(world, unit=world.school_b, actor=world.users["counselor_b"], held_on=day)
    _activity(world, unit=world.dept_a, actor=world.users["department_officer"], held_on=day,
              kind="forum", male_count=30, female_count=30)  # fmt: skip
    client.force_login(world.users["department_officer"])
    query = {"date_from": "2026-09-01", "date_to": "2027-08-31"}
    response = client.get(reverse("activity_totals"), query)
    rows = {r["school"].code: r for r in response.context["rows"]}
    assert set(rows) == {"01-A"}  # province B's school is not in the subtree
    row = rows["01-A"]
    assert (row["total"], row["talks"], row["clubs"], row["campaigns"]) == (3, 1, 1, 1)
    assert (row["male"], row["female"], row["participants"], row["reach"]) == (15, 19, 34, 900)
    assert response.context["above"]["talks"] == 1  # the Department's forum
    assert response.context["overall"]["participants"] == 94

    # Adding schools adds rows, not queries.
    for n in range(1, 4):
        _school(world, n)
    client.get(reverse("activity_totals"), query)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("activity_totals"), query)
    for n in range(4, 30):
        _school(world, n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("activity_totals"), {**query, "sort": "-participants"})
    codes = [r["school"].code for r in response.context["rows"]]
    assert codes[:2] == ["01-T29", "01-T28"] and len(codes) == 30


def test_a_school_lead_sees_their_schools_totals_and_a_teacher_does_not(world, client):
    _activity(world)
    client.force_login(world.users["school_lead"])
    response = client.get(reverse("activity_totals"))
    assert [r["school"] for r in response.context["rows"]] == [world.school_a]
    assert response.context["rows"][0]["total"] == 1
    bad = client.get(reverse("activity_totals"), {"date_from": "2026-10-01", "date_to": "2026-09"})
    assert bad.status_code == 400 and "dd/mm/yyyy" in bad.content.decode()
    client.force_login(world.users["teacher"])
    assert client.get(reverse("activity_totals")).status_code == 403


def test_the_menu_links_activities_for_the_roles_that_see_them(world, client):
    for person, shown in [
        ("teacher", True),
        ("department_officer", True),
        ("partner_staff", False),
    ]:
        client.force_login(world.users[person])
        body = client.get(reverse("home")).content.decode()
        assert (f'href="{reverse("activity_list")}"' in body) is shown, person
