"""A directive's tracker as an Excel file: one row per task × unit, in Vietnamese.

Text cells that Excel would read as a formula (a note starting with "=", "+", "-", "@") are
stored as plain text. Nothing about students is in here.
"""

import io
import re
import unicodedata

import openpyxl
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .selectors import STATUS_LABELS, tracker

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def filename(directive) -> str:
    text = directive.number_symbol.replace("đ", "d").replace("Đ", "D")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-")[:60] or "cong-van"
    return f"theo-doi-cong-van-{directive.pk}-{slug}.xlsx"


def _text(cell, value) -> None:
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"


def _day(value) -> str:
    return formats.date_format(value, "d/m/Y") if value else ""


def build_workbook(*, fetched_by, directive) -> tuple[bytes, int]:
    """The file and how many rows it holds (for the audit row)."""
    with override("vi"):
        data = tracker(fetched_by=fetched_by, directive=directive)
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = _("Theo dõi thực hiện")
        _text(sheet.cell(row=1, column=1), f"{directive.number_symbol}: {directive.subject}")
        sheet.cell(row=1, column=1).font = TITLE
        _text(
            sheet.cell(row=2, column=1),
            _("%(issuer)s · ngày %(date)s · đơn vị theo dõi: %(owner)s")
            % {
                "issuer": directive.signed_by,
                "date": _day(directive.issued_on),
                "owner": directive.owner.name,
            },
        )
        counts = data.counts
        sheet.cell(
            row=3,
            column=1,
            value=_(
                "Đúng hạn: %(on_time)s · Nộp muộn: %(late)s · Chưa đến hạn: %(pending)s · "
                "Quá hạn, chưa nộp: %(missing)s · Tổng: %(total)s"
            )
            % counts,
        )
        titles = [
            _("STT"), _("Đơn vị"), _("Mã đơn vị"), _("Nhiệm vụ"), _("Hạn"), _("Trạng thái"),
            _("Nộp ngày"), _("Người nộp"), _("Ghi chú"), _("Tệp"), _("Tiếp nhận ngày"),
        ]  # fmt: skip
        for column, title in enumerate(titles, start=1):
            cell = sheet.cell(row=5, column=column, value=title)
            cell.font = BOLD
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        count = 0
        for index, a in enumerate(data.rows, start=1):
            current = a.current
            values = [
                index,
                a.unit.name,
                a.unit.code,
                a.task.description,
                _day(a.task.deadline),
                str(STATUS_LABELS[a.status]),
                _day(timezone.localtime(a.submitted_at)) if a.submitted_at else "",
                str(current.submitted_by) if current else "",
                current.note if current else "",
                current.file.original_name if current and hasattr(current, "file") else "",
                _day(timezone.localtime(a.accepted_at)) if a.accepted_at else "",
            ]
            for column, value in enumerate(values, start=1):
                cell = sheet.cell(row=5 + index, column=column)
                _text(cell, value)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            count = index
        for column, width in enumerate([6, 36, 12, 50, 12, 18, 12, 24, 50, 24, 14], start=1):
            sheet.column_dimensions[get_column_letter(column)].width = width
        sheet.freeze_panes = "A6"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), count
