"""The staffing overview as an Excel file: a province's active schools, who is designated or
works as a counselor there, their training, and the schools without anyone — the list the
Department of Home Affairs works from when it fills posts (Quảng Ngãi 4576/UBND-KGVX, 2022)."""

import openpyxl
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from diemtua.core import spreadsheet

from . import selectors

GAP_FILL = PatternFill("solid", fgColor="FDE2E1")
# Schools are read in chunks so a province of thousands of schools stays within memory.
CHUNK = 500


def filename(province) -> str:
    today = timezone.localdate()
    return f"nhan-su-tu-van-{province.code}-{today:%Y%m%d}.xlsx"


def _staff_text(person) -> str:
    parts = [person.full_name]
    if person.position:
        parts.append(person.position)
    parts.append(person.get_employment_display().lower())
    parts.append(person.get_qualification_display())
    if person.trained:
        day = person.trained_on.strftime("%d/%m/%Y") if person.trained_on else ""
        parts.append(_("đã tập huấn %(day)s") % {"day": day} if day else _("đã tập huấn"))
    else:
        parts.append(_("chưa tập huấn"))
    parts.append(f"[{person.enrolment.program.code}]")
    return ", ".join(parts)


def build_workbook(*, fetched_by, province) -> tuple[bytes, dict]:
    """The file, and its counts (for the audit row)."""
    stats = {"schools": 0, "gaps": 0}
    with override("vi"):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = _("Nhân sự")[:31]
        sheet.append(
            [_("Nhân sự tư vấn tâm lý, công tác xã hội trường học — %(p)s") % {"p": province.name}]
        )
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append([_("Ngày lập: %(d)s") % {"d": timezone.localdate().strftime("%d/%m/%Y")}])
        headers = [
            _("Mã trường"),
            _("Trường"),
            _("Cấp học"),
            _("Xã/phường"),
            _("Cán bộ được phân công (chương trình đang thực hiện)"),
            _("Cán bộ tư vấn có tài khoản"),
            _("Chưa có ai"),
        ]
        sheet.append([])
        sheet.append(headers)
        for cell in sheet[4]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        rows = selectors.staffing_schools(fetched_by=fetched_by, province=province)
        ids = list(rows.values_list("pk", flat=True))
        for start in range(0, len(ids), CHUNK):
            schools = list(rows.filter(pk__in=ids[start : start + CHUNK]))
            selectors.staffing_details(schools)
            for school in schools:
                stats["schools"] += 1
                stats["gaps"] += school.is_gap
                sheet.append(
                    [
                        school.code,
                        school.name,
                        school.get_school_level_display(),
                        school.commune.name if school.commune else "",
                        "\n".join(_staff_text(p) for p in school.designated),
                        "\n".join(u.full_name or u.username for u in school.counselors),
                        _("Chưa có") if school.is_gap else "",
                    ]
                )
                if school.is_gap:
                    for cell in sheet[sheet.max_row]:
                        cell.fill = GAP_FILL
                for cell in sheet[sheet.max_row]:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.append([])
        sheet.append(
            [
                _("Tổng số trường: %(n)s; chưa có ai: %(g)s")
                % {"n": stats["schools"], "g": stats["gaps"]}
            ]
        )
        for column, width in enumerate([14, 40, 18, 26, 60, 30, 12], start=1):
            sheet.column_dimensions[get_column_letter(column)].width = width
        sheet.freeze_panes = "A5"
    return spreadsheet.to_bytes(book), stats
