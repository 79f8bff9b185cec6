"""Files are judged by their content, not their name (core/uploads.py)."""

import pytest
from django.core.exceptions import ValidationError

from diemtua.activities.tests import files
from diemtua.core import uploads


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("anh.jpg", files.jpeg(), "jpeg"),
        ("anh.JPEG", files.jpeg(), "jpeg"),
        ("anh.png", files.png(), "png"),
        ("anh.webp", files.webp(), "webp"),
        ("tai-lieu.pdf", files.pdf(), "pdf"),
        ("ke-hoach.docx", files.ooxml("docx"), "docx"),
        ("bai-giang.pptx", files.ooxml("pptx"), "pptx"),
        ("so-lieu.xlsx", files.ooxml("xlsx"), "xlsx"),
        ("van-ban.odt", files.odf("text"), "odt"),
        ("trinh-chieu.odp", files.odf("presentation"), "odp"),
    ],
)
def test_files_that_are_what_they_say_are_accepted(name, content, kind):
    result = uploads.check_upload(files.upload(name, content))
    assert result.code == kind


def _refusal(name, content, **kwargs) -> str:
    with pytest.raises(ValidationError) as refused:
        uploads.check_upload(files.upload(name, content), **kwargs)
    return " ".join(refused.value.messages)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        # A photo renamed to .pdf: the message names the file and what it really is.
        ("bao-cao.pdf", files.png(), "“bao-cao.pdf” có đuôi .pdf nhưng nội dung là ảnh PNG"),
        # A spreadsheet renamed to .docx.
        ("ke-hoach.docx", files.ooxml("xlsx"), "nội dung là bảng tính Excel"),
        # A text file renamed to .docx: not a Word document at all.
        (
            "ghi-chu.docx",
            b"chi la mot tep van ban\n",
            "“ghi-chu.docx” không phải là văn bản Word hợp lệ",
        ),
        # A macro-enabled Word file renamed to .docx is not a .docx.
        ("macro.docx", files.ooxml("docm"), "Nội dung tệp “macro.docx” không phải"),
        # A zip that is no document.
        ("nen.pptx", files.odf("text")[:30] + b"broken", "không phải là bản trình chiếu"),
        ("chuong-trinh.exe", b"MZ\x90\x00", "không thuộc loại được nhận"),
        ("khong-duoi", files.png(), "không thuộc loại được nhận"),
        ("rong.png", b"", "“rong.png” rỗng"),
    ],
)
def test_files_that_lie_are_refused_with_a_clear_message(name, content, expected):
    assert expected in _refusal(name, content)


def test_a_docx_that_carries_macros_is_refused_even_with_a_docx_manifest():
    import io
    import zipfile

    buffer = io.BytesIO()
    source = zipfile.ZipFile(io.BytesIO(files.ooxml("docx")))
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in source.namelist():
            archive.writestr(name, source.read(name))
        archive.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0 macro")
    assert "“hop-dong.docx”" in _refusal("hop-dong.docx", buffer.getvalue())


def test_a_file_over_the_limit_is_refused_naming_the_limit(settings):
    settings.DIEMTUA_UPLOAD_MAX_MB = 1
    big = files.png() + b"\x00" * (1024 * 1024)
    message = _refusal("anh-lon.png", big)
    assert "“anh-lon.png” nặng 1,0 MB, vượt giới hạn 1 MB" in message


def test_only_the_allowed_kinds_pass():
    message = _refusal("anh.png", files.png(), allowed={"pdf", "docx"})
    assert "Chỉ nhận: .docx, .pdf" in message


def test_only_the_head_is_read_for_images_and_pdf():
    class Counting:
        def __init__(self, data):
            self.data, self.read_bytes, self.pos = data, 0, 0
            self.name, self.size = "anh.png", len(data)

        def seek(self, pos):
            self.pos = pos

        def read(self, n=-1):
            chunk = self.data[self.pos : self.pos + n]
            self.read_bytes += len(chunk)
            self.pos += len(chunk)
            return chunk

    big = Counting(files.png() + b"\x00" * 5_000_000)
    assert uploads.check_upload(big).code == "png"
    assert big.read_bytes <= 64


def test_names_lose_any_folder_the_browser_sent():
    assert uploads.clean_name("C:\\Users\\co giao\\anh 1.png") == "anh 1.png"
    assert uploads.clean_name("../../etc/passwd") == "passwd"
    assert uploads.clean_name("") == "tep"
