"""Small real files of each kind, made in memory for the tests."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from diemtua.activities.demo import _pdf, _png

OOXML = "application/vnd.openxmlformats-officedocument."
MAIN = {
    "docx": ("word/document.xml", OOXML + "wordprocessingml.document.main+xml"),
    "pptx": ("ppt/presentation.xml", OOXML + "presentationml.presentation.main+xml"),
    "xlsx": ("xl/workbook.xml", OOXML + "spreadsheetml.sheet.main+xml"),
    "docm": ("word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml"),
}


def png() -> bytes:
    return _png()


def pdf() -> bytes:
    return _pdf("Tai lieu thu")


def ooxml(kind: str) -> bytes:
    part, main_type = MAIN[kind]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'content-types"><Override PartName="/{part}" ContentType="{main_type}"/></Types>',
        )
        archive.writestr(part, "<xml/>")
    return buffer.getvalue()


def odf(kind: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", f"application/vnd.oasis.opendocument.{kind}")
        archive.writestr("content.xml", "<xml/>")
    return buffer.getvalue()


def jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40


def webp() -> bytes:
    return b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 30


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)
