"""A school's printable A4 poster: an invitation, the QR code of its help page, the address, 111.

PDF by fpdf2, QR by segno (pure Python), text in Be Vietnam Pro from the `fontpkg-be-vietnam-pro`
package (installed by uv like any dependency, so it is there on a fresh machine and nothing is
fetched at run time). The QR code is drawn as vector squares, so it prints sharp at any size.
"""

import logging
from functools import lru_cache
from pathlib import Path

import fontpkg_be_vietnam_pro
import segno
from django.utils.translation import gettext as _
from fpdf import FPDF

FONT_DIR = Path(fontpkg_be_vietnam_pro.ROOT) / "files"
FONT = "BeVietnamPro"
HOTLINE = "111"

PAGE_W = 210  # A4, millimetres
MARGIN = 18
QR_SIZE = 110  # width of the code without its quiet zone
QR_QUIET = 4  # modules of white border the standard asks for
BLUE = (13, 110, 253)
RED = (176, 42, 55)
DARK = (33, 37, 41)

# fontTools logs every glyph it keeps when fpdf2 subsets the font.
logging.getLogger("fontTools").setLevel(logging.WARNING)


def qr_for(url: str) -> segno.QRCode:
    """The QR code printed for `url`: a full QR (never Micro QR, which phones read badly)."""
    return segno.make_qr(url, error="m")


@lru_cache(maxsize=1)
def _fonts() -> dict[str, str]:
    return {
        "": str(FONT_DIR / "BeVietnamPro-Regular.ttf"),
        "B": str(FONT_DIR / "BeVietnamPro-Bold.ttf"),
    }


def _dark_runs(qr: segno.QRCode):
    """(row, first column, length) of each horizontal run of dark modules, no quiet zone."""
    for row, modules in enumerate(qr.matrix_iter(border=0)):
        start = None
        for col, dark in enumerate([*modules, 0]):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                yield row, start, col - start
                start = None


def _draw_qr(pdf: FPDF, qr: segno.QRCode, x: float, y: float, size: float) -> None:
    width, _height = qr.symbol_size(border=0)
    module = size / width
    pdf.set_fill_color(*DARK)
    for row, col, length in _dark_runs(qr):
        pdf.rect(x + col * module, y + row * module, length * module, module, style="F")


def build_poster(*, school_name: str, url: str) -> bytes:
    """The poster as PDF bytes, in the active language."""
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(_("Điểm Tựa – %(school)s") % {"school": school_name})
    pdf.set_subject(url)
    pdf.set_creator("Điểm Tựa")
    pdf.set_auto_page_break(auto=False)
    for style, path in _fonts().items():
        pdf.add_font(FONT, style=style, fname=path)
    pdf.add_page()
    width = PAGE_W - 2 * MARGIN

    pdf.set_text_color(*BLUE)
    pdf.set_font(FONT, "B", 15)
    pdf.set_xy(MARGIN, MARGIN)
    pdf.multi_cell(width, 8, school_name, align="C")

    pdf.set_text_color(*DARK)
    pdf.set_font(FONT, "B", 30)
    pdf.set_x(MARGIN)
    pdf.multi_cell(width, 14, _("Em cần người lắng nghe?"), align="C")
    pdf.set_font(FONT, "", 15)
    pdf.set_x(MARGIN)
    pdf.multi_cell(
        width,
        8,
        _(
            "Buồn, lo, sợ, bị bắt nạt, chuyện học hay chuyện nhà: hãy kể với thầy cô tư vấn. "
            "Em có thể giấu tên."
        ),
        align="C",
    )

    qr = qr_for(url)
    qr_x = (PAGE_W - QR_SIZE) / 2
    qr_y = pdf.get_y() + 8
    _draw_qr(pdf, qr, qr_x, qr_y, QR_SIZE)
    # The printed code can also be tapped when the PDF is read on a screen.
    pdf.link(qr_x, qr_y, QR_SIZE, QR_SIZE, url)

    pdf.set_xy(MARGIN, qr_y + QR_SIZE + 6)
    pdf.set_font(FONT, "", 13)
    pdf.multi_cell(width, 7, _("Quét mã bằng điện thoại, hoặc gõ địa chỉ:"), align="C")
    pdf.set_font(FONT, "B", 15)
    pdf.set_x(MARGIN)
    pdf.multi_cell(width, 8, url, align="C", link=url)

    pdf.set_xy(MARGIN, 297 - MARGIN - 30)
    pdf.set_fill_color(*RED)
    pdf.set_text_color(255, 255, 255)
    pdf.set_font(FONT, "B", 17)
    pdf.multi_cell(
        width,
        10,
        _("Nguy hiểm hoặc cần giúp ngay? Gọi %(number)s") % {"number": HOTLINE},
        align="C",
        fill=True,
        link=f"tel:{HOTLINE}",
    )
    pdf.set_x(MARGIN)
    pdf.set_font(FONT, "", 12)
    pdf.multi_cell(
        width,
        7,
        _("Tổng đài quốc gia bảo vệ trẻ em: miễn phí, cả ngày lẫn đêm."),
        align="C",
        fill=True,
    )
    return bytes(pdf.output())
