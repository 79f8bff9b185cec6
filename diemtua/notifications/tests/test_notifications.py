"""Notifications: who is told, by which channel, and that no e-mail names a student."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from diemtua.cases import alerts, services
from diemtua.cases.models import EmergencyOverride
from diemtua.notifications import reminders, tasks
from diemtua.notifications.models import Notification

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY_8 = datetime.datetime(2026, 11, 2, 8, 0, tzinfo=VN)


@pytest.fixture
def people(world):
    for key in ("counselor", "school_lead", "department_officer", "department_officer_b"):
        user = world.users[key]
        user.email = f"{user.username}@example.vn"
        user.save(update_fields=["email"])
    return world.users


@pytest.fixture
def case(world, people):
    with time_machine.travel(MONDAY_8 - datetime.timedelta(days=1), tick=False):
        return services.case_open(
            actor=people["counselor"], school=world.school_a, student=world.student_a
        )


def _no_student_data(world):
    for message in mail.outbox:
        text = message.subject + message.body
        assert world.student_a.full_name not in text
        assert "nguyen van an" not in text.lower()


def test_an_alert_tells_the_school_team_at_once_and_later_the_department(
    world, people, case, django_capture_on_commit_callbacks, settings
):
    settings.DIEMTUA_ALERT_ACK_MINUTES = 60
    with (
        time_machine.travel(MONDAY_8, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.assessment_record(
            actor=people["counselor"], case=case, assessed_on=timezone.localdate(),
            risk_level="imminent", risk_reasons="Em nói Nguyễn Văn An muốn tự tử",
        )  # fmt: skip
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert told == {"tv.a", "bgh.a"}
    assert {m.to[0] for m in mail.outbox} == {"tv.a@example.vn", "bgh.a@example.vn"}
    assert f"#{case.pk}" in mail.outbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        alerts.escalate_overdue(MONDAY_8 + datetime.timedelta(minutes=61))
        alerts.escalate_overdue(MONDAY_8 + datetime.timedelta(minutes=122))
    assert Notification.objects.filter(user=people["department_officer"]).count() == 1
    assert not Notification.objects.filter(user=people["department_officer_b"]).exists()
    _no_student_data(world)


def test_reminders_are_sent_once_a_day_and_gathered_in_the_digest(world, people, case):
    services.consent_record(
        actor=people["counselor"], case=case, given_by="student", scopes=["counseling"],
        method="verbal", given_on=timezone.localdate(),
    )  # fmt: skip
    services.session_record(
        actor=people["counselor"], case=case, held_at=timezone.now(), form="individual",
        duration_minutes=30, notes="x", follow_up_on=timezone.localdate(),
    )  # fmt: skip
    assert reminders.send_all() == 1
    tasks.send_reminders.delay()  # a rerun (as beat would) sends nothing twice
    note = Notification.objects.get()
    assert note.kind == "reminder" and note.link == reverse("case_detail", kwargs={"pk": case.pk})
    assert mail.outbox == []  # reminders go to the digest by default
    tasks.send_digests.delay()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["tv.a@example.vn"]
    tasks.send_digests.delay()
    assert len(mail.outbox) == 1  # digested once
    _no_student_data(world)


def test_the_centre_badge_and_preferences(world, people, client):
    counselor, lead = people["counselor"], people["school_lead"]
    mine = Notification.objects.create(user=counselor, kind="reminder", text="A", link="/cases/")
    theirs = Notification.objects.create(user=lead, kind="reminder", text="B", link="/")
    client.force_login(counselor)
    assert "A" in client.get(reverse("notification_list")).content.decode()
    badge = client.get(reverse("notification_badge")).content.decode()
    assert ">1<" in badge.replace(" ", "") or "1<span" in badge.replace(" ", "")
    assert client.post(reverse("notification_open", kwargs={"pk": theirs.pk})).status_code == 404
    response = client.post(reverse("notification_open", kwargs={"pk": mine.pk}))
    assert response.status_code == 302 and response["Location"] == "/cases/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    client.post(reverse("notification_preferences"), {"reminder-email": "on"})
    from diemtua.notifications.services import channels

    assert channels(counselor, "reminder") == {"email": True, "digest": False}
    assert channels(counselor, "alert") == {"email": False, "digest": False}
    Notification.objects.create(
        user=counselor, kind="reminder", text="C", link="https://evil.example/"
    )
    evil = Notification.objects.get(text="C")
    assert client.post(reverse("notification_open", kwargs={"pk": evil.pk}))["Location"] == (
        reverse("notification_list")
    )


def test_an_unanswered_referral_reminds_the_partner_and_late_feedback_the_school(world, people):
    from diemtua.referrals.models import Referral

    counselor = people["counselor"]
    case = services.case_open(actor=counselor, school=world.school_a, student=world.student_a)
    partner = world.users["partner_staff"]
    referral = Referral.objects.create(
        case=case, school=world.school_a, provider=world.provider_a, reason="x", urgency="soon",
        shared="{}", sent_at=timezone.now() - datetime.timedelta(days=5), sent_by=counselor,
        respond_due_at=timezone.now() - datetime.timedelta(days=2),
        feedback_due_on=timezone.localdate() - datetime.timedelta(days=1),
        emergency=EmergencyOverride.objects.create(
            case=case, scope="sharing", reason="x", recorded_at=timezone.now(),
            recorded_by=counselor,
        ),
    )  # fmt: skip
    reminders.send_all()
    assert Notification.objects.filter(user=partner, kind="referral").count() == 1
    assert Notification.objects.filter(user=counselor, kind="referral").count() == 1
    reminders.send_all()
    assert Notification.objects.filter(kind="referral").count() == 2
    assert str(referral.pk) in Notification.objects.get(user=partner).text
