"""Uploaded files: what a file *is* (by its content, never its name), and where it is kept.

A file's extension is what the person sees and what their computer opens it with; its first
bytes are what it really is. A PNG renamed to .pdf, a text file renamed to .docx or a
macro-enabled Word file renamed to .docx is refused with a message that names the file, so the
person can fix it. Only the bytes needed are read: the signature at the start and, for Office
documents (zip containers), the zip's central directory and one small part.

Files are kept in the "uploads" storage (settings.STORAGES, DIEMTUA_UPLOAD_ROOT), outside the
web root, under random names; they are served only by views that check who may see them.
"""

import os
import secrets
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

_HEAD_BYTES = 64
# [Content_Types].xml of a real document is a few kB; a larger one is not worth inflating.
_MAX_MANIFEST_BYTES = 256 * 1024
_ZIP_SIGNATURE = b"PK\x03\x04"

_OOXML = "application/vnd.openxmlformats-officedocument."
_ODF = "application/vnd.oasis.opendocument."


@dataclass(frozen=True)
class FileKind:
    code: str
    label: str
    content_type: str
    extensions: tuple[str, ...]
    # Office documents: the part that must exist and the main content type it must declare
    # (a macro-enabled .docm declares another one, so it cannot pass as .docx).
    part: str = ""
    main_type: str = ""


KINDS = {
    kind.code: kind
    for kind in [
        FileKind("jpeg", gettext_lazy("ảnh JPEG"), "image/jpeg", (".jpg", ".jpeg")),
        FileKind("png", gettext_lazy("ảnh PNG"), "image/png", (".png",)),
        FileKind("webp", gettext_lazy("ảnh WebP"), "image/webp", (".webp",)),
        FileKind("pdf", gettext_lazy("tài liệu PDF"), "application/pdf", (".pdf",)),
        FileKind(
            "docx",
            gettext_lazy("văn bản Word"),
            _OOXML + "wordprocessingml.document",
            (".docx",),
            "word/document.xml",
            _OOXML + "wordprocessingml.document.main+xml",
        ),
        FileKind(
            "pptx",
            gettext_lazy("bản trình chiếu PowerPoint"),
            _OOXML + "presentationml.presentation",
            (".pptx",),
            "ppt/presentation.xml",
            _OOXML + "presentationml.presentation.main+xml",
        ),
        FileKind(
            "xlsx",
            gettext_lazy("bảng tính Excel"),
            _OOXML + "spreadsheetml.sheet",
            (".xlsx",),
            "xl/workbook.xml",
            _OOXML + "spreadsheetml.sheet.main+xml",
        ),
        FileKind("odt", gettext_lazy("văn bản OpenDocument"), _ODF + "text", (".odt",)),
        FileKind(
            "odp", gettext_lazy("bản trình chiếu OpenDocument"), _ODF + "presentation", (".odp",)
        ),
    ]
}
BY_EXTENSION = {ext: kind for kind in KINDS.values() for ext in kind.extensions}
ALL_KINDS = frozenset(KINDS)


def max_bytes() -> int:
    return settings.DIEMTUA_UPLOAD_MAX_MB * 1024 * 1024


def extension_of(name: str) -> str:
    return os.path.splitext(name or "")[1].lower()


def clean_name(name: str) -> str:
    """The name as the person knows it, without any folder a browser may have sent."""
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    base = "".join(ch for ch in base if ch.isprintable())
    if len(base) > 200:
        stem, ext = os.path.splitext(base)
        base = stem[: 200 - len(ext)] + ext
    return base or "tep"


def _read_head(upload) -> bytes:
    upload.seek(0)
    head = upload.read(_HEAD_BYTES)
    upload.seek(0)
    return head


