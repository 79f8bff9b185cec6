import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from diemtua.activities.tests import files
from diemtua.audit.models import AuditEvent
from diemtua.funding import services
from diemtua.funding.models import BudgetAttachment, BudgetLine
from diemtua.orgs import services as org_services
from diemtua.orgs.models import OrgKind
from diemtua.programs.models import Program, ProgramLocality

YEAR = timezone.localdate().year


@pytest.fixture(autouse=True)
def uploads_root(settings, tmp_path):
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


def _line(world, unit=None, actor=None, **fields):
    values = {
        "fiscal_year": YEAR,
        "source": "state",
        "purpose": "training",
        "title": "Tập huấn cán bộ tư vấn",
        "planned": Decimal(100_000_000),
        "committed": Decimal(80_000_000),
        "spent": Decimal(50_000_000),
    }
    values.update(fields)
    return services.budget_line_create(
        actor=actor or world.users["department_officer"], unit=unit or world.dept_a, **values
    )


def _form(**extra):
    data = {
        "fiscal_year": str(YEAR),
        "title": "Truyền thông phòng chống bạo lực học đường",
        "source": "mobilised",
        "source_detail": "nguồn tài trợ",
        "purpose": "communication",
        "planned": "150.000.000",
        "committed": "120 000 000",
        "spent": "60000000 đ",
        "over_reason": "",
        "note": "",
        "program": "",
    }
    data.update(extra)
    return data


def test_officer_records_a_line_with_amounts_typed_the_vietnamese_way(world, client):
    client.force_login(world.users["department_officer"])
    data = _form(unit=world.dept_a.pk, files=[SimpleUploadedFile("du-toan.pdf", files.pdf())])
    response = client.post(reverse("budget_line_create"), data)
    assert response.status_code == 302
    line = BudgetLine.objects.get()
    assert (line.planned, line.committed, line.spent) == (150_000_000, 120_000_000, 60_000_000)
    assert line.unit == world.dept_a and line.spent_percent == 40
    assert line.attachments.get().file_kind == "pdf"
    event = AuditEvent.objects.get(action="funding.budget_line_create")
    assert event.extra["amounts"] == {
        "planned": "150000000",
        "committed": "120000000",
        "spent": "60000000",
    }


