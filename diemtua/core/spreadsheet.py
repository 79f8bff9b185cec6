"""Spreadsheets we hand out must never run what someone typed.

openpyxl stores a string that starts with "=" as a formula; Excel also evaluates cells starting
with "+", "-" or "@" that arrive as formulas. Our exports compute every figure in Python and
write no formula on purpose, so before saving, every cell that openpyxl took for a formula is
turned back into the text the person typed (CSV/formula injection, OWASP).
"""

import io


def as_text_only(book) -> None:
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


def to_bytes(book) -> bytes:
    """The workbook as .xlsx bytes, with no formula left in it."""
    as_text_only(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
