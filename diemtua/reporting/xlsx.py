"""xlsx export of any dashboard table (issue 8: "xlsx of any dashboard table, with the
suppression applied").

The builder rebuilds the page the export came from, for the person who asked and with their
access as it is now (reporting.access / dashboard_access raise 404/403 otherwise), through
the same reporting.tables code: the file holds the same cells as the page, hidden ones as
"<5" or "×", so its totals are the page's totals.
"""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from diemtua.core.spreadsheet import to_bytes
from diemtua.core.text import fold

from . import exports
from .periods import period_label
from .tables import Table

HEADER_FILL = PatternFill("solid", fgColor="DDE7F5")


def suppression_note(exact: bool) -> str:
    if exact:
        return _("Số liệu đầy đủ của trường (không ẩn).")
    limit = settings.DIEMTUA_SUPPRESS_BELOW
    return _("Số liệu dưới %(n)s được ẩn (<%(n)s); × là ô ẩn thêm để không suy ra được ô nhỏ") % {
        "n": limit
    }


def _cell_value(shown):
    if shown.number is None:
        return shown.text or None
    if shown.kind == "delta":
        return shown.text  # "+3": a difference of two shown figures, kept as text
    number = shown.number
    return int(number) if number == int(number) else float(number)


def write_table(
    table: Table,
    *,
    place: str,
    params,
    exact: bool,
    computed_at: datetime.datetime | None,
) -> Workbook:
    book = Workbook()
    sheet = book.active
    sheet.title = (table.key or "bang")[:31]
    period = str(period_label(params.period))
    if params.compare:
        period += " — " + _("so sánh với %(other)s") % {"other": period_label(params.compare)}
    borders = (
        _("theo địa giới hiện nay") if params.as_today else _("theo địa giới tại thời điểm đó")
    )
    sheet.append([f"{table.title} — {place}"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([_("Kỳ: %(period)s (%(borders)s)") % {"period": period, "borders": borders}])
    sheet.append([suppression_note(exact)])
    stamp = timezone.localtime().strftime("%d/%m/%Y")
    line = _("Ngày xuất: %(day)s") % {"day": stamp}
    if computed_at:
        line += "; " + _("số liệu tính lúc %(at)s") % {
            "at": timezone.localtime(computed_at).strftime("%H:%M %d/%m/%Y")
        }
    sheet.append([line])
    if table.note:
        sheet.append([table.note])
    sheet.append([])
    header = [table.label_header, *[c.label for c in table.columns], *table.extra_headers]
    sheet.append(header)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in table.rows:
        label = ("    " * row.level) + row.label
        if row.heading:
            sheet.append([label])
            sheet.cell(sheet.max_row, 1).font = Font(bold=True, italic=True)
            continue
        sheet.append([label, *[_cell_value(c) for c in row.cells], *row.extra])
        if row.total:
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)
        for index in range(2, 2 + len(row.cells)):
            sheet.cell(sheet.max_row, index).alignment = Alignment(horizontal="right")
    sheet.column_dimensions["A"].width = 48
    for index in range(2, len(header) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 18
    sheet.freeze_panes = sheet.cell(header_row + 1, 2)
    return book


@exports.register("dashboard_table")
def build_dashboard_table(job, progress):
    from .dashboard_views import rebuild_for_job

    progress(10)
    page, place = rebuild_for_job(job)
    progress(70)
    table = page.tables.get((job.params or {}).get("table", ""))
    if table is None:
        raise ValueError("table not on the page")
    book = write_table(
        table,
        place=place,
        params=page.params,
        exact=getattr(page, "exact", False),
        computed_at=getattr(page, "computed_at", None),
    )
    progress(90)
    stamp = timezone.localdate().strftime("%Y%m%d")
    name = slugify(fold(place))[:60] or "bang"
    filename = f"{name}-{table.key}-{page.params.period.code}-{stamp}.xlsx"
    return filename, exports.XLSX, to_bytes(book)