def test_over_commitment_needs_a_reason_and_the_form_keeps_what_was_typed(world, client):
    client.force_login(world.users["department_officer"])
    url = reverse("budget_line_create")
    response = client.post(url, _form(unit=world.dept_a.pk, committed="200.000.000"))
    assert response.status_code == 400
    assert "lớn hơn dự toán" in response.content.decode()
    assert 'value="200.000.000"' in response.content.decode()
    assert not BudgetLine.objects.exists()
    response = client.post(
        url,
        _form(
            unit=world.dept_a.pk,
            committed="200.000.000",
            over_reason="Dự toán bổ sung chờ phê duyệt",
        ),
    )
    assert response.status_code == 302
    assert BudgetLine.objects.get().is_over


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("planned", "-5", "không được âm"),
        ("planned", "9" * 40, "quá lớn"),
        ("planned", "abc", "bằng chữ số"),
        ("fiscal_year", "99999999999999999999", "không hợp lệ"),
        ("fiscal_year", "1990", "2015"),
        ("program", "99999999999999999999999", "Select a valid choice"),
    ],
)
def test_bad_input_comes_back_with_a_message_never_a_500(world, client, field, value, message):
    client.force_login(world.users["department_officer"])
    response = client.post(
        reverse("budget_line_create"), _form(unit=world.dept_a.pk, **{field: value})
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert message in content or "Hãy chọn" in content or "lựa chọn" in content


def test_a_change_of_amounts_is_audited_old_and_new(world, client):
    line = _line(world)
    client.force_login(world.users["department_officer"])
    url = reverse("budget_line_edit", args=[line.pk])
    data = _form(
        title=line.title, source="state", purpose="training", planned="100.000.000",
        committed="90.000.000", spent="85.000.000",
    )  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302
    event = AuditEvent.objects.filter(action="funding.budget_line_update").get()
    assert event.extra["amounts"] == {
        "committed": ["80000000", "90000000"],
        "spent": ["50000000", "85000000"],
    }
    page = client.get(reverse("budget_line_detail", args=[line.pk])).content.decode()
    assert "80.000.000 → 90.000.000" in page


def test_who_sees_and_changes_a_school_line(world, client):
    line = _line(world, unit=world.school_a, actor=world.users["school_lead"], purpose="equipment")
    detail = reverse("budget_line_detail", args=[line.pk])
    edit = reverse("budget_line_edit", args=[line.pk])
    expected = {
        "school_lead": (200, 200),
        "commune_officer": (200, 403),
        "department_officer": (200, 403),
        "ministry_officer": (200, 403),
        "counselor": (403, 403),
        "teacher": (403, 403),
        "department_officer_b": (404, 404),
        "counselor_b": (404, 404),
        "partner_staff": (404, 404),
        "system_admin": (403, 403),
    }
    for person, (see, change) in expected.items():
        client.force_login(world.users[person])
        assert client.get(detail).status_code == see, person
        assert client.get(edit).status_code == change, person
    refusals = AuditEvent.objects.filter(action="funding.access_refused")
    assert refusals.filter(extra__answer=404).exists()
    assert refusals.filter(extra__answer=403).exists()


def test_counselors_and_teachers_get_403_on_the_table(world, client):
    for person in ("counselor", "teacher", "partner_staff"):
        client.force_login(world.users[person])
        assert client.get(reverse("budget_table")).status_code == 403
        assert client.get(reverse("budget_line_create")).status_code == 403


def test_another_province_sees_nothing_of_ours(world, client):
    ours = _line(world)
    theirs = _line(world, unit=world.dept_b, actor=world.users["department_officer_b"],
                   title="Kinh phí Thanh Hóa")  # fmt: skip
    client.force_login(world.users["department_officer_b"])
    page = client.get(reverse("budget_table")).content.decode()
    assert "Kinh phí Thanh Hóa" in page and ours.title not in page
    assert client.get(reverse("budget_line_detail", args=[ours.pk])).status_code == 404
    client.force_login(world.users["ministry_officer"])
    page = client.get(reverse("budget_table")).content.decode()
    assert ours.title in page and theirs.title in page


def test_a_merged_units_lines_pass_to_its_successor(world, client):
    old = org_services.org_unit_create(
        actor=None, kind=OrgKind.DEPARTMENT, name="Sở GD&ĐT Hà Giang", code="02",
        parent=world.ministry,
    )  # fmt: skip
    line = BudgetLine.objects.create(
        unit=old, fiscal_year=2024, source="state", purpose="equipment", title="Phòng tư vấn",
        planned=150, committed=100, spent=100, created_by=world.users["ministry_officer"],
    )  # fmt: skip
    org_services.org_unit_end(
        actor=None, unit=old, valid_to=datetime.date(2025, 6, 30), successor=world.dept_a
    )
    client.force_login(world.users["department_officer"])
    assert client.get(reverse("budget_line_detail", args=[line.pk])).status_code == 200
    assert "Phòng tư vấn" in client.get(reverse("budget_table")).content.decode()
    client.force_login(world.users["department_officer_b"])
    assert client.get(reverse("budget_line_detail", args=[line.pk])).status_code == 404


def test_totals_by_source_and_purpose_and_filters(world, client):
    _line(world, planned=Decimal(100), committed=Decimal(100), spent=Decimal(50))
    _line(world, source="mobilised", purpose="communication", title="Truyền thông",
          planned=Decimal(300), committed=Decimal(0), spent=Decimal(0))  # fmt: skip
    _line(world, fiscal_year=YEAR - 1, title="Năm trước", planned=Decimal(7),
          committed=Decimal(7), spent=Decimal(7))  # fmt: skip
    client.force_login(world.users["department_officer"])
    response = client.get(reverse("budget_table"), {"year": YEAR})
    totals = response.context["totals"]
    assert totals["overall"]["planned"] == 400 and totals["overall"]["spent"] == 50
    assert totals["overall"]["percent"] == 12
    assert {r["code"]: r["planned"] for r in totals["by_source"]} == {
        "state": 100,
        "mobilised": 300,
    }
    assert {r["code"]: r["spent"] for r in totals["by_purpose"]} == {
        "training": 50,
        "communication": 0,
    }
    only_state = client.get(reverse("budget_table"), {"year": YEAR, "source": "state"})
    assert only_state.context["totals"]["overall"]["planned"] == 100
    searched = client.get(reverse("budget_table"), {"q": "truyen thong"})
    assert searched.context["totals"]["overall"]["lines"] == 1


@pytest.mark.parametrize(
    "query",
    [
        {"year": "abc"},
        {"year": "999999999999999999999999"},
        {"program": "99999999999999999999999"},
        {"unit": "-1"},
        {"page": "x"},
        {"source": "nope"},
    ],
)
def test_bad_filters_are_ignored_never_a_500(world, client, query):
    _line(world)
    client.force_login(world.users["department_officer"])
    assert client.get(reverse("budget_table"), query).status_code == 200
    assert client.get(reverse("budget_export"), query).status_code == 200


def test_table_queries_are_bounded(world, client, django_assert_max_num_queries):
    program = Program.objects.create(
        owner=world.ministry, code="p", title="Thí điểm", starts_on=datetime.date(YEAR, 1, 1),
        ends_on=datetime.date(YEAR, 12, 31), created_by=world.users["ministry_officer"],
    )  # fmt: skip
    ProgramLocality.objects.create(program=program, unit=world.dept_a)
    for index in range(30):
        _line(world, title=f"Dòng {index}", program=program)
    client.force_login(world.users["department_officer"])
    with django_assert_max_num_queries(20):
        assert client.get(reverse("budget_table")).status_code == 200


def test_a_program_the_unit_is_not_in_is_refused(world, client):
    program = Program.objects.create(
        owner=world.dept_b, code="tt", title="Kế hoạch Thanh Hóa",
        starts_on=datetime.date(YEAR, 1, 1), ends_on=datetime.date(YEAR, 12, 31),
        created_by=world.users["department_officer_b"],
    )  # fmt: skip
    with pytest.raises(services.ValidationError) as error:
        _line(world, program=program)
    assert "program" in error.value.message_dict


def test_export_is_a_workbook_with_totals_and_is_audited(world, client):
    _line(world)
    client.force_login(world.users["department_officer"])
    response = client.get(reverse("budget_export"))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "Dòng kinh phí"
    sheet = book.active
    assert sheet.cell(row=2, column=4).value == "Tập huấn cán bộ tư vấn"
    assert sheet.cell(row=3, column=8).value == 100_000_000
    assert AuditEvent.objects.filter(action="funding.budget_export").count() == 1


def test_attachments_checked_by_content_downloaded_with_audit(world, client):
    line = _line(world)
    client.force_login(world.users["department_officer"])
    url = reverse("budget_line_edit", args=[line.pk])
    data = _form(title=line.title, source="state", purpose="training", planned="100000000",
                 committed="80000000", spent="50000000")  # fmt: skip
    renamed = SimpleUploadedFile("hop-dong.pdf", files.png())
    response = client.post(url, {**data, "files": [renamed]})
    assert response.status_code == 400 and "nội dung là" in response.content.decode()
    good = SimpleUploadedFile("quyet-toan.xlsx", files.ooxml("xlsx"))
    assert client.post(url, {**data, "files": [good]}).status_code == 302
    attachment = BudgetAttachment.objects.get()
    download = reverse("budget_attachment_download", args=[attachment.pk])
    response = client.get(download)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert AuditEvent.objects.filter(action="funding.attachment_download").count() == 1
    client.force_login(world.users["department_officer_b"])
    assert client.get(download).status_code == 404
    client.force_login(world.users["ministry_officer"])
    delete = reverse("budget_attachment_delete", args=[attachment.pk])
    assert client.post(delete).status_code == 403
    client.force_login(world.users["department_officer"])
    assert client.post(delete).status_code == 302
    assert not BudgetAttachment.objects.exists()


def test_the_same_form_sent_twice_saves_once(world, client):
    client.force_login(world.users["department_officer"])
    url = reverse("budget_line_create")
    page = client.get(url).content.decode()
    token = page.split('name="once" value="')[1].split('"')[0]
    data = _form(unit=world.dept_a.pk, once=token)
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert BudgetLine.objects.count() == 1


def test_wrong_methods(world, client):
    line = _line(world)
    client.force_login(world.users["department_officer"])
    assert client.post(reverse("budget_table")).status_code == 405
    assert client.post(reverse("budget_line_detail", args=[line.pk])).status_code == 405
    assert client.delete(reverse("budget_line_edit", args=[line.pk])).status_code == 405
