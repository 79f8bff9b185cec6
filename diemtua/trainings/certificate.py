"""A training certificate as an A4 landscape PDF: holder, training, dates, hours, issuing unit,
the verification code and the public address (with a QR code) where anyone can check it.

fpdf2 and Be Vietnam Pro from the `fontpkg-be-vietnam-pro` package, as the school poster
(cases/poster.py): nothing is fetched at run time. The certificate is written in Vietnamese,
the language of official papers, whatever the page's language.
"""

import logging
from functools import lru_cache
from pathlib import Path

import fontpkg_be_vietnam_pro
import segno
from django.utils.translation import gettext as _
from django.utils.translation import override
from fpdf import FPDF

from .services import hours_text

FONT_DIR = Path(fontpkg_be_vietnam_pro.ROOT) / "files"
FONT = "BeVietnamPro"
PAGE_W, PAGE_H = 297, 210  # A4 landscape, millimetres
MARGIN = 16
QR_SIZE = 30
BLUE = (13, 110, 253)
DARK = (33, 37, 41)
GREY = (108, 117, 125)
RED = (176, 42, 55)

logging.getLogger("fontTools").setLevel(logging.WARNING)


@lru_cache(maxsize=1)
def _fonts() -> dict[str, str]:
    return {
        "": str(FONT_DIR / "BeVietnamPro-Regular.ttf"),
        "B": str(FONT_DIR / "BeVietnamPro-Bold.ttf"),
    }


def _draw_qr(pdf: FPDF, url: str, x: float, y: float, size: float) -> None:
    qr = segno.make_qr(url, error="m")
    width, _height = qr.symbol_size(border=0)
    module = size / width
    pdf.set_fill_color(*DARK)
    for row, modules in enumerate(qr.matrix_iter(border=0)):
        start = None
        for col, dark in enumerate([*modules, 0]):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                pdf.rect(x + start * module, y + row * module, (col - start) * module, module, "F")
                start = None


def build_certificate(*, certificate, verify_url: str) -> bytes:
    participant = certificate.participant
    training = participant.training
    with override("vi"):
        pdf = FPDF(orientation="landscape", unit="mm", format="A4")
        pdf.set_title(_("Giấy chứng nhận %(code)s") % {"code": certificate.display_code})
        pdf.set_creator("Điểm Tựa")
        pdf.set_auto_page_break(auto=False)
        for style, path in _fonts().items():
            pdf.add_font(FONT, style=style, fname=path)
        pdf.add_page()
        width = PAGE_W - 2 * MARGIN
        pdf.set_draw_color(*BLUE)
        pdf.set_line_width(1.2)
        pdf.rect(8, 8, PAGE_W - 16, PAGE_H - 16)

        pdf.set_text_color(*DARK)
        pdf.set_font(FONT, "B", 12)
        pdf.set_xy(MARGIN, MARGIN + 2)
        pdf.multi_cell(width / 2, 6, training.owner.name.upper(), align="C")
        pdf.set_xy(MARGIN + width / 2, MARGIN + 2)
        pdf.multi_cell(
            width / 2,
            6,
            _("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập – Tự do – Hạnh phúc"),
            align="C",
        )

        pdf.set_xy(MARGIN, 48)
        pdf.set_text_color(*BLUE)
        pdf.set_font(FONT, "B", 30)
        pdf.cell(width, 14, _("GIẤY CHỨNG NHẬN"), align="C")
        pdf.set_xy(MARGIN, 64)
        pdf.set_text_color(*DARK)
        pdf.set_font(FONT, "", 14)
        pdf.cell(width, 8, _("Chứng nhận"), align="C")
        pdf.set_xy(MARGIN, 74)
        pdf.set_font(FONT, "B", 24)
        pdf.cell(width, 12, participant.full_name, align="C")
        pdf.set_xy(MARGIN, 88)
        pdf.set_font(FONT, "", 13)
        unit_line = participant.unit.name
        if participant.position:
            unit_line = f"{participant.position} – {unit_line}"
        pdf.multi_cell(width, 7, unit_line, align="C")
        pdf.set_x(MARGIN)
        pdf.multi_cell(width, 8, _("đã hoàn thành khóa tập huấn"), align="C")
        pdf.set_x(MARGIN + 10)
        pdf.set_font(FONT, "B", 16)
        pdf.multi_cell(width - 20, 8, f"“{training.title}”", align="C")
        pdf.set_x(MARGIN)
        pdf.set_font(FONT, "", 13)
        if training.starts_on == training.ends_on:
            when = _("ngày %(day)s") % {"day": training.starts_on.strftime("%d/%m/%Y")}
        else:
            when = _("từ ngày %(start)s đến ngày %(end)s") % {
                "start": training.starts_on.strftime("%d/%m/%Y"),
                "end": training.ends_on.strftime("%d/%m/%Y"),
            }
        pdf.multi_cell(
            width,
            8,
            _("tổ chức %(when)s, thời lượng %(hours)s giờ.")
            % {"when": when, "hours": hours_text(training.hours)},
            align="C",
        )

        bottom = PAGE_H - MARGIN - QR_SIZE - 4
        _draw_qr(pdf, verify_url, MARGIN + 2, bottom, QR_SIZE)
        pdf.link(MARGIN + 2, bottom, QR_SIZE, QR_SIZE, verify_url)
        pdf.set_xy(MARGIN + QR_SIZE + 6, bottom + 2)
        pdf.set_font(FONT, "", 10)
        pdf.set_text_color(*GREY)
        pdf.multi_cell(110, 5, _("Mã xác thực:"))
        pdf.set_x(MARGIN + QR_SIZE + 6)
        pdf.set_font(FONT, "B", 15)
        pdf.set_text_color(*DARK)
        pdf.multi_cell(110, 7, certificate.display_code)
        pdf.set_x(MARGIN + QR_SIZE + 6)
        pdf.set_font(FONT, "", 9)
        pdf.set_text_color(*GREY)
        pdf.multi_cell(110, 5, _("Kiểm tra tại: %(url)s") % {"url": verify_url}, link=verify_url)

        pdf.set_text_color(*DARK)
        pdf.set_font(FONT, "", 12)
        pdf.set_xy(PAGE_W - MARGIN - 110, bottom - 6)
        issued = certificate.issued_on
        pdf.multi_cell(
            110,
            6,
            _("Ngày %(d)s tháng %(m)s năm %(y)s")
            % {"d": f"{issued.day:02d}", "m": f"{issued.month:02d}", "y": issued.year},
            align="C",
        )
        pdf.set_x(PAGE_W - MARGIN - 110)
        pdf.set_font(FONT, "B", 12)
        pdf.multi_cell(110, 6, training.owner.name.upper(), align="C")
        if not certificate.is_valid:
            pdf.set_xy(MARGIN, 40)
            pdf.set_text_color(*RED)
            pdf.set_font(FONT, "B", 14)
            pdf.cell(
                width,
                8,
                _("ĐÃ THU HỒI NGÀY %(day)s") % {"day": certificate.revoked_on.strftime("%d/%m/%Y")},
                align="C",
            )
    return bytes(pdf.output())
