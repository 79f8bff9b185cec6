"""The demo requests and cases that `seed_demo` adds (diemtua/cases/demo.py)."""

import datetime
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from diemtua.accounts.models import User
from diemtua.audit.models import AuditEvent
from diemtua.cases import access, intake, selectors
from diemtua.cases.demo import HOSPITAL, seed_cases
from diemtua.cases.models import (
    Case,
    Consent,
    ConsentGiver,
    Disclosure,
    EmergencyOverride,
    HelpRequest,
    PlanAction,
    Regulation,
    RequestChannel,
    RequestStatus,
    Session,
    SessionForm,
    Stage,
    StageChange,
)
from diemtua.cases.reference import CIRCULAR_18_IN_FORCE
from diemtua.core.fields import EncryptedTextField
from diemtua.orgs.models import OrgKind, OrgUnit


@pytest.fixture
def demo(seeded_demo, db):
    """The 18 pilot schools (the programs demo adds two Hà Nội schools with nobody in place,
    to show staffing gaps; they have no counselor and no cases)."""
    from diemtua.programs.demo import GAP_SCHOOLS

    return OrgUnit.objects.filter(kind=OrgKind.SCHOOL).exclude(code__in=GAP_SCHOOLS)


def _user(username):
    return User.objects.get(username=username)


def test_every_school_has_requests_and_cases_in_every_stage(demo):
    assert demo.count() == 18
    for school in demo:
        stages = set(Case.objects.filter(school=school).values_list("stage", flat=True))
        assert stages == set(Stage.values), school.code
        cases = Case.objects.filter(school=school)
        assert 6 <= cases.count() <= 10
        assert cases.filter(restricted=True).exists(), school.code
        # A reopened case, open again.
        reopened = StageChange.objects.filter(case__school=school, from_stage=Stage.CLOSED)
        assert reopened.exists() and reopened[0].case.is_open and reopened[0].reason
        # Requests people sent (the screening demo adds its flagged results at one school).
        queue = HelpRequest.objects.filter(school=school, status=RequestStatus.NEW).exclude(
            channel="screening"
        )
        assert 2 <= queue.count() <= 5
        # Cases are about students of this school's roster.
        for case in cases.exclude(student=None).select_related("student"):
            assert case.student.school_id == school.pk
        for session in Session.objects.filter(school=school).prefetch_related("students"):
            assert {s.school_id for s in session.students.all()} <= {school.pk}


def test_urgent_anonymous_and_restricted_requests(demo):
    new = HelpRequest.objects.filter(status=RequestStatus.NEW)
    assert new.filter(is_urgent=True, said_urgent=True).exists()
    assert new.filter(is_urgent=True, danger_detected=True).exists()
    assert new.filter(is_anonymous=True, requester_name="").exists()
    assert new.filter(is_anonymous=False).exclude(requester_name="").exists()
    assert (
        new.filter(requester="parent", contact_method="phone").exclude(contact_detail="").exists()
    )
    # Every school's high-risk case is restricted, and Trung Tự's second counselor has one.
    assert Case.objects.filter(restricted=True).count() >= 19
    assert HelpRequest.objects.filter(case__restricted=True, danger_detected=True).exists()
    assert HelpRequest.objects.filter(status=RequestStatus.ANSWERED).exclude(reply="").exists()


def test_trung_tu_queue_restricted_cases_and_teacher(demo):
    school = OrgUnit.objects.get(code="01-TRUNGTU")
    counselor, second, teacher = _user("tv.trungtu"), _user("tv2.trungtu"), _user("gv.trungtu")
    assert school.memberships.filter(role="counselor").count() == 2
    today = timezone.localdate()

    queue = list(selectors.new_requests(fetched_by=counselor, school=school))
    assert queue[0].is_urgent and queue[0].danger_detected
    assert any(r.channel == RequestChannel.TEACHER and r.referred_by == teacher for r in queue)
    counts = selectors.queue_counts(fetched_by=counselor, school=school, today=today)
    assert counts["urgent"] >= 1 and counts["overdue"] >= 1 and counts["mine"] >= 3
    follow_ups = selectors.queue_cases(
        fetched_by=counselor, school=school, tab="follow_up", today=today
    )
    assert any(c.follow_up_on == today and c.is_mine for c in follow_ups)

    # Each counselor has a restricted case the other one cannot see, even by its number.
    for owner, other in ((counselor, second), (second, counselor)):
        hidden = Case.objects.get(school=school, restricted=True, counselors=owner)
        assert list(hidden.counselors.all()) == [owner]
        assert hidden in selectors.visible_cases(fetched_by=owner, school=school)
        assert hidden not in selectors.visible_cases(fetched_by=other, school=school)
        with pytest.raises(Http404):
            access.get_case_for_user(other, hidden.pk)
        for help_request in hidden.requests.all():
            with pytest.raises(Http404):
                access.get_request_for_user(other, help_request.pk)
    assert HelpRequest.objects.filter(case__school=school, case__restricted=True).exists()
    shared = Case.objects.get(school=school, restricted=False, counselors=second)
    assert set(shared.counselors.all()) == {counselor, second}

    # The teacher sees whether her referrals were taken up, nothing more.
    statuses = {r.status for r in selectors.teacher_referrals(fetched_by=teacher)}
    assert statuses == {intake.PublicStatus.SENT, intake.PublicStatus.IN_PROGRESS}


