"""The counselor's work on a case, through the services: the process, consent, restriction."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from diemtua.accounts.models import Membership, User
from diemtua.accounts.roles import Role
from diemtua.audit.models import AuditEvent
from diemtua.cases import access, intake, selectors, services
from diemtua.cases.models import (
    Case,
    ContentGroup,
    EmergencyOverride,
    HelpRequest,
    RequestStatus,
    Session,
    Stage,
)
from diemtua.cases.reference import groups_in_force
from diemtua.students.models import Guardian

TODAY = timezone.localdate


@pytest.fixture
def counselor(world):
    return world.users["counselor"]


@pytest.fixture
def case(world, counselor):
    return services.case_open(
        actor=counselor, school=world.school_a, student=world.student_a, summary="Em hay buồn"
    )


def _consent(case, counselor, given_by="student", scopes=("counseling",), **kwargs):
    return services.consent_record(
        actor=counselor,
        case=case,
        given_by=given_by,
        scopes=scopes,
        method="verbal",
        given_on=kwargs.pop("given_on", TODAY()),
        **kwargs,
    )


def _session(case, counselor, **kwargs):
    values = {
        "held_at": timezone.now() - datetime.timedelta(hours=1),
        "form": "individual",
        "duration_minutes": 40,
        "notes": "Ghi chép",
    }
    values.update(kwargs)
    return services.session_record(actor=counselor, case=case, **values)


def _walk_to(case, counselor, stage):
    order = [Stage.ASSESSING, Stage.PLANNING, Stage.SUPPORTING, Stage.REVIEWING]
    for step in order[: order.index(stage) + 1]:
        if step == Stage.PLANNING:
            services.assessment_record(
                actor=counselor, case=case, assessed_on=TODAY(), risk_level="low"
            )
        if step == Stage.SUPPORTING:
            services.plan_save(
                actor=counselor,
                case=case,
                goals="Ngủ đủ giấc",
                review_on=TODAY() + datetime.timedelta(days=14),
            )
        case = services.case_transition(actor=counselor, case=case, to_stage=step)
    return case


# --- The process ---------------------------------------------------------------------------


def test_request_to_closed_case_and_the_reply_the_student_reads(world, counselor):
    submitted = intake.help_request_submit(
        school=world.school_a,
        requester="student",
        is_anonymous=True,
        class_name="7a",
        message="Em bị bạn bắt nạt",
        said_urgent=True,
        idempotency_key="a" * 32,
    )
    help_request = submitted.help_request
    case = services.request_open_case(actor=counselor, help_request=help_request)
    help_request.refresh_from_db()
    assert help_request.status == RequestStatus.IN_CASE and help_request.case == case
    assert case.is_urgent and case.alias == "Học sinh lớp 7A" and counselor in case.counselors.all()
    assert intake.public_status(help_request) == intake.PublicStatus.IN_PROGRESS

    _consent(case, counselor)
    case = _walk_to(case, counselor, Stage.REVIEWING)
    _session(case, counselor)
    _session(case, counselor, form="phone", duration_minutes=15)
    services.request_reply(actor=counselor, help_request=help_request, reply="Cô luôn ở đây.")
    case = services.case_transition(
        actor=counselor,
        case=case,
        to_stage=Stage.CLOSED,
        outcome="resolved",
        closing_summary="Em đã ổn",
    )
    assert case.closed_on == TODAY() and case.follow_up_on is None
    help_request.refresh_from_db()
    assert intake.public_status(help_request) == intake.PublicStatus.DONE
    found = intake.find_by_code_and_pin(help_request.tracking_code, submitted.pin)
    assert found == help_request and found.reply == "Cô luôn ở đây."
    assert list(case.stage_changes.values_list("to_stage", flat=True)) == [
        "received",
        "assessing",
        "planning",
        "supporting",
        "reviewing",
        "closed",
    ]


@pytest.mark.parametrize(
    ("walk", "to_stage", "message"),
    [
        (None, Stage.PLANNING, "Không thể chuyển"),
        (None, Stage.SUPPORTING, "Không thể chuyển"),
        (Stage.ASSESSING, Stage.REVIEWING, "Không thể chuyển"),
    ],
)
def test_skipping_steps_is_refused(case, counselor, walk, to_stage, message):
    if walk:
        case = _walk_to(case, counselor, walk)
    before = case.stage
    with pytest.raises(ValidationError, match=message):
        services.case_transition(actor=counselor, case=case, to_stage=to_stage)
    case.refresh_from_db()
    assert case.stage == before


def test_planning_needs_an_assessment_and_supporting_a_plan(case, counselor):
    case = services.case_transition(actor=counselor, case=case, to_stage=Stage.ASSESSING)
    with pytest.raises(ValidationError, match="đánh giá"):
        services.case_transition(actor=counselor, case=case, to_stage=Stage.PLANNING)
    services.assessment_record(actor=counselor, case=case, assessed_on=TODAY(), risk_level="none")
    case = services.case_transition(actor=counselor, case=case, to_stage=Stage.PLANNING)
    with pytest.raises(ValidationError, match="kế hoạch"):
        services.case_transition(actor=counselor, case=case, to_stage=Stage.SUPPORTING)


def test_closing_needs_outcome_and_summary_and_saves_nothing_otherwise(case, counselor):
    with pytest.raises(ValidationError) as refused:
        services.case_transition(actor=counselor, case=case, to_stage=Stage.CLOSED)
    assert set(refused.value.message_dict) == {"outcome", "closing_summary"}
    case.refresh_from_db()
    assert case.stage == Stage.RECEIVED and case.closed_on is None
    assert case.stage_changes.count() == 1


def test_closed_case_refuses_work_until_reopened_with_a_reason(case, counselor):
    case = services.case_transition(
        actor=counselor, case=case, to_stage="closed", outcome="declined", closing_summary="Em thôi"
    )
    with pytest.raises(ValidationError, match="mở lại"):
        services.case_transition(actor=counselor, case=case, to_stage=Stage.ASSESSING)
    with pytest.raises(ValidationError, match="kết thúc"):
        services.assessment_record(
            actor=counselor, case=case, assessed_on=TODAY(), risk_level="low"
        )
    with pytest.raises(ValidationError):
        services.case_reopen(actor=counselor, case=case, reason="  ")
    case = services.case_reopen(actor=counselor, case=case, reason="Em quay lại xin giúp")
    assert case.stage == Stage.ASSESSING and case.outcome == "" and case.closed_on is None
    assert case.stage_changes.last().reason == "Em quay lại xin giúp"


def test_bad_dates_are_refused(case, counselor):
    with pytest.raises(ValidationError, match="sau hôm nay"):
        services.assessment_record(
            actor=counselor,
            case=case,
            assessed_on=TODAY() + datetime.timedelta(days=1),
            risk_level="low",
        )
    with pytest.raises(ValidationError, match="trước ngày mở"):
        services.plan_save(
            actor=counselor, case=case, goals="x", review_on=TODAY() - datetime.timedelta(days=3)
        )
    _consent(case, counselor)
    with pytest.raises(ValidationError, match="chưa diễn ra"):
        _session(case, counselor, held_at=timezone.now() + datetime.timedelta(hours=2))
    with pytest.raises(ValidationError, match="lý do"):
        services.assessment_record(
            actor=counselor, case=case, assessed_on=TODAY(), risk_level="imminent"
        )
    assert not case.assessments.exists() and not case.sessions.exists()


def test_content_groups_follow_the_regulation_of_the_case_date(world, counselor):
    old = datetime.date(2024, 3, 4)
    tt18 = ContentGroup.objects.filter(regulation="tt18_2025")
    with pytest.raises(ValidationError, match="văn bản"):
        services.case_open(
            actor=counselor, school=world.school_a, opened_on=old, content_groups=tt18[:1],
            alias="em lớp 8B",
        )  # fmt: skip
    case = services.case_open(
        actor=counselor,
        school=world.school_a,
        opened_on=old,
        content_groups=groups_in_force(old)[:2],
        alias="em lớp 8B",
    )
    assert {g.regulation for g in case.content_groups.all()} == {"tt31_2017"}


# --- Consent -------------------------------------------------------------------------------


def test_a_session_needs_consent_or_a_recorded_emergency(case, counselor):
    with pytest.raises(ValidationError, match="Chưa có sự đồng ý") as refused:
        _session(case, counselor)
    assert "emergency_reason" in refused.value.message_dict
    assert not Session.objects.exists() and not EmergencyOverride.objects.exists()

    session = _session(case, counselor, emergency_reason="Em nói có ý định tự tử tối nay")
    assert session.emergency.reason == "Em nói có ý định tự tử tối nay"
    event = AuditEvent.objects.get(action="cases.emergency_override")
    assert event.object_id == str(case.pk) and "tự tử" not in str(event.extra)


def test_withdrawn_consent_no_longer_covers(case, counselor):
    consent = _consent(case, counselor, given_on=TODAY() - datetime.timedelta(days=5))
    _session(case, counselor)
    services.consent_withdraw(actor=counselor, consent=consent, withdrawn_on=TODAY())
    with pytest.raises(ValidationError, match="Chưa có sự đồng ý"):
        _session(case, counselor)
    with pytest.raises(ValidationError, match="rút lại rồi"):
        services.consent_withdraw(actor=counselor, consent=consent, withdrawn_on=TODAY())


def test_sharing_with_a_partner_needs_the_guardian_and_the_child_for_that_partner(
    world, case, counselor
):
    mother = Guardian.objects.get(student=world.student_a)
    partner = "Bệnh viện Tâm thần Hà Nội"
    _consent(case, counselor, scopes=("counseling", "sharing"), partner_name=partner)
    with pytest.raises(ValidationError, match="cha mẹ"):
        services.disclosure_record(actor=counselor, case=case, partner_name=partner, content="x")
    _consent(
        case,
        counselor,
        given_by="guardian",
        guardian=mother,
        scopes=("sharing",),
        partner_name="Trung tâm khác",
    )
    with pytest.raises(ValidationError, match="cha mẹ"):
        services.disclosure_record(actor=counselor, case=case, partner_name=partner, content="x")
    _consent(
        case, counselor, given_by="guardian", guardian=mother, scopes=("sharing",),
        partner_name="benh vien tam than ha noi",
    )  # fmt: skip
    disclosure = services.disclosure_record(
        actor=counselor, case=case, partner_name=partner, content="Tóm tắt đánh giá"
    )
    assert disclosure.consent is not None and disclosure.emergency is None


def test_consent_form_rules(world, case, counselor):
    with pytest.raises(ValidationError) as refused:
        _consent(case, counselor, scopes=())
    assert "scopes" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        _consent(case, counselor, scopes=("sharing",))
    assert "partner_name" in refused.value.message_dict
    other = Guardian.objects.create(student=world.student_a2, full_name="X", relationship="father")
    with pytest.raises(ValidationError) as refused:
        _consent(case, counselor, given_by="guardian", guardian=other)
    assert "guardian" in refused.value.message_dict


def test_a_child_under_seven_is_counseled_on_the_guardians_consent(world, counselor):
    young = world.student_a2
    young.date_of_birth = TODAY().replace(year=TODAY().year - 6)
    young.save()
    case = services.case_open(actor=counselor, school=world.school_a, student=young)
    _consent(case, counselor, given_by="guardian", guardian_name="Bà Đặng Thị Hoa")
    assert _session(case, counselor).emergency is None


# --- Sessions ------------------------------------------------------------------------------


def test_a_group_session_counts_every_student_each_with_consent(world, case, counselor):
    _consent(case, counselor)
    with pytest.raises(ValidationError, match="Đặng Thị Đào"):
        _session(case, counselor, form="group", other_students=[world.student_a2])
    own = services.case_open(actor=counselor, school=world.school_a, student=world.student_a2)
    _consent(own, counselor)
    session = _session(case, counselor, form="group", other_students=[world.student_a2])
    assert set(session.students.all()) == {world.student_a, world.student_a2}
    with pytest.raises(ValidationError, match="nhóm"):
        _session(case, counselor, form="individual", other_students=[world.student_a2])
    with pytest.raises(ValidationError, match="không thuộc trường"):
        _session(case, counselor, form="group", other_students=[world.student_b])


def test_follow_up_date_from_a_session_puts_the_case_in_todays_list(case, counselor):
    _consent(case, counselor)
    _session(case, counselor, follow_up_on=TODAY())
    due = selectors.queue_cases(
        fetched_by=counselor, school=case.school, tab="follow_up", today=TODAY()
    )
    assert list(due) == [case]


# --- Who may work on it -------------------------------------------------------------------


@pytest.fixture
def second_counselor(world):
    user = User.objects.create_user(username="tv2.a", full_name="Đặng Thu Hà", password="x")
    Membership.objects.create(user=user, org_unit=world.school_a, role=Role.COUNSELOR)
    return user


def test_restricted_case_is_hidden_from_unassigned_counselors_of_the_school(
    world, case, counselor, second_counselor
):
    assert access.get_case_for_user(second_counselor, case.pk) == case
    services.case_assign(actor=counselor, case=case, counselors=[counselor], restricted=True)
    with pytest.raises(Http404):
        access.get_case_for_user(second_counselor, case.pk)
    visible = selectors.visible_cases(fetched_by=second_counselor, school=world.school_a)
    assert case not in visible
    with pytest.raises(PermissionDenied):
        services.assessment_record(
            actor=second_counselor, case=case, assessed_on=TODAY(), risk_level="low"
        )
    assert AuditEvent.objects.filter(action="cases.access_refused", object_id=str(case.pk)).exists()


def test_assignment_rules(world, case, counselor, second_counselor):
    with pytest.raises(ValidationError, match="ít nhất"):
        services.case_assign(actor=counselor, case=case, counselors=[], restricted=False)
    with pytest.raises(ValidationError, match="của trường này"):
        services.case_assign(
            actor=counselor, case=case, counselors=[world.users["counselor_b"]], restricted=False
        )
    with pytest.raises(ValidationError, match="người phụ trách"):
        services.case_assign(
            actor=counselor, case=case, counselors=[second_counselor], restricted=True
        )
    services.case_assign(
        actor=counselor, case=case, counselors=[counselor, second_counselor], restricted=True
    )
    assert access.get_case_for_user(second_counselor, case.pk) == case


@pytest.mark.parametrize(
    ("person", "refusal"),
    [
        ("counselor_b", Http404),
        ("teacher", PermissionDenied),
        ("school_lead", PermissionDenied),
        ("department_officer", PermissionDenied),
        ("department_officer_b", Http404),
        ("partner_staff", Http404),
    ],
)
def test_only_the_schools_counselors_reach_a_case(world, case, person, refusal):
    with pytest.raises(refusal):
        access.get_case_for_user(world.users[person], case.pk)
    with pytest.raises((PermissionDenied, Http404)):
        services.case_transition(actor=world.users[person], case=case, to_stage="assessing")


# --- Requests --------------------------------------------------------------------------------


def _request(world, **kwargs):
    values = {
        "school": world.school_a,
        "requester": "student",
        "is_anonymous": True,
        "message": "Em cần nói chuyện",
        "idempotency_key": kwargs.pop("key", "b" * 32),
    }
    values.update(kwargs)
    return intake.help_request_submit(**values).help_request


def test_an_empty_case_or_closing_an_urgent_request_with_a_note_is_refused(world, counselor):
    with pytest.raises(ValidationError, match="tên gọi tạm"):
        services.case_open(actor=counselor, school=world.school_a)
    urgent = _request(world, said_urgent=True)
    with pytest.raises(ValidationError, match="mở hồ sơ"):
        services.request_reply(actor=counselor, help_request=urgent, reply="Cô đây", close=True)
    assert HelpRequest.objects.get(pk=urgent.pk).status == RequestStatus.NEW


def test_closing_a_case_drops_its_open_actions(case, counselor):
    action = services.action_add(
        actor=counselor, case=case, description="Gặp bố mẹ", owner="Cô", due_on=TODAY()
    )
    services.case_transition(
        actor=counselor, case=case, to_stage="closed", outcome="declined", closing_summary="x"
    )
    action.refresh_from_db()
    assert action.status == "dropped"


def test_answer_and_close_a_request_without_a_case(world, counselor):
    help_request = _request(world)
    services.request_reply(
        actor=counselor, help_request=help_request, reply="Giờ ra chơi nhé", close=True
    )
    help_request.refresh_from_db()
    assert help_request.status == RequestStatus.ANSWERED and help_request.case is None
    with pytest.raises(ValidationError, match="đã được tiếp nhận"):
        services.request_open_case(actor=counselor, help_request=help_request)
    with pytest.raises(ValidationError):
        services.request_reply(actor=counselor, help_request=help_request, reply="  ")


def test_attach_a_request_to_the_students_open_case(world, case, counselor):
    help_request = _request(world, said_urgent=True)
    services.request_attach_to_case(actor=counselor, help_request=help_request, case=case)
    case.refresh_from_db()
    assert case.is_urgent and help_request.__class__.objects.get(pk=help_request.pk).case == case
    other = services.case_open(
        actor=world.users["counselor_b"], school=world.school_b, alias="em lớp 9C"
    )
    with pytest.raises((PermissionDenied, Http404)):
        services.request_attach_to_case(
            actor=counselor, help_request=_request(world, key="c" * 32), case=other
        )


def test_triage_is_for_the_schools_counselors(world):
    help_request = _request(world)
    with pytest.raises(PermissionDenied):
        services.request_open_case(actor=world.users["counselor_b"], help_request=help_request)
    with pytest.raises(PermissionDenied):
        services.request_open_case(actor=world.users["school_lead"], help_request=help_request)
    assert HelpRequest.objects.get(pk=help_request.pk).status == RequestStatus.NEW
    assert not Case.objects.exists()


def test_teacher_referral_shows_only_its_status(world, counselor):
    teacher = world.users["teacher"]
    referral = intake.teacher_referral_create(
        actor=teacher, student=world.student_a, message="Em hay ngồi một mình, có vết bầm"
    )
    with pytest.raises(ValidationError, match="Không cần báo lại"):
        intake.teacher_referral_create(actor=teacher, student=world.student_a, message="Lần nữa")
    with pytest.raises(ValidationError, match="Chỉ giáo viên"):
        intake.teacher_referral_create(actor=teacher, student=world.student_b, message="x")
    (row,) = selectors.teacher_referrals(fetched_by=teacher)
    assert row.status == intake.PublicStatus.SENT and not hasattr(row, "message")
    case = services.request_open_case(actor=counselor, help_request=referral)
    assert case.student == world.student_a
    assert selectors.teacher_referrals(fetched_by=teacher)[0].status == "in_progress"
    services.case_transition(
        actor=counselor, case=case, to_stage="closed", outcome="resolved", closing_summary="ổn"
    )
    assert selectors.teacher_referrals(fetched_by=teacher)[0].status == "done"


# --- Found in review -------------------------------------------------------------------------


def test_an_unassigned_colleague_cannot_take_a_case_over(case, counselor, second_counselor):
    with pytest.raises(ValidationError, match="đang phụ trách"):
        services.case_assign(
            actor=second_counselor, case=case, counselors=[second_counselor], restricted=True
        )
    assert list(case.counselors.all()) == [counselor]


def test_a_restricted_case_whose_counselors_left_is_taken_over_with_a_reason(
    world, case, counselor, second_counselor
):
    services.case_assign(actor=counselor, case=case, counselors=[counselor], restricted=True)
    orphaned = selectors.orphaned_cases(fetched_by=second_counselor, school=world.school_a)
    assert not orphaned.exists()
    with pytest.raises(ValidationError, match="vẫn có người phụ trách"):
        services.case_take_over(actor=second_counselor, case=case, reason="x")
    counselor.is_active = False
    counselor.save(update_fields=["is_active"])
    # Still hidden: listed by number only, until someone takes it over with a reason.
    with pytest.raises(Http404):
        access.get_case_for_user(second_counselor, case.pk)
    assert list(selectors.orphaned_cases(fetched_by=second_counselor, school=world.school_a)) == [
        case
    ]
    with pytest.raises(ValidationError, match="lý do"):
        services.case_take_over(actor=second_counselor, case=case, reason=" ")
    services.case_take_over(actor=second_counselor, case=case, reason="Cô An nghỉ việc")
    assert access.get_case_for_user(second_counselor, case.pk) == case
    event = AuditEvent.objects.get(action="cases.orphan_takeover")
    assert event.reason == "Cô An nghỉ việc" and event.actor_id == second_counselor.pk
    with pytest.raises(PermissionDenied):
        services.case_take_over(actor=world.users["school_lead"], case=case, reason="x")


def test_triage_keeps_the_student_a_teacher_named(world, counselor):
    referral = intake.teacher_referral_create(
        actor=world.users["teacher"], student=world.student_a, message="Em hay khóc"
    )
    with pytest.raises(ValidationError, match="học sinh khác"):
        services.request_open_case(actor=counselor, help_request=referral, student=world.student_a2)
    assert HelpRequest.objects.get(pk=referral.pk).student == world.student_a


def test_reopening_keeps_the_earlier_closing_summary_in_the_history(case, counselor):
    case = services.case_transition(
        actor=counselor, case=case, to_stage="closed", outcome="resolved", closing_summary="Ổn"
    )
    services.case_reopen(actor=counselor, case=case, reason="Em quay lại")
    closing = case.stage_changes.get(to_stage="closed")
    assert closing.reason == "Ổn"


def test_plan_dates_far_ahead_are_refused(case, counselor):
    with pytest.raises(ValidationError, match="một năm"):
        services.action_add(
            actor=counselor,
            case=case,
            description="x",
            owner="y",
            due_on=TODAY() + datetime.timedelta(days=800),
        )
