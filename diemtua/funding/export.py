"""The budget table as an Excel workbook: the lines, then totals by source, purpose and unit."""

import openpyxl
from django.utils.translation import gettext as _
from django.utils.translation import override
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from diemtua.core import spreadsheet

MONEY = "#,##0"


def _header(sheet, row: int, labels) -> None:
    for column, label in enumerate(labels, start=1):
        cell = sheet.cell(row=row, column=column, value=str(label))
        cell.font = Font(bold=True)


def _totals_sheet(sheet, title: str, rows) -> None:
    sheet.title = title[:31]
    _header(sheet, 1, [title, _("Dự toán"), _("Đã cam kết"), _("Đã chi"), _("% đã chi")])
    for index, row in enumerate(rows, start=2):
        sheet.cell(row=index, column=1, value=str(row["label"]))
        for column, field in enumerate(("planned", "committed", "spent"), start=2):
            sheet.cell(row=index, column=column, value=int(row[field])).number_format = MONEY
        sheet.cell(row=index, column=5, value=row["percent"])
    sheet.column_dimensions["A"].width = 50
    for column in range(2, 6):
        sheet.column_dimensions[get_column_letter(column)].width = 18


def build_workbook(lines, totals) -> bytes:
    with override("vi"):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = _("Dòng kinh phí")
        headers = [
            _("Năm"), _("Đơn vị"), _("Chương trình"), _("Nội dung"), _("Nguồn"),
            _("Chi tiết nguồn"), _("Mục đích"), _("Dự toán (đồng)"), _("Đã cam kết (đồng)"),
            _("Đã chi (đồng)"), _("% đã chi"), _("Lý do vượt"), _("Ghi chú"),
        ]  # fmt: skip
        _header(sheet, 1, headers)
        row = 1
        for line in lines:
            row += 1
            values = [
                line.fiscal_year,
                line.unit.name,
                line.program.title if line.program else "",
                line.title,
                str(line.get_source_display()),
                line.source_detail,
                str(line.get_purpose_display()),
                int(line.planned),
                int(line.committed),
                int(line.spent),
                line.spent_percent,
                line.over_reason,
                line.note,
            ]
            for column, value in enumerate(values, start=1):
                cell = sheet.cell(row=row, column=column, value=value)
                if 8 <= column <= 10:
                    cell.number_format = MONEY
        row += 1
        sheet.cell(row=row, column=1, value=_("Tổng cộng")).font = Font(bold=True)
        overall = totals["overall"]
        for column, field in ((8, "planned"), (9, "committed"), (10, "spent")):
            cell = sheet.cell(row=row, column=column, value=int(overall[field]))
            cell.number_format, cell.font = MONEY, Font(bold=True)
        sheet.cell(row=row, column=11, value=overall["percent"])
        for column, width in enumerate([8, 36, 30, 44, 24, 24, 26, 18, 18, 18, 9, 30, 30], 1):
            sheet.column_dimensions[get_column_letter(column)].width = width
        _totals_sheet(book.create_sheet(), _("Theo nguồn"), totals["by_source"])
        _totals_sheet(book.create_sheet(), _("Theo mục đích"), totals["by_purpose"])
        _totals_sheet(book.create_sheet(), _("Theo đơn vị"), totals["by_unit"])
    return spreadsheet.to_bytes(book)