def test_counselor_pages_show_the_demo(demo):
    client = Client()
    client.force_login(_user("tv.trungtu"))
    assert client.get(reverse("case_queue")).status_code == 200
    school = OrgUnit.objects.get(code="01-TRUNGTU")
    for case in Case.objects.filter(school=school, counselors__username="tv.trungtu"):
        assert client.get(reverse("case_detail", kwargs={"pk": case.pk})).status_code == 200


def test_supporting_cases_have_plans_actions_and_a_group_session(demo):
    today = timezone.localdate()
    for case in Case.objects.filter(stage=Stage.SUPPORTING):
        assert case.plans.exists() and case.consents.exists() and case.assessments.exists()
        assert case.actions.filter(status="open", due_on__lt=today).exists()  # overdue
        group = case.sessions.get(form=SessionForm.GROUP)
        assert group.students.count() == 3
    assert PlanAction.objects.filter(status="done", done_on__isnull=False).exists()


def test_closed_case_reply_is_read_on_the_status_page(demo):
    closed = HelpRequest.objects.filter(
        channel=RequestChannel.WEB, case__stage=Stage.CLOSED
    ).select_related("case")
    assert closed.count() == 18
    help_request = closed.first()
    case = help_request.case
    assert case.outcome and case.closing_summary and case.closed_on < timezone.localdate()
    assert help_request.reply and help_request.replied_at
    assert intake.public_status(help_request) == intake.PublicStatus.DONE
    # The student's PIN is derived from the form's key, as on the confirmation page.
    pin = intake._pin_for(help_request.idempotency_key)
    client = Client(REMOTE_ADDR="demo-status-test")
    response = client.post(reverse("help_status"), {"code": help_request.tracking_code, "pin": pin})
    assert response.status_code == 200
    assert help_request.reply.split(",")[0] in response.content.decode()


def test_pilot_records_use_circular_31_and_are_closed(demo):
    pilot = Case.objects.filter(opened_on__lt=CIRCULAR_18_IN_FORCE)
    assert pilot.count() == 18
    for case in pilot:
        assert case.stage == Stage.CLOSED
        assert datetime.date(2024, 2, 1) <= case.opened_on <= case.closed_on
        assert case.closed_on <= datetime.date(2024, 8, 31)
        assert {g.regulation for g in case.content_groups.all()} == {Regulation.CIRCULAR_31_2017}
        for session in case.sessions.prefetch_related("content_groups"):
            assert {g.regulation for g in session.content_groups.all()} == {
                Regulation.CIRCULAR_31_2017
            }
    recent = Case.objects.filter(opened_on__gte=CIRCULAR_18_IN_FORCE)
    regulations = {g.regulation for c in recent for g in c.content_groups.all()}
    assert regulations == {Regulation.CIRCULAR_18_2025}


def test_emergencies_and_the_disclosure_to_the_hospital(demo):
    emergencies = EmergencyOverride.objects.all()
    assert emergencies.count() == 2
    for emergency in emergencies:
        assert emergency.reason
        session = Session.objects.get(emergency=emergency)
        assert not Consent.objects.filter(case=emergency.case, given_on__lte=session.held_at.date())
    disclosure = Disclosure.objects.get()
    assert disclosure.partner_name == HOSPITAL and disclosure.consent_id
    # The partner's name is encrypted: compared after reading, not in SQL.
    sharing = Consent.objects.filter(case=disclosure.case, covers_sharing=True)
    assert {c.given_by for c in sharing if c.partner_name == HOSPITAL} == {
        ConsentGiver.STUDENT,
        ConsentGiver.GUARDIAN,
    }


def test_encrypted_text_reads_back_and_is_stored_encrypted(demo):
    checked = 0
    for model in apps.get_app_config("cases").get_models():
        fields = [f for f in model._meta.fields if isinstance(f, EncryptedTextField)]
        if not fields:
            continue
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, {columns} FROM {model._meta.db_table}")  # noqa: S608
            raw = {row[0]: row[1:] for row in cursor.fetchall()}
        for obj in model.objects.all():
            for field, stored in zip(fields, raw[obj.pk], strict=True):
                value = getattr(obj, field.name)
                if value:
                    assert stored.startswith(("g1.", "g2.")) and value not in stored
                    checked += 1
    assert checked > 1000


def test_second_run_creates_nothing(demo):
    def snapshot():
        return [
            model.objects.count()
            for model in (HelpRequest, Case, Session, Consent, PlanAction, StageChange, AuditEvent)
        ]

    before = snapshot()
    assert seed_cases() == {"users": 0, "requests": 0, "cases": 0, "sessions": 0}
    call_command("seed_demo", stdout=io.StringIO())
    assert snapshot() == before


def test_demo_alerts_past_ones_acknowledged_and_two_child_protection_clocks(demo):
    from diemtua.cases.models import SafeguardingAlert

    high = SafeguardingAlert.objects.filter(reason__in=["high_risk", "imminent_risk"])
    assert high.count() >= 18 and not high.filter(acknowledged_at__isnull=True).exists()
    trungtu = SafeguardingAlert.objects.get(school__code="01-TRUNGTU", reason="abuse")
    assert (
        trungtu.acknowledged_at is None and trungtu.report_due_at and not trungtu.reports.exists()
    )
    minhphu = SafeguardingAlert.objects.get(school__code="01-MINHPHU", reason="abuse")
    assert minhphu.reports.get().reported_to == "hotline_111"
    lead = selectors.open_alerts(fetched_by=_user("bgh.trungtu"), schools=[trungtu.school])
    assert lead == [trungtu]
