"""Writes of experience exchanges and of the document library. One transaction, one audit row
each; files are checked by their content (core/uploads.py) before anything is written and
removed from the disk if the transaction fails."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from diemtua.audit import services as audit
from diemtua.core import uploads
from diemtua.core.text import fold
from diemtua.orgs.models import OrgKind

from . import access
from .models import Exchange, LibraryDocument, LibraryVersion, Visibility
from .services import EARLIEST, check_owner, in_subtree, programs_for_owner

EXCHANGE_FIELDS = ("title", "held_on", "mode", "location", "lessons", "program")
DOCUMENT_FIELDS = ("title", "category", "visibility", "program", "exchange", "description")
UPLOAD_FOLDER = "library"
MAX_VERSIONS = 50


def _d(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def _exchange_errors(exchange: Exchange, schools) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    latest = today + datetime.timedelta(days=730)
    if exchange.held_on and not EARLIEST <= exchange.held_on <= latest:
        errors["held_on"] = [
            _("Ngày tổ chức phải từ %(start)s đến %(end)s.")
            % {"start": _d(EARLIEST), "end": _d(latest)}
        ]
    outside = [
        s.name
        for s in schools
        if s.kind != OrgKind.SCHOOL or not in_subtree(s.pk, exchange.owner_id)
    ]
    if outside:
        errors["schools"] = [
            _("Không thuộc phạm vi của %(owner)s: %(schools)s.")
            % {"owner": exchange.owner.name, "schools": ", ".join(outside)}
        ]
    if exchange.program_id and not programs_for_owner(exchange.owner).filter(
        pk=exchange.program_id
    ):
        errors["program"] = [_("Đơn vị tổ chức không tham gia chương trình này.")]
    try:
        exchange.full_clean()
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    return errors


@transaction.atomic
def exchange_create(
    *,
    actor,
    owner,
    title: str,
    held_on: datetime.date,
    mode: str,
    location: str = "",
    lessons: str = "",
    program=None,
    schools=(),
    request=None,
) -> Exchange:
    check_owner(actor, owner)
    schools = list(schools)
    exchange = Exchange(
        owner=owner,
        program=program,
        title=(title or "").strip(),
        held_on=held_on,
        mode=mode,
        location=(location or "").strip(),
        lessons=(lessons or "").strip(),
        created_by=actor,
    )
    exchange.search_title = fold(exchange.title)
    errors = _exchange_errors(exchange, schools)
    if errors:
        raise ValidationError(errors)
    exchange.save()
    exchange.schools.set(schools)
    audit.record(
        actor=actor,
        action="trainings.exchange_create",
        obj=exchange,
        org_unit=owner.pk,
        request=request,
        extra={"program": exchange.program_id, "schools": len(schools)},
    )
    return exchange


@transaction.atomic
def exchange_update(
    *, actor, exchange: Exchange, schools=None, request=None, **changes
) -> Exchange:
    unknown = set(changes) - set(EXCHANGE_FIELDS)
    if unknown:
        raise TypeError(f"exchange_update: unknown fields {sorted(unknown)}")
    exchange = (
        Exchange.objects.select_for_update(of=("self",)).select_related("owner").get(pk=exchange.pk)
    )
    check_owner(actor, exchange.owner)
    for name in ("title", "location", "lessons"):
        if name in changes:
            changes[name] = (changes[name] or "").strip()
    changed = [f for f in EXCHANGE_FIELDS if f in changes and getattr(exchange, f) != changes[f]]
    for name in changed:
        setattr(exchange, name, changes[name])
    exchange.search_title = fold(exchange.title)
    current = set(exchange.schools.values_list("pk", flat=True))
    school_list = list(schools) if schools is not None else None
    schools_changed = school_list is not None and {s.pk for s in school_list} != current
    errors = _exchange_errors(exchange, school_list or [])
    if errors:
        raise ValidationError(errors)
    if not (changed or schools_changed):
        return exchange
    if changed:
        exchange.save(update_fields=[*changed, "search_title", "updated_at"])
    if schools_changed:
        exchange.schools.set(school_list)
    audit.record(
        actor=actor,
        action="trainings.exchange_update",
        obj=exchange,
        org_unit=exchange.owner_id,
        request=request,
        extra={"changed": sorted(changed + ["schools"] * schools_changed)},
    )
    return exchange


def _document_errors(document: LibraryDocument) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if document.visibility == Visibility.PROGRAM and document.program_id is None:
        errors["program"] = [_("Hãy chọn chương trình cho phạm vi “tham gia chương trình”.")]
    if document.program_id and not programs_for_owner(document.owner).filter(
        pk=document.program_id
    ):
        errors.setdefault("program", []).append(_("Đơn vị đăng không tham gia chương trình này."))
    if document.exchange_id and document.exchange.owner_id != document.owner_id:
        errors["exchange"] = [_("Chỉ gắn được với buổi trao đổi do chính đơn vị tổ chức.")]
    if document.visibility == Visibility.NATIONAL and document.owner.kind != OrgKind.MINISTRY:
        errors["visibility"] = [_("Chỉ Bộ GD&ĐT đăng tài liệu cho toàn quốc.")]
    try:
        document.full_clean(validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    return errors


def _store_version(document, upload, kind, *, actor, number: int, note: str, saved: list):
    name = uploads.store(upload, folder=UPLOAD_FOLDER, kind=kind)
    saved.append(name)
    version = LibraryVersion(
        document=document,
        number=number,
        note=(note or "").strip()[:255],
        stored_name=name,
        original_name=uploads.clean_name(upload.name),
        file_kind=kind.code,
        content_type=kind.content_type,
        size=upload.size,
        uploaded_by=actor,
    )
    version.full_clean()
    version.save()
    return version


def _check_file(upload, field: str = "file"):
    if upload is None:
        raise ValidationError({field: _("Hãy chọn tệp tài liệu.")})
    try:
        return uploads.check_upload(upload)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None


@transaction.atomic
def document_create(
    *,
    actor,
    owner,
    title: str,
    category: str,
    visibility: str,
    upload,
    note: str = "",
    description: str = "",
    program=None,
    exchange=None,
    request=None,
) -> LibraryDocument:
    """Post a document with its first version."""
    check_owner(actor, owner)
    document = LibraryDocument(
        owner=owner,
        title=(title or "").strip(),
        category=category,
        visibility=visibility,
        program=program,
        exchange=exchange,
        description=(description or "").strip(),
        created_by=actor,
    )
    document.search_title = fold(document.title)
    errors = _document_errors(document)
    try:
        kind = _check_file(upload)
    except ValidationError as error:
        errors.update(error.message_dict)
        kind = None
    if errors:
        raise ValidationError(errors)
    saved: list[str] = []
    try:
        document.save()
        version = _store_version(
            document, upload, kind, actor=actor, number=1, note=note, saved=saved
        )
        audit.record(
            actor=actor,
            action="trainings.document_create",
            obj=document,
            org_unit=owner.pk,
            request=request,
            extra={"visibility": visibility, "category": category, "version": version.pk},
        )
    except BaseException:
        for name in saved:
            uploads.delete(name)
        raise
    return document


@transaction.atomic
def document_update(
    *, actor, document: LibraryDocument, request=None, **changes
) -> LibraryDocument:
    unknown = set(changes) - set(DOCUMENT_FIELDS)
    if unknown:
        raise TypeError(f"document_update: unknown fields {sorted(unknown)}")
    document = (
        LibraryDocument.objects.select_for_update(of=("self",))
        .select_related("owner")
        .get(pk=document.pk)
    )
    check_owner(actor, document.owner)
    for name in ("title", "description"):
        if name in changes:
            changes[name] = (changes[name] or "").strip()
    changed = [f for f in DOCUMENT_FIELDS if f in changes and getattr(document, f) != changes[f]]
    for name in changed:
        setattr(document, name, changes[name])
    document.search_title = fold(document.title)
    errors = _document_errors(document)
    if errors:
        raise ValidationError(errors)
    if not changed:
        return document
    document.save(update_fields=[*changed, "search_title", "updated_at"])
    audit.record(
        actor=actor,
        action="trainings.document_update",
        obj=document,
        org_unit=document.owner_id,
        request=request,
        extra={"changed": sorted(changed)},
    )
    return document


@transaction.atomic
def version_add(
    *, actor, document: LibraryDocument, upload, note: str = "", request=None
) -> LibraryVersion:
    """A new version of the document's file; earlier versions stay downloadable."""
    if actor is not None and not access.can_manage(actor, document.owner_id):
        raise PermissionDenied
    # Locked so two uploads at once do not both become version n+1.
    document = LibraryDocument.objects.select_for_update(of=("self",)).get(pk=document.pk)
    kind = _check_file(upload)
    if not (note or "").strip():
        raise ValidationError({"note": _("Hãy ghi ngắn gọn điều gì thay đổi ở phiên bản này.")})
    last = document.versions.aggregate(n=Max("number"))["n"] or 0
    if last >= MAX_VERSIONS:
        raise ValidationError(_("Một tài liệu có tối đa %(n)s phiên bản.") % {"n": MAX_VERSIONS})
    saved: list[str] = []
    try:
        version = _store_version(
            document, upload, kind, actor=actor, number=last + 1, note=note, saved=saved
        )
        document.save(update_fields=["updated_at"])
        audit.record(
            actor=actor,
            action="trainings.version_add",
            obj=version,
            org_unit=document.owner_id,
            request=request,
            extra={"document": document.pk, "number": version.number},
        )
    except BaseException:
        for name in saved:
            uploads.delete(name)
        raise
    return version
