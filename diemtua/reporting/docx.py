"""The official report as a .docx in the administrative document format of Decree
30/2020/NĐ-CP (Appendix I: "Thể thức văn bản hành chính"), built with python-docx.

What the Decree asks and where it is done here:
- A4 paper, margins top and bottom 20–25 mm, left 30–35 mm, right 15–20 mm (`_page`);
  Times New Roman throughout; page numbers at the top centre from the second page.
- The header: two columns without borders. Left: the managing body in upright capitals
  (12–13 pt), the issuing body in bold capitals with a short rule under it, then "Số: …/BC-…".
  Right: the national title "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" (bold capitals, 12–13 pt),
  the motto "Độc lập - Tự do - Hạnh phúc" (bold, 13–14 pt) with a rule under it, and the place
  and date in italics ("Tuyên Quang, ngày 05 tháng 02 năm 2027").
- The document type "BÁO CÁO" and the summary (trích yếu) bold and centred, a short rule.
- The body in 13–14 pt, justified, first-line indent; figures as tables.
- "Nơi nhận:" bold italic 12 pt bottom left, the recipients in 11 pt ("- Như trên;" …
  "- Lưu: VT."); the signer's authority in bold capitals bottom right, space for the signature
  and seal, then the signer's name in bold.

The figures come from reporting.report_content for the user who asked for the file: a school's
own staff get exact numbers; anybody else gets them through the same suppression as the page.
"""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from . import access, exports, report_content
from .models import ReportKind

FONT = "Times New Roman"
BODY_PT = 14
TABLE_PT = 12
TEXT_WIDTH_CM = 16.5  # 210 mm − 30 mm − 15 mm
LEFT_COLUMN_CM = 6.5
RIGHT_COLUMN_CM = TEXT_WIDTH_CM - LEFT_COLUMN_CM
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII"]


# --- low-level helpers ---------------------------------------------------------------------