def _zip_kind(upload) -> str | None:
    """Which Office kind a zip container is, from its directory and one small part."""
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            # Macros (VBA in Office files, Basic scripts in OpenDocument) are never accepted,
            # whatever the manifest claims: a .docm renamed .docx carries vbaProject.bin.
            if any(
                name.lower().endswith("vbaproject.bin") or name.startswith("Basic/")
                for name in names
            ):
                return None
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size <= 100:
                    declared = archive.read(info).decode("ascii", "replace").strip()
                    for kind in (KINDS["odt"], KINDS["odp"]):
                        if declared == kind.content_type:
                            return kind.code
                return None
            if "[Content_Types].xml" not in names:
                return None
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > _MAX_MANIFEST_BYTES:
                return None
            manifest = archive.read(info).decode("utf-8", "replace")
            for code in ("docx", "pptx", "xlsx"):
                kind = KINDS[code]
                if kind.part in names and kind.main_type in manifest:
                    return code
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, RuntimeError, EOFError):
        return None
    finally:
        upload.seek(0)
    return None


def sniff(upload) -> str | None:
    """The kind code the content shows, or None when it is none we accept."""
    head = _read_head(upload)
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(_ZIP_SIGNATURE):
        return _zip_kind(upload)
    return None


def _size_text(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",")


def _accepted(allowed) -> str:
    return ", ".join(ext for code in sorted(allowed) for ext in KINDS[code].extensions)


def check_upload(upload, *, allowed=ALL_KINDS) -> FileKind:
    """The kind of an uploaded file, or a ValidationError that names the file and the rule."""
    name = clean_name(upload.name)
    limit_mb = settings.DIEMTUA_UPLOAD_MAX_MB
    if not upload.size:
        raise ValidationError(
            _("Tệp “%(name)s” rỗng (0 byte). Hãy chọn lại tệp."),
            code="empty",
            params={"name": name},
        )
    if upload.size > max_bytes():
        raise ValidationError(
            _("Tệp “%(name)s” nặng %(size)s MB, vượt giới hạn %(limit)s MB cho mỗi tệp."),
            code="too_large",
            params={"name": name, "size": _size_text(upload.size), "limit": limit_mb},
        )
    claimed = BY_EXTENSION.get(extension_of(name))
    if claimed is None or claimed.code not in allowed:
        raise ValidationError(
            _("Tệp “%(name)s” không thuộc loại được nhận. Chỉ nhận: %(accepted)s."),
            code="unknown_type",
            params={"name": name, "accepted": _accepted(allowed)},
        )
    actual = sniff(upload)
    if actual == claimed.code:
        return claimed
    if actual is None:
        raise ValidationError(
            _(
                "Nội dung tệp “%(name)s” không phải là %(kind)s hợp lệ (tệp có thể bị hỏng hoặc "
                "đã bị đổi đuôi). Hãy mở và lưu lại tệp rồi tải lên."
            ),
            code="bad_content",
            params={"name": name, "kind": claimed.label},
        )
    raise ValidationError(
        _(
            "Tệp “%(name)s” có đuôi %(ext)s nhưng nội dung là %(actual)s. Hãy đặt lại đúng đuôi "
            "hoặc chọn đúng tệp."
        ),
        code="mismatch",
        params={"name": name, "ext": extension_of(name), "actual": KINDS[actual].label},
    )


def storage():
    """The uploads storage, looked up each time so tests can point it elsewhere."""
    return storages["uploads"]


def store(upload, *, folder: str, kind: FileKind) -> str:
    """Save a checked file under a random name; returns the name to keep in the database."""
    upload.seek(0)
    random_name = f"{folder.strip('/')}/{secrets.token_hex(16)}{kind.extensions[0]}"
    return storage().save(random_name, upload)


def delete(stored_name: str) -> None:
    if stored_name:
        storage().delete(stored_name)


def open_stored(stored_name: str):
    """An open binary file, or FileNotFoundError when it is gone from the disk."""
    return storage().open(stored_name, "rb")


def download_response(stored_file):
    """The file as a download (never shown inline), with the content type its bytes showed.

    `stored_file` is any model built on core.models.StoredFile. The caller has checked who may
    see it and writes the audit event. Http404 when the file is gone from the disk.
    """
    from django.http import FileResponse, Http404

    try:
        handle = open_stored(stored_file.stored_name)
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=stored_file.original_name,
        content_type=stored_file.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
