"""A survey as an Excel file: one sheet of completion, one of results (a table per question).

Headers and labels are in Vietnamese, the language officials file in, whatever the interface
language. Surveys ask schools and staff only; free-text answers are included for them, a staff
member's without their name (as on the results page). Nothing about students is in here.
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

from .models import Audience
from .survey_selectors import (
    ANSWERED,
    LATE,
    PENDING,
    SURVEY_AUDIENCES,
    Completion,
    SurveyResults,
    survey_completion,
    survey_results,
)

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
# A cell starting like this would be read as a formula by Excel: stored as plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def filename(survey) -> str:
    folded = unicodedata.normalize("NFKD", survey.title.replace("đ", "d").replace("Đ", "D"))
    ascii_title = folded.encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_title).strip("-")[:60] or "khao-sat"
    return f"khao-sat-{survey.pk}-{slug}.xlsx"


def _text(cell, value) -> None:
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"


def _header(sheet, row: int, titles: list[str]) -> None:
    for column, title in enumerate(titles, start=1):
        cell = sheet.cell(row=row, column=column, value=title)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _when(value) -> str:
    return formats.date_format(timezone.localtime(value), "d/m/Y H:i") if value else ""


def _completion_sheet(sheet, survey, completion: Completion, staff: bool) -> None:
    sheet.title = _("Tiến độ trả lời")
    _text(sheet.cell(row=1, column=1), survey.title)
    sheet.cell(row=1, column=1).font = TITLE
    sheet.cell(
        row=2,
        column=1,
        value=_("Đơn vị khảo sát: %(unit)s · Hạn trả lời: %(date)s")
        % {"unit": survey.owner.name, "date": formats.date_format(survey.deadline, "d/m/Y")},
    )
    sheet.cell(
        row=3,
        column=1,
        value=_("Đã trả lời %(answered)s/%(total)s (%(percent)s%%)")
        % {
            "answered": completion.answered,
            "total": completion.total,
            "percent": completion.percent,
        },
    )
    labels = {ANSWERED: _("Đã trả lời"), PENDING: _("Chưa trả lời"), LATE: _("Quá hạn")}
    titles = [_("STT"), _("Trường"), _("Mã trường")]
    if staff:
        titles.append(_("Người nhận phiếu"))
    titles += [_("Trạng thái"), _("Trả lời lúc"), _("Người trả lời")]
    _header(sheet, 5, titles)
    for index, row in enumerate(completion.rows, start=1):
        values = [index, row.unit.name, row.unit.code]
        if staff:
            values.append(str(row.user) if row.user_id else "")
        values += [
            labels[row.status],
            _when(row.responded_at),
            str(row.responded_by) if row.responded_by_id else "",
        ]
        for column, value in enumerate(values, start=1):
            _text(sheet.cell(row=5 + index, column=column), value)
    widths = [6, 40, 14] + ([28] if staff else []) + [16, 18, 28]
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A6"


def _results_sheet(sheet, survey, results: SurveyResults) -> None:
    sheet.title = _("Kết quả")
    _text(sheet.cell(row=1, column=1), survey.title)
    sheet.cell(row=1, column=1).font = TITLE
    sheet.cell(
        row=2,
        column=1,
        value=_("Số nơi nhận: %(recipients)s · Số phiếu trả lời: %(respondents)s")
        % {"recipients": results.recipients, "respondents": results.respondents},
    )
    sheet.cell(row=3, column=1, value=_("Tỷ lệ (%) tính trên số phiếu trả lời."))
    row = 5
    for item in results.items:
        sheet.cell(row=row, column=1, value=f"{_('Câu')} {item.number}. {item.text}").font = BOLD
        row += 1
        if item.options:
            _header(sheet, row, [_("Lựa chọn"), _("Số lượng"), _("Tỷ lệ (%)")])
            for option in item.options:
                row += 1
                sheet.cell(row=row, column=1, value=option.label)
                sheet.cell(row=row, column=2, value=option.count)
                sheet.cell(row=row, column=3, value=option.percent)
        elif item.type == "number":
            _header(sheet, row, [_("Số trả lời"), _("Trung bình"), _("Nhỏ nhất"), _("Lớn nhất")])
            row += 1
            for column, value in enumerate([item.answered, item.mean, item.low, item.high], 1):
                sheet.cell(row=row, column=column, value=value)
        elif survey.version.instrument.audience in SURVEY_AUDIENCES:
            if results.by_school:
                _header(sheet, row, [_("Trường"), _("Ý kiến")])
            else:
                _header(sheet, row, [_("Ý kiến")])
            if not item.texts:
                row += 1
                sheet.cell(row=row, column=1, value=_("(Không có ý kiến)"))
            for school, text in item.texts:
                row += 1
                values = [school, text] if results.by_school else [text]
                for column, value in enumerate(values, start=1):
                    cell = sheet.cell(row=row, column=column)
                    _text(cell, value)
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        row += 2
    if results.bands:
        sheet.cell(row=row, column=1, value=_("Mức độ (theo tổng điểm)")).font = BOLD
        row += 1
        _header(sheet, row, [_("Mức độ"), _("Số lượng"), _("Tỷ lệ (%)")])
        for band in results.bands:
            row += 1
            sheet.cell(row=row, column=1, value=band.label)
            sheet.cell(row=row, column=2, value=band.count)
            sheet.cell(row=row, column=3, value=band.percent)
        if results.mean_total is not None:
            row += 1
            sheet.cell(row=row, column=1, value=_("Điểm trung bình"))
            sheet.cell(row=row, column=2, value=results.mean_total)
    for column, width in enumerate([60, 14, 14, 14], start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    if results.by_school:
        sheet.column_dimensions["B"].width = 60


def build_workbook(*, fetched_by, survey) -> tuple[bytes, SurveyResults]:
    """The file, and the results it holds (for the audit row)."""
    staff = survey.version.instrument.audience == Audience.STAFF
    # Questions, options and headers in Vietnamese, whatever the page's language.
    with override("vi"):
        completion = survey_completion(fetched_by=fetched_by, survey=survey)
        results = survey_results(fetched_by=fetched_by, survey=survey)
        book = openpyxl.Workbook()
        _completion_sheet(book.active, survey, completion, staff)
        _results_sheet(book.create_sheet(), survey, results)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), results