def _fonts(element) -> None:
    """Times New Roman for every script (Word picks the east-Asian slot for some marks)."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)


def _run(paragraph, text: str, size: float, *, bold=False, italic=False):
    run = paragraph.add_run(text)
    run.font.name = FONT
    run.font.size = Pt(size)
    run.bold = bold
    run.italic = italic
    _fonts(run._element)
    return run


def _para(
    container,
    text: str = "",
    size: float = BODY_PT,
    *,
    bold=False,
    italic=False,
    align=WD_ALIGN_PARAGRAPH.CENTER,
    before: float = 0,
    after: float = 0,
    indent_first: float | None = None,
):
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    if indent_first is not None:
        fmt.first_line_indent = Cm(indent_first)
    if text:
        _run(paragraph, text, size, bold=bold, italic=italic)
    return paragraph


def _first_paragraph(cell, text: str, size: float, **kwargs):
    """A table cell starts with one empty paragraph: use it for the first line."""
    paragraph = cell.paragraphs[0]
    paragraph.alignment = kwargs.pop("align", WD_ALIGN_PARAGRAPH.CENTER)
    paragraph.paragraph_format.space_before = Pt(0)
    paragraph.paragraph_format.space_after = Pt(0)
    if text:
        _run(paragraph, text, size, **kwargs)
    return paragraph


def _rule(container, *, width_cm: float, total_cm: float) -> None:
    """A short horizontal line, centred: the top border of an empty, narrow paragraph."""
    paragraph = container.add_paragraph()
    fmt = paragraph.paragraph_format
    side = max(0.0, (total_cm - width_cm) / 2)
    fmt.left_indent = Cm(side)
    fmt.right_indent = Cm(side)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for name, value in (
        ("w:val", "single"),
        ("w:sz", "6"),
        ("w:space", "1"),
        ("w:color", "000000"),
    ):
        top.set(qn(name), value)
    borders.append(top)
    ppr.append(borders)
    # Keep the empty line low: its paragraph mark is 4 pt.
    mark = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "8")
    mark.append(size)
    ppr.append(mark)


def _no_borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    tbl_pr.append(borders)


def _widths(table, widths_cm: list[float]) -> None:
    table.autofit = False
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm, strict=False):
            cell.width = Cm(width)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _page_number_field(paragraph) -> None:
    run = paragraph.add_run()
    run.font.name = FONT
    run.font.size = Pt(13)
    _fonts(run._element)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


# --- the document ------------------------------------------------------------------------------


def _page(document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    # Page numbers: top centre, from the second page on.
    section.different_first_page_header_footer = True
    number = section.header.paragraphs[0]
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_number_field(number)
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    _fonts(normal.element)


def _document_day(report):
    if report.submitted_at:
        return timezone.localtime(report.submitted_at).date()
    return timezone.localdate()


def _header(document, report, head: dict) -> None:
    table = document.add_table(rows=1, cols=2)
    _no_borders(table)
    _widths(table, [LEFT_COLUMN_CM, RIGHT_COLUMN_CM])
    left, right = table.rows[0].cells
    if head["managing"]:
        _first_paragraph(left, head["managing"], 13)
        _para(left, head["issuing"], 13, bold=True)
    else:
        _first_paragraph(left, head["issuing"], 13, bold=True)
    _rule(left, width_cm=2.2, total_cm=LEFT_COLUMN_CM)
    _para(left, report_content.number_line(report, head["abbrev"]), 13, before=6)

    _first_paragraph(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12, bold=True)
    _para(right, "Độc lập - Tự do - Hạnh phúc", 13, bold=True)
    _rule(right, width_cm=5.6, total_cm=RIGHT_COLUMN_CM)
    place = (report.place or "").strip() or head["place"]
    _para(
        right, report_content.decree_date(_document_day(report), place), 13, italic=True, before=6
    )


def _title(document, report, head: dict) -> None:
    _para(document, "BÁO CÁO", BODY_PT, bold=True, before=18)
    _para(document, head["summary"], BODY_PT, bold=True)
    _rule(document, width_cm=5.0, total_cm=TEXT_WIDTH_CM)
    if head["addressee"]:
        paragraph = _para(document, "", BODY_PT, before=6, after=6)
        _run(paragraph, _("Kính gửi: "), BODY_PT)
        _run(paragraph, head["addressee"], BODY_PT)


def _heading(document, text: str) -> None:
    _para(document, text, BODY_PT, bold=True, align=WD_ALIGN_PARAGRAPH.LEFT, before=8, after=4,
          indent_first=1.0)  # fmt: skip


def _body(document, text: str) -> None:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines:
        lines = [_("Không có.")]
    for line in lines:
        _para(document, line, BODY_PT, align=WD_ALIGN_PARAGRAPH.JUSTIFY, after=6, indent_first=1.0)


def _figures_table(document, table) -> None:
    _para(document, table.caption, TABLE_PT + 1, bold=True, italic=True, before=6, after=3)
    grid = document.add_table(rows=1, cols=len(table.columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    label_cm = 6.5 if len(table.columns) > 2 else 11.0
    other = (TEXT_WIDTH_CM - label_cm) / max(1, len(table.columns) - 1)
    widths = [label_cm] + [other] * (len(table.columns) - 1)
    for cell, title in zip(grid.rows[0].cells, table.columns, strict=True):
        _first_paragraph(cell, title, TABLE_PT, bold=True)
    _repeat_header(grid.rows[0])
    for row in table.rows:
        cells = grid.add_row().cells
        if row.heading:
            merged = cells[0].merge(cells[-1]) if len(cells) > 1 else cells[0]
            _first_paragraph(merged, row.label, TABLE_PT, bold=True, italic=True,
                             align=WD_ALIGN_PARAGRAPH.LEFT)  # fmt: skip
            continue
        label = _first_paragraph(cells[0], row.label, TABLE_PT, bold=row.strong,
                                 align=WD_ALIGN_PARAGRAPH.LEFT)  # fmt: skip
        if row.level:
            label.paragraph_format.left_indent = Cm(0.4 * row.level)
        for cell, value in zip(cells[1:], row.cells, strict=False):
            _first_paragraph(cell, value, TABLE_PT, bold=row.strong, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _widths(grid, widths)


def _figures(document, report, presentation, number: str) -> None:
    _heading(document, f"{number}. {_('SỐ LIỆU, KẾT QUẢ')}")
    if report.kind == ReportKind.PILOT_EVALUATION and report.period.program_id:
        program = report.period.program
        _body(
            document,
            _(
                "Chương trình thực hiện từ ngày %(first)s đến ngày %(last)s. Đầu kỳ là tháng "
                "đầu tiên, cuối kỳ là tháng cuối cùng của chương trình."
            )
            % {
                "first": program.starts_on.strftime("%d/%m/%Y"),
                "last": program.ends_on.strftime("%d/%m/%Y"),
            },
        )
    if report.figures_at and not report.is_editable:
        when = timezone.localtime(report.figures_at)
        note = _("Số liệu tổng hợp từ hệ thống Điểm Tựa, chốt lúc %(time)s ngày %(day)s.") % {
            "time": when.strftime("%H:%M"),
            "day": when.strftime("%d/%m/%Y"),
        }
    else:
        note = _("Số liệu tạm tính từ hệ thống Điểm Tựa; được chốt khi gửi báo cáo.")
    _para(document, note, TABLE_PT + 1, italic=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY, after=4,
          indent_first=1.0)  # fmt: skip
    for index, section in enumerate(presentation.sections, start=1):
        _para(document, f"{index}. {section.title}", BODY_PT, bold=True, italic=True,
              align=WD_ALIGN_PARAGRAPH.LEFT, before=6, indent_first=1.0)  # fmt: skip
        for paragraph in section.paragraphs:
            _body(document, paragraph)
        for table in section.tables:
            _figures_table(document, table)
    if presentation.suppressed:
        _para(document, _("Ghi chú:"), TABLE_PT, bold=True, italic=True,
              align=WD_ALIGN_PARAGRAPH.LEFT, before=4)  # fmt: skip
        for line in report_content.legend():
            _para(document, line, TABLE_PT, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT)


def _recipient_lines(text: str) -> list[str]:
    lines = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        if not line.startswith("-"):
            line = f"- {line}"
        lines.append(line)
    if not any("Lưu" in line for line in lines):
        lines.append("- Lưu: VT.")
    return lines


def _signature(document, report, head: dict) -> None:
    _para(document, "", BODY_PT)
    table = document.add_table(rows=1, cols=2)
    _no_borders(table)
    _widths(table, [7.5, TEXT_WIDTH_CM - 7.5])
    left, right = table.rows[0].cells
    _first_paragraph(left, "Nơi nhận:", 12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    for line in _recipient_lines(report.recipients):
        _para(left, line, 11, align=WD_ALIGN_PARAGRAPH.LEFT)
    authority = [
        line.strip().upper()
        for line in (report.signer_title or head["authority"]).replace("/", "\n").splitlines()
        if line.strip()
    ]
    _first_paragraph(right, authority[0] if authority else "", BODY_PT, bold=True)
    for line in authority[1:]:
        _para(right, line, BODY_PT, bold=True)
    for _blank in range(4):  # room for the signature and the seal
        _para(right, "", BODY_PT)
    _para(right, (report.signer_name or "").strip(), BODY_PT, bold=True)


def build_docx(report, *, exact: bool, text_shown: bool = True) -> bytes:
    """The report as .docx bytes, with figures exact or suppressed; `text_shown=False` puts a
    note in place of the typed parts (access.sees_typed_text: a draft read from above)."""
    presentation = report_content.present(report, exact=exact)
    text = report_content.typed_text(report, shown=text_shown)
    head = report_content.letterhead(report)
    document = Document()
    _page(document)
    _header(document, report, head)
    _title(document, report, head)
    parts = [(_("TÌNH HÌNH THỰC HIỆN"), text["narrative"]), ("figures", None)]
    if report.kind == ReportKind.PILOT_EVALUATION:
        parts += [
            (_("BÀI HỌC KINH NGHIỆM"), text["lessons"]),
            (_("KHÓ KHĂN, VƯỚNG MẮC"), text["difficulties"]),
            (_("KIẾN NGHỊ"), text["proposals"]),
        ]
    else:
        parts += [
            (_("KHÓ KHĂN, VƯỚNG MẮC"), text["difficulties"]),
            (_("ĐỀ XUẤT, KIẾN NGHỊ"), text["proposals"]),
        ]
    for number, (title, text) in zip(ROMAN, parts, strict=False):
        if title == "figures":
            _figures(document, report, presentation, number)
            continue
        _heading(document, f"{number}. {title}")
        _body(document, text)
    _signature(document, report, head)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def filename_for(report) -> str:
    """An ASCII name (old Windows PCs in schools mangle accented file names in e-mail)."""
    code = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in report.org_unit.code)
    return f"BaoCao_{code}_{report.period.code}.docx"


@exports.register("report_docx")
def build_report_docx(job, progress):
    """Export builder: checks, for the requester, the same access as the report page."""
    user = job.requested_by
    report = access.get_report_for_user(user, job.params.get("report", 0))
    progress(20)
    content = build_docx(
        report,
        exact=access.sees_exact(user, report.org_unit),
        text_shown=access.sees_typed_text(user, report),
    )
    progress(90)
    return filename_for(report), exports.DOCX, content
