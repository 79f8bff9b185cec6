"""Sending notifications: stored for the in-app centre, e-mailed at once or in a daily digest
as each person chose. Texts name no student and carry no case content — only a link."""

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from .models import DEFAULT_CHANNELS, Kind, Notification, Preference


def channels(user, kind: str) -> dict[str, bool]:
    pref = Preference.objects.filter(user=user, kind=kind).first()
    if pref is None:
        return dict(DEFAULT_CHANNELS[kind])
    return {"email": pref.email, "digest": pref.digest}


def _absolute(link: str) -> str:
    base = settings.DIEMTUA_PUBLIC_URL or "http://127.0.0.1:8000"
    return f"{base}{link}"


def notify(*, users, kind: str, text: str, link: str, dedupe_key: str = "") -> list[Notification]:
    """Store one notification per user (skipping a dedupe_key they already had) and e-mail
    those who want it at once. Returns the notifications created."""
    created = []
    for user in {u.pk: u for u in users if u is not None and u.is_active}.values():
        try:
            with transaction.atomic():
                note = Notification.objects.create(
                    user=user, kind=kind, text=text[:255], link=link, dedupe_key=dedupe_key
                )
        except IntegrityError:
            continue  # already told (same dedupe_key): a rerun of a job sends nothing twice
        created.append(note)
        if user.email and channels(user, kind)["email"]:
            _email(user, [note])
            note.emailed_at = timezone.now()
            note.save(update_fields=["emailed_at"])
    return created


def _email(user, notes: list[Notification]) -> None:
    # Vietnamese: the working language; the text itself is a generic sentence with a link.
    with override("vi"):
        subject = (
            _("[Điểm Tựa] %(text)s") % {"text": notes[0].text}
            if len(notes) == 1
            else _("[Điểm Tựa] %(n)s việc cần chú ý") % {"n": len(notes)}
        )
        lines = [f"- {n.text}: {_absolute(n.link)}" for n in notes]
        body = "\n".join(
            [
                _("Xin chào,"),
                "",
                *lines,
                "",
                _("Thư này không chứa thông tin của học sinh. Hãy đăng nhập để xem."),
                _("Đổi cách nhận thông báo: %(url)s")
                % {"url": _absolute("/notifications/preferences/")},
            ]
        )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


def send_digests(now: datetime.datetime | None = None) -> int:
    """One e-mail per person with what the last day brought for their digest kinds."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=1)
    pending = (
        Notification.objects.filter(
            created_at__gte=since, read_at__isnull=True, emailed_at__isnull=True,
            digested_at__isnull=True,
        )
        .select_related("user")
        .order_by("user_id", "created_at")
    )  # fmt: skip
    by_user: dict[int, list[Notification]] = {}
    for note in pending:
        if note.user.email and note.user.is_active and channels(note.user, note.kind)["digest"]:
            by_user.setdefault(note.user_id, []).append(note)
    for notes in by_user.values():
        _email(notes[0].user, notes)
        Notification.objects.filter(pk__in=[n.pk for n in notes]).update(digested_at=now)
    return len(by_user)


def mark_read(*, user, notification: Notification) -> None:
    if notification.user_id == user.pk and notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


def mark_all_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def preferences_save(*, user, choices: dict[str, dict[str, bool]]) -> None:
    for kind in Kind.values:
        wanted = choices.get(kind, {})
        Preference.objects.update_or_create(
            user=user,
            kind=kind,
            defaults={"email": bool(wanted.get("email")), "digest": bool(wanted.get("digest"))},
        )
