"""The referral loop: a counselor sends, the partner's staff accept, book, close with an outcome,
and the case shows it; consent, outsiders, transitions, double submits and query counts."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from diemtua.accounts import services as account_services
from diemtua.accounts.roles import Role
from diemtua.audit.models import AuditEvent
from diemtua.cases import services as case_services
from diemtua.cases.models import EmergencyOverride
from diemtua.orgs import services as org_services
from diemtua.orgs.models import OrgKind
from diemtua.referrals import services
from diemtua.referrals.models import (
    Appointment,
    ProviderCategory,
    ProviderProfile,
    Referral,
    ReferralStatus,
)

PARTNER = "Bệnh viện Tâm thần Hà Nội"
REASON = "Ý-nghĩ-tự-hại-lặp-lại-4417"
SUMMARY = "Tóm-tắt-cho-bệnh-viện-8831"


def _token(client, url):
    page = client.get(url).content.decode()
    return re.search(r'name="once" value="([0-9a-f]{32})"', page).group(1)


@pytest.fixture
def counselor(world):
    return world.users["counselor"]


@pytest.fixture
def partner(world):
    return world.users["partner_staff"]


@pytest.fixture
def provider(world):
    ProviderProfile.objects.create(
        unit=world.provider_a, category=ProviderCategory.PSYCHIATRIC, accepts_referrals=True
    )
    return world.provider_a


@pytest.fixture
def case(world, counselor):
    return case_services.case_open(
        actor=counselor, school=world.school_a, student=world.student_a, summary="Em hay buồn"
    )


def _consent_to_share(world, case, counselor, partner_name=PARTNER):
    mother = world.student_a.guardians.get()
    for given_by, extra in (("student", {}), ("guardian", {"guardian": mother})):
        case_services.consent_record(
            actor=counselor,
            case=case,
            given_by=given_by,
            scopes={"counseling", "sharing"},
            method="verbal",
            given_on=timezone.localdate(),
            partner_name=partner_name,
            **extra,
        )


def _send(case, counselor, provider, **kwargs):
    values = {
        "reason": REASON,
        "urgency": "soon",
        "fields": ["full_name", "class_name", "summary"],
        "summary": SUMMARY,
        "feedback_due_on": timezone.localdate() + datetime.timedelta(days=14),
    }
    values.update(kwargs)
    return services.referral_send(actor=counselor, case=case, provider=provider, **values)


def test_the_loop_closes_through_the_pages(world, client, case, counselor, partner, provider):
    _consent_to_share(world, case, counselor)
    client.force_login(counselor)
    case_page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    send_url = reverse("case_referral_send", args=[case.pk])
    assert send_url in case_page
    due = timezone.localdate() + datetime.timedelta(days=10)
    response = client.post(
        send_url,
        {
            "provider": provider.pk,
            "reason": REASON,
            "urgency": "urgent",
            "fields": ["full_name", "date_of_birth", "guardian_contact", "summary"],
            "summary": SUMMARY,
            "feedback_due_on": due.isoformat(),
            "once": _token(client, send_url),
        },
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.status == ReferralStatus.SENT and referral.feedback_due_on == due
    assert referral.respond_due_at > referral.sent_at
    # The consent covering this partner is what the sharing rests on.
    assert referral.consent_id and referral.emergency_id is None
    assert referral.consent.partner_name == PARTNER
    client.logout()

    client.force_login(partner)
    inbox = client.get(reverse("partner_referral_list")).content.decode()
    detail_url = reverse("partner_referral_detail", args=[referral.pk])
    assert detail_url in inbox
    page = client.get(detail_url).content.decode()
    # Exactly what was chosen, and nothing that was not (class, risk, the case's summary).
    for shown in (world.student_a.full_name, "0912345678", SUMMARY, REASON):
        assert shown in page
    assert world.student_a.class_name not in page and "Em hay buồn" not in page
    assert reverse("case_detail", args=[case.pk]) not in page
    accept = reverse("partner_referral_accept", args=[referral.pk])
    assert client.post(accept, {"once": _token(client, detail_url)}).status_code == 302
    at = timezone.localtime() + datetime.timedelta(days=3)
    response = client.post(
        reverse("partner_appointment_create", args=[referral.pk]),
        {
            "at": at.strftime("%Y-%m-%dT%H:%M"),
            "details": "Phòng khám số 3",
            "once": _token(client, detail_url),
        },
    )
    assert response.status_code == 302
    close = reverse("partner_referral_close", args=[referral.pk])
    response = client.post(
        close,
        {"outcome": "successful", "feedback": "Em đã khám, tái khám sau 1 tháng.",
         "once": _token(client, detail_url)},
    )  # fmt: skip
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CLOSED and referral.outcome == "successful"
    client.logout()

    client.force_login(counselor)
    case_page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "Phòng khám số 3" in case_page and "tái khám sau 1 tháng" in case_page
    chronology = client.get(
        reverse("student_chronology", args=[world.student_a.pk])
    ).content.decode()
    for title in ("Chuyển gửi tới", "tiếp nhận chuyển gửi", "Lịch hẹn tại", "kết thúc chuyển gửi"):
        assert title in chronology
    assert client.get(detail_url).status_code == 200  # the school reads status and feedback
    # Every view is audited; no audit row carries the content.
    assert AuditEvent.objects.filter(action="referrals.referral_view").count() >= 2
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"referrals.referral_send", "referrals.referral_accept",
            "referrals.appointment_record", "referrals.referral_close"} <= actions  # fmt: skip
    for event in AuditEvent.objects.filter(action__startswith="referrals."):
        assert REASON not in str(event.extra) and SUMMARY not in str(event.extra)


def test_sending_needs_consent_for_that_partner_or_an_emergency(world, case, counselor, provider):
    _consent_to_share(world, case, counselor, partner_name="Trung tâm khác")
    with pytest.raises(ValidationError) as refused:
        _send(case, counselor, provider)
    assert "emergency_reason" in refused.value.message_dict
    assert not Referral.objects.exists() and not EmergencyOverride.objects.exists()
    referral = _send(case, counselor, provider, emergency_reason="Em vừa nói sẽ tự tử tối nay")
    assert referral.emergency_id is not None and referral.consent_id is None
    assert EmergencyOverride.objects.filter(case=case, scope="sharing").count() == 1


def test_send_form_shows_the_refusal(world, client, case, counselor, provider):
    client.force_login(counselor)
    url = reverse("case_referral_send", args=[case.pk])
    response = client.post(
        url,
        {"provider": provider.pk, "reason": REASON, "urgency": "routine",
         "fields": ["class_name"], "feedback_due_on":
         (timezone.localdate() + datetime.timedelta(days=7)).isoformat()},
    )  # fmt: skip
    assert response.status_code == 400
    assert "Chưa có sự đồng ý" in response.content.decode()
    assert not Referral.objects.exists()


def test_field_rules(world, case, counselor, provider):
    _consent_to_share(world, case, counselor)
    with pytest.raises(ValidationError) as refused:
        _send(case, counselor, provider, fields=[], summary="")
    assert "fields" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        _send(case, counselor, provider, fields=["summary"], summary=" ")
    assert "summary" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        _send(case, counselor, provider, feedback_due_on=timezone.localdate())
    assert "feedback_due_on" in refused.value.message_dict
    ProviderProfile.objects.filter(unit=provider).update(accepts_referrals=False)
    with pytest.raises(ValidationError) as refused:
        _send(case, counselor, provider)
    assert "provider" in refused.value.message_dict
    ProviderProfile.objects.filter(unit=provider).update(accepts_referrals=True)
    referral = _send(case, counselor, provider, fields=["risk_level"], summary="")
    assert [label for label, _value in referral.shared_items()] == [
        "Mức nguy cơ của lần đánh giá gần nhất"
    ]


def test_transitions_and_outcome_rules(world, case, counselor, partner, provider):
    _consent_to_share(world, case, counselor)
    referral = _send(case, counselor, provider)
    when = timezone.now() + datetime.timedelta(days=2)
    with pytest.raises(ValidationError, match="đã tiếp nhận"):
        services.appointment_record(actor=partner, referral=referral, at=when)
    with pytest.raises(ValidationError, match="đã tiếp nhận"):
        services.referral_close(actor=partner, referral=referral, outcome="successful",
                                feedback="x")  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        services.referral_decline(actor=partner, referral=referral, reason=" ")
    assert "reason" in refused.value.message_dict
    services.referral_accept(actor=partner, referral=referral)
    with pytest.raises(ValidationError, match="đã được trả lời"):
        services.referral_accept(actor=partner, referral=referral)
    with pytest.raises(ValidationError, match="đã được trả lời"):
        services.referral_decline(actor=partner, referral=referral, reason="Hết chỗ")
    with pytest.raises(ValidationError) as refused:
        services.referral_close(actor=partner, referral=referral, outcome="", feedback="x")
    assert "outcome" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.referral_close(actor=partner, referral=referral, outcome="not_successful",
                                feedback="x")  # fmt: skip
    assert "failure_reason" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.referral_close(actor=partner, referral=referral, outcome="successful")
    assert "feedback" in refused.value.message_dict
    referral = services.referral_close(
        actor=partner, referral=referral, outcome="not_successful",
        failure_reason="unreachable", feedback="Gọi ba lần không được.",
    )  # fmt: skip
    assert referral.status == ReferralStatus.CLOSED
    with pytest.raises(ValidationError):
        services.referral_close(actor=partner, referral=referral, outcome="successful",
                                feedback="x")  # fmt: skip
    # The school's counselor cannot answer for the partner.
    other = _send(case, counselor, provider)
    with pytest.raises(Exception) as refused:
        services.referral_accept(actor=counselor, referral=other)
    assert type(refused.value).__name__ == "PermissionDenied"


def test_decline_page_needs_a_reason(world, client, case, counselor, partner, provider):
    _consent_to_share(world, case, counselor)
    referral = _send(case, counselor, provider)
    client.force_login(partner)
    response = client.post(reverse("partner_referral_decline", args=[referral.pk]), {})
    assert response.status_code == 400 and "Hãy ghi lý do từ chối" in response.content.decode()
    response = client.post(
        reverse("partner_referral_decline", args=[referral.pk]), {"reason": "Hết chỗ"}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED
    client.force_login(counselor)
    page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "Hết chỗ" in page


def _other_partner(world):
    unit = org_services.org_unit_create(
        actor=None, kind=OrgKind.PROVIDER, name="Trung tâm CTXH Hà Nội", code="01-CTXH",
        parent=world.dept_a,
    )  # fmt: skip
    ProviderProfile.objects.create(unit=unit, category="social_work", accepts_referrals=True)
    user = account_services.user_create(
        actor=None, username="dt.other", full_name="Cán bộ khác", password="x-Pass-12345!"
    )
    account_services.membership_grant(actor=None, user=user, org_unit=unit, role=Role.PARTNER_STAFF)
    return user


def test_another_organisation_sees_nothing(world, client, case, counselor, provider):
    _consent_to_share(world, case, counselor)
    referral = _send(case, counselor, provider)
    client.force_login(_other_partner(world))
    inbox = client.get(reverse("partner_referral_list"))
    assert inbox.status_code == 200 and str(referral.pk) not in re.findall(
        r"/referrals/(\d+)/", inbox.content.decode()
    )
    assert client.get(reverse("partner_referral_detail", args=[referral.pk])).status_code == 404
    for name in ("partner_referral_accept", "partner_referral_close"):
        assert client.post(reverse(name, args=[referral.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="referrals.access_refused").exists()


def test_partner_staff_cannot_reach_the_case_or_student(world, client, case, counselor, partner,
                                                        provider):  # fmt: skip
    _consent_to_share(world, case, counselor)
    _send(case, counselor, provider)
    client.force_login(partner)
    assert client.get(reverse("case_detail", args=[case.pk])).status_code in (403, 404)
    assert client.get(reverse("student_detail", args=[world.student_a.pk])).status_code in (
        403,
        404,
    )
    assert client.get(reverse("student_chronology", args=[world.student_a.pk])).status_code in (
        403,
        404,
    )


def test_double_submit_saves_once(world, client, case, counselor, partner, provider):
    _consent_to_share(world, case, counselor)
    client.force_login(counselor)
    url = reverse("case_referral_send", args=[case.pk])
    data = {
        "provider": provider.pk, "reason": REASON, "urgency": "routine", "fields": ["class_name"],
        "feedback_due_on": (timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
        "once": _token(client, url),
    }  # fmt: skip
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert Referral.objects.count() == 1
    referral = Referral.objects.get()
    services.referral_accept(actor=partner, referral=referral)
    client.force_login(partner)
    detail = reverse("partner_referral_detail", args=[referral.pk])
    data = {
        "at": (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "details": "x",
        "once": _token(client, detail),
    }
    create = reverse("partner_appointment_create", args=[referral.pk])
    assert client.post(create, data).status_code == 302
    assert client.post(create, data).status_code == 302
    assert Appointment.objects.count() == 1


def test_overdue_markers(world, client, case, counselor, partner, provider, time_machine):
    _consent_to_share(world, case, counselor)
    referral = _send(case, counselor, provider)
    assert not referral.response_overdue and not referral.feedback_overdue
    time_machine.move_to(timezone.now() + datetime.timedelta(days=20))
    referral.refresh_from_db()
    assert referral.response_overdue and referral.feedback_overdue
    client.force_login(partner)
    page = client.get(reverse("partner_referral_list")).content.decode()
    assert 'data-overdue="response"' in page and 'data-overdue="feedback"' in page


def test_list_and_case_page_queries_are_bounded(world, client, case, counselor, partner,
                                                provider):  # fmt: skip
    _consent_to_share(world, case, counselor)

    def load():
        client.force_login(partner)
        with CaptureQueriesContext(connection) as inbox:
            assert client.get(reverse("partner_referral_list")).status_code == 200
        client.force_login(counselor)
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("case_detail", args=[case.pk])).status_code == 200
        return len(inbox), len(page)

    def add():
        referral = _send(case, counselor, provider)
        services.referral_accept(actor=partner, referral=referral)
        services.appointment_record(
            actor=partner, referral=referral, at=timezone.now() + datetime.timedelta(days=1)
        )

    add()
    few = load()
    for _ in range(4):
        add()
    many = load()
    assert many == few


def test_each_step_of_the_loop_is_notified_without_the_students_name(
    world, case, counselor, partner, provider, django_capture_on_commit_callbacks
):
    from django.core import mail

    from diemtua.notifications.models import Notification

    counselor.email, partner.email = "tv@example.vn", "dt@example.vn"
    counselor.save(update_fields=["email"])
    partner.save(update_fields=["email"])
    _consent_to_share(world, case, counselor)
    with django_capture_on_commit_callbacks(execute=True):
        referral = _send(case, counselor, provider)
    assert Notification.objects.filter(user=partner, kind="referral").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_accept(actor=partner, referral=referral)
    assert Notification.objects.filter(user=counselor, kind="referral").count() == 1
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert case.student.full_name not in message.subject + message.body


def test_found_in_review_dates_names_and_provinces(world, case, counselor, partner, provider):
    from diemtua.orgs import services as org_services

    _consent_to_share(world, case, counselor)
    referral = _send(case, counselor, provider)
    services.referral_accept(actor=partner, referral=referral)
    year_one = datetime.datetime(
        1, 1, 1, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=7))
    )
    with pytest.raises(ValidationError, match="Thời gian hẹn"):
        services.appointment_record(actor=partner, referral=referral, at=year_one)
    # A second current unit with the same name: one consent cannot tell them apart.
    twin = org_services.org_unit_create(
        actor=None, kind="provider", name=f"  {provider.name.lower()} ", code="99-TWIN",
        parent=world.ministry,
    )  # fmt: skip
    ProviderProfile.objects.create(unit=twin, category=ProviderCategory.PSYCHIATRIC,
                                   accepts_referrals=True)  # fmt: skip
    with pytest.raises(ValidationError, match="trùng tên"):
        _send(case, counselor, twin)
