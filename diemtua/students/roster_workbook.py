"""Writing class rosters as Excel files: the blank template and the export of one class.

Same columns as the import (roster.COLUMNS), so an exported class re-imports unchanged.
"""

import datetime
import io
import re
import unicodedata
from collections.abc import Iterable

import openpyxl
from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .ethnicities import ETHNICITIES
from .models import Disability, Gender
from .roster import (
    COLUMNS,
    DEFAULT_ETHNICITY,
    EXAMPLE_NAMES,
    FORMULA_STARTS,
    GUIDE_SHEET,
    LISTS_SHEET,
    MAX_ROWS,
    ROSTER_SHEET,
    Rel,
    _vi,
)


def student_values(student) -> list:
    """One student as a roster row, in COLUMNS order (the first guardian only)."""
    guardians = list(student.guardians.all())
    guardian = guardians[0] if guardians else None
    by_key = {
        "national_id": student.national_id or "",
        "full_name": student.full_name,
        "gender": _vi(Gender(student.gender).label),
        "date_of_birth": student.date_of_birth,
        "grade": student.grade,
        "class_name": student.class_name,
        "ethnicity": student.ethnicity,
        "disability": ""
        if student.disability == Disability.NONE
        else _vi(Disability(student.disability).label),
        "guardian_name": guardian.full_name if guardian else "",
        "guardian_relationship": _vi(Rel(guardian.relationship).label) if guardian else "",
        "guardian_phone": guardian.phone if guardian else "",
    }
    return [by_key[column.key] for column in COLUMNS]


def example_values(*, grades: range, today: datetime.date) -> list:
    """A made-up pupil for the template, in a grade the school teaches."""
    grade = grades[0]
    by_key = {
        "national_id": "",
        "full_name": EXAMPLE_NAMES[0],
        "gender": _vi(Gender.MALE.label),
        "date_of_birth": datetime.date(today.year - grade - 6, 9, 5),
        "grade": grade,
        "class_name": f"{grade}A",
        "ethnicity": DEFAULT_ETHNICITY,
        "disability": "",
        "guardian_name": EXAMPLE_NAMES[1],
        "guardian_relationship": _vi(Rel.MOTHER.label),
        "guardian_phone": "0912345678",
    }
    return [by_key[column.key] for column in COLUMNS]


def template_workbook(*, grades: range, today: datetime.date) -> bytes:
    """The empty roster to fill in: headers, one example row, the guide and the lists."""
    return build_workbook([example_values(grades=grades, today=today)])


def build_workbook(rows: Iterable[list]) -> bytes:
    """The roster sheet (header + rows) plus the guide and the lists, as xlsx bytes."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = ROSTER_SHEET
    sheet.append([column.header for column in COLUMNS])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = bold
        cell.fill = fill
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        if column.key in ("national_id", "guardian_phone", "class_name"):
            # Text, so Excel keeps leading zeros of identifiers and phone numbers.
            sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"
    positions = {column.key: index for index, column in enumerate(COLUMNS, start=1)}
    for values in rows:
        sheet.append(values)
        current = sheet.max_row
        for cell in sheet[current]:
            # Stored text is written as text, never as a formula, whatever it starts with.
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                cell.data_type = "s"
        for key in ("national_id", "guardian_phone", "class_name"):
            sheet.cell(row=current, column=positions[key]).number_format = "@"
        sheet.cell(row=current, column=positions["date_of_birth"]).number_format = "DD/MM/YYYY"
    _write_lists(workbook, sheet, positions)
    _write_guide(workbook)
    workbook.move_sheet(GUIDE_SHEET, offset=-1)  # roster first, then the guide, then the lists
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_lists(workbook, sheet, positions: dict[str, int]) -> None:
    lists = workbook.create_sheet(LISTS_SHEET)
    columns = [
        (_("Dân tộc"), list(ETHNICITIES), "ethnicity"),
        (_("Giới tính"), [_vi(label) for _v, label in Gender.choices], "gender"),
        (
            _("Khuyết tật"),
            [_vi(label) for v, label in Disability.choices if v != Disability.NONE],
            "disability",
        ),
        (_("Quan hệ"), [_vi(label) for _v, label in Rel.choices], "guardian_relationship"),
    ]
    for index, (title, values, key) in enumerate(columns, start=1):
        letter = get_column_letter(index)
        lists.cell(row=1, column=index, value=title).font = Font(bold=True)
        lists.column_dimensions[letter].width = 28
        for row, value in enumerate(values, start=2):
            lists.cell(row=row, column=index, value=value)
        # A drop-down in the roster sheet; other spellings stay allowed (warning only).
        validation = DataValidation(
            type="list",
            formula1=f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}",
            allow_blank=True,
            showErrorMessage=False,
        )
        target = get_column_letter(positions[key])
        validation.add(f"{target}2:{target}{MAX_ROWS + 1}")
        sheet.add_data_validation(validation)


def _write_guide(workbook) -> None:
    guide = workbook.create_sheet(GUIDE_SHEET)
    guide.column_dimensions["A"].width = 20
    guide.column_dimensions["B"].width = 12
    guide.column_dimensions["C"].width = 90
    wrap = Alignment(wrap_text=True, vertical="top")
    notes = [
        _("Cách điền danh sách học sinh để nhập vào Điểm Tựa"),
        _("Dòng 1 của trang đầu tiên là dòng tiêu đề: giữ nguyên tên cột; thứ tự cột tùy ý."),
        _("Mỗi dòng tiếp theo là một học sinh. Xóa dòng ví dụ trước khi điền danh sách thật."),
        _(
            "Tối đa %(rows)s học sinh và %(mb)s MB mỗi tệp. Nếu có dòng sai, hệ thống không nhập "
            "dòng nào và chỉ ra từng ô cần sửa."
        )
        % {"rows": MAX_ROWS, "mb": round(settings.DIEMTUA_ROSTER_MAX_BYTES / 1024 / 1024, 1)},
        _(
            "Nhập lại tệp đã sửa không tạo học sinh trùng: học sinh được nhận ra theo mã định "
            "danh, hoặc theo họ tên và ngày sinh khi không có mã."
        ),
        "",
    ]
    for text in notes:
        guide.append([text])
    guide["A1"].font = Font(bold=True, size=13)
    guide.append([_("Cột"), _("Bắt buộc"), _("Cách điền")])
    header_row = guide.max_row
    for cell in guide[header_row]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        guide.append([column.header, _("Có") if column.required else _("Không"), str(column.help)])
        for cell in guide[guide.max_row]:
            cell.alignment = wrap


def _ascii(text: str) -> str:
    """Letters, digits and dashes only, case kept: safe in a download's file name."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-")


def export_filename(*, class_name: str, school_code: str) -> str:
    """lop-6A-<school code>.xlsx"""
    parts = ["lop", _ascii(class_name) or "x", _ascii(school_code)]
    return "-".join(part for part in parts if part) + ".xlsx"
