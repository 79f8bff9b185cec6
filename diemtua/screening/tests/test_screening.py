"""Screening a class: consent, one-time codes, answers on a phone, flags into the queue."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from diemtua.audit.models import AuditEvent
from diemtua.cases.models import AlertReason, HelpRequest, SafeguardingAlert
from diemtua.screening import services
from diemtua.screening.models import (
    Administration,
    Instrument,
    Participant,
    ParticipantStatus,
    Response,
    ScreeningConsent,
)
from diemtua.students.models import Student

GAD7 = "GAD7"
PHQ9 = "PHQ9"


def _class(world, n, *, class_name="8A", school=None, consent=True, born=datetime.date(2012, 3, 1)):
    school = school or world.school_a
    students = [
        Student.objects.create(
            school=school, full_name=f"Học Sinh {i:02d}", gender="female" if i % 2 else "male",
            date_of_birth=born, grade=8, class_name=class_name, ethnicity="Kinh",
        )
        for i in range(n)
    ]  # fmt: skip
    if consent:
        counselor = world.users["counselor" if school == world.school_a else "counselor_b"]
        services.consents_record(
            actor=counselor,
            school=school,
            entries=[(s, giver) for s in students for giver in ("student", "guardian")],
            method="written",
            given_on=timezone.localdate(),
        )
    return students


def _version(code):
    return Instrument.objects.get(code=code).current_version()


def _open(world, code=GAD7, class_name="8A", days=7):
    return services.administration_open(
        actor=world.users["counselor"],
        school=world.school_a,
        version=_version(code),
        group_name=class_name,
        closes_on=timezone.localdate() + datetime.timedelta(days=days),
    )


def _answer(client, code, values):
    data = {"code": code} | {f"q{i + 1}": str(v) for i, v in enumerate(values)}
    return client.post(reverse("screening_answer"), data)


@pytest.fixture
def gad7_class(world):
    students = _class(world, 6)
    opened = _open(world)
    codes = {p.student_id: p.code for p in opened.administration.participants.all()}
    return opened.administration, students, codes


# --- Consent ----------------------------------------------------------------------------------


def test_only_students_with_both_consents_get_a_code(world):
    both = _class(world, 5)
    guardian_only = _class(world, 1, consent=False)[0]
    services.consents_record(
        actor=world.users["counselor"], school=world.school_a,
        entries=[(guardian_only, "guardian")], method="written", given_on=timezone.localdate(),
    )  # fmt: skip
    opened = _open(world)
    assert opened.invited == 5
    assert [student for student, _missing in opened.excluded] == [guardian_only]
    assert opened.excluded[0][1] == ["Học sinh"]
    assert not Participant.objects.filter(student=guardian_only).exists()
    assert set(Participant.objects.values_list("student", flat=True)) == {s.pk for s in both}


def test_a_child_under_seven_needs_only_the_guardian(world):
    young = _class(world, 1, consent=False, born=timezone.localdate().replace(year=2021))[0]
    services.consents_record(
        actor=world.users["counselor"], school=world.school_a,
        entries=[(young, "guardian")], method="written", given_on=timezone.localdate(),
    )  # fmt: skip
    from diemtua.screening.consent import may_take_part

    assert may_take_part(young, timezone.localdate(), world.school_a.pk)


def test_phq9_and_gad7_leave_out_children_under_eleven(world):
    _class(world, 5)
    young = _class(world, 2, born=timezone.localdate().replace(year=timezone.localdate().year - 9))
    opened = _open(world)
    assert opened.invited == 5
    assert {s for s, reasons in opened.excluded} == set(young)
    assert "chưa đủ 11 tuổi" in opened.excluded[0][1][0]


def test_a_class_without_any_consent_cannot_be_opened(world, login):
    _class(world, 3, consent=False)
    client = login(world.users["counselor"])
    response = client.post(
        reverse("administration_create"),
        {"version": _version(GAD7).pk, "group_name": "8A", "closes_on": "30/12/2099"},
    )
    assert response.status_code == 400
    assert "Hạn trả lời không quá 60 ngày" in response.content.decode()
    closes = (timezone.localdate() + datetime.timedelta(days=5)).strftime("%d/%m/%Y")
    response = client.post(
        reverse("administration_create"),
        {"version": _version(GAD7).pk, "group_name": "8A", "closes_on": closes},
    )
    assert response.status_code == 400
    assert "Chưa học sinh nào của lớp có đủ sự đồng ý" in response.content.decode()
    assert 'value="8A" selected' in response.content.decode()  # the form keeps the choice
    assert not Administration.objects.exists()


def test_consent_sheet_records_ticked_slips_once(world, login):
    students = _class(world, 2, consent=False)
    client = login(world.users["counselor"])
    page = client.get(reverse("screening_consents") + "?class=8A")
    assert page.status_code == 200
    token = re.search(r'name="once" value="([0-9a-f]+)"', page.content.decode()).group(1)
    data = {
        "class": "8A", "once": token, "method": "written",
        "given_on": timezone.localdate().strftime("%d/%m/%Y"),
        "agree": [f"{students[0].pk}:student", f"{students[0].pk}:guardian"],
    }  # fmt: skip
    assert client.post(reverse("screening_consents"), data).status_code == 302
    assert client.post(reverse("screening_consents"), data).status_code == 302  # double tap
    assert ScreeningConsent.objects.filter(student=students[0]).count() == 2
    assert not ScreeningConsent.objects.filter(student=students[1]).exists()


def test_consent_sheet_refuses_a_future_date_and_keeps_the_ticks(world, login):
    student = _class(world, 1, consent=False)[0]
    client = login(world.users["counselor"])
    future = (timezone.localdate() + datetime.timedelta(days=3)).strftime("%d/%m/%Y")
    response = client.post(
        reverse("screening_consents"),
        {
            "class": "8A",
            "method": "written",
            "given_on": future,
            "agree": [f"{student.pk}:guardian"],
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Ngày đồng ý không được sau hôm nay" in body
    assert f'value="{student.pk}:guardian" aria-label' in body and "checked" in body
    assert not ScreeningConsent.objects.exists()


def test_withdrawn_consent_voids_the_unused_code(world, client, gad7_class):
    administration, students, codes = gad7_class
    consent = ScreeningConsent.objects.filter(student=students[0], given_by="guardian").get()
    services.consent_withdraw(actor=world.users["counselor"], consent=consent)
    response = client.post(reverse("screening_start"), {"code": codes[students[0].pk]})
    assert response.status_code == 400
    assert "không còn hiệu lực" in response.content.decode()


# --- Answering on a phone -------------------------------------------------------------------


def test_a_student_answers_with_the_code_and_it_is_scored_at_once(client, gad7_class):
    administration, students, codes = gad7_class
    start = client.post(reverse("screening_start"), {"code": codes[students[0].pk].lower()})
    assert start.status_code == 200
    assert "Cảm thấy hồi hộp, lo âu hoặc căng thẳng" in start.content.decode()
    done = _answer(client, codes[students[0].pk], [2, 2, 2, 2, 1, 1, 1])
    assert done.status_code == 200 and "Cảm ơn bạn đã trả lời" in done.content.decode()
    saved = Response.objects.get(participant__student=students[0])
    assert (saved.total, saved.band, saved.flags) == (11, "moderate", ["anxiety_followup"])
    assert saved.version == administration.version
    item = HelpRequest.objects.get(pk=saved.help_request_id)
    assert item.channel == "screening" and not item.is_urgent and item.student == students[0]


def test_a_used_code_cannot_be_used_again(client, gad7_class):
    _administration, students, codes = gad7_class
    code = codes[students[1].pk]
    assert _answer(client, code, [0] * 7).status_code == 200
    again = _answer(client, code, [3] * 7)
    assert again.status_code == 400
    assert "Mã này đã được dùng" in again.content.decode()
    start = client.post(reverse("screening_start"), {"code": code})
    assert "Mã này đã được dùng" in start.content.decode()
    assert Response.objects.get(participant__student=students[1]).total == 0


def test_a_student_without_consent_cannot_start(client, world, gad7_class):
    # No code was made for them; a made-up code is simply wrong.
    response = client.post(reverse("screening_start"), {"code": "ACDE-FGHJ"})
    assert response.status_code == 400
    assert "Mã không đúng" in response.content.decode()


def test_a_missing_answer_is_named_and_the_others_are_kept(client, gad7_class):
    _administration, students, codes = gad7_class
    response = client.post(
        reverse("screening_answer"),
        {"code": codes[students[2].pk], "q1": "2", "q2": "3", "q3": "1"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Bạn chưa trả lời câu này" in body
    assert re.search(r'name="q2" value="3"[^>]*checked', body)
    assert Participant.objects.get(student=students[2]).status == ParticipantStatus.INVITED


def test_after_the_deadline_the_code_no_longer_opens(client, gad7_class):
    administration, students, codes = gad7_class
    with time_machine.travel(administration.closes_at + datetime.timedelta(minutes=1)):
        response = client.post(reverse("screening_start"), {"code": codes[students[3].pk]})
    assert response.status_code == 400
    assert "Đợt trả lời này đã kết thúc" in response.content.decode()


def test_phq9_item_9_raises_an_urgent_queue_item_and_an_alert_in_the_same_request(
    client, world, login
):
    students = _class(world, 5)
    opened = _open(world, PHQ9)
    code = opened.administration.participants.get(student=students[0]).code
    response = _answer(client, code, [0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert response.status_code == 200
    body = response.content.decode()
    assert "111" in body and "115" in body  # crisis lines first, on the student's own page
    item = HelpRequest.objects.get(student=students[0], channel="screening")
    assert item.is_urgent and item.status == "new"
    assert "Câu 9" in item.message
    alert = SafeguardingAlert.objects.get(help_request=item)
    assert alert.reason == AlertReason.SCREENING_SELF_HARM and alert.case is None
    # The counselor's queue shows it as urgent, and opening a case carries the alert over.
    queue = login(world.users["counselor"]).get(reverse("case_queue"))
    assert (
        f"#{item.pk}" in queue.content.decode()
        or item.get_channel_display() in queue.content.decode()
    )
    from diemtua.cases import services as case_services

    case = case_services.request_open_case(actor=world.users["counselor"], help_request=item)
    alert.refresh_from_db()
    assert alert.case == case and case.is_urgent


def test_anonymous_satisfaction_survey_needs_no_consent_and_keeps_no_link(client, world):
    students = _class(world, 5, consent=False)
    opened = _open(world, "HL_TUVAN")
    assert opened.invited == 5 and not opened.excluded
    code = opened.administration.participants.get(student=students[0]).code
    data = {
        "code": code,
        "used": "1",
        "s1": "5",
        "s2": "4",
        "s3": "4",
        "s4": "5",
        "s5": "3",
        "s6": "4",
    }
    assert client.post(reverse("screening_answer"), data).status_code == 200
    saved = Response.objects.get(administration=opened.administration)
    assert saved.participant is None and saved.total == 25 and saved.band == "high"


# --- Who sees what --------------------------------------------------------------------------


def _answer_all(client, codes, values_for):
    for i, code in enumerate(codes.values()):
        _answer(client, code, values_for(i))


def test_counselor_sees_scores_and_summary_hides_small_groups(client, world, login, gad7_class):
    administration, students, codes = gad7_class
    _answer_all(client, codes, lambda i: [i % 4] * 7 if i < 5 else [0] * 7)
    page = login(world.users["counselor"]).get(
        reverse("administration_detail", args=[administration.pk])
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert students[0].full_name in body and "ẩn (nhóm nhỏ)" in body  # 3 boys, 3 girls: hidden
    assert AuditEvent.objects.filter(action="screening.administration_view").exists()
    summary = login(world.users["school_lead"]).get(
        reverse("administration_summary", args=[administration.pk])
    )
    assert summary.status_code == 200
    assert students[0].full_name not in summary.content.decode()
    assert (
        login(world.users["school_lead"])
        .get(reverse("administration_detail", args=[administration.pk]))
        .status_code
        == 403
    )


def test_small_class_summary_is_hidden_entirely(client, world, login):
    students = _class(world, 4)
    opened = _open(world)
    for p in opened.administration.participants.all():
        _answer(client, p.code, [1] * 7)
    services.administration_close(
        actor=world.users["counselor"], administration=opened.administration
    )
    page = login(world.users["school_lead"]).get(
        reverse("administration_summary", args=[opened.administration.pk])
    )
    assert "ẩn (nhóm nhỏ)" in page.content.decode()
    assert ">7.0<" not in page.content.decode()  # no mean of 4 children
    assert len(students) == 4


def test_individual_answers_are_for_the_schools_counselors_and_the_read_is_audited(
    client, world, login, gad7_class
):
    administration, students, codes = gad7_class
    _answer(client, codes[students[0].pk], [1, 2, 3, 0, 1, 2, 3])
    response = Response.objects.get(participant__student=students[0])
    url = reverse("screening_response", args=[response.pk])
    page = login(world.users["counselor"]).get(url)
    assert page.status_code == 200 and "Hơn một nửa số ngày" in page.content.decode()
    assert AuditEvent.objects.filter(
        action="screening.response_view", object_id=str(response.pk)
    ).exists()
    assert login(world.users["counselor_b"]).get(url).status_code == 404
    assert login(world.users["school_lead"]).get(url).status_code == 403
    assert login(world.users["department_officer"]).get(url).status_code == 403


def test_a_counselor_of_another_school_cannot_open_for_our_class(world):
    _class(world, 5)
    with pytest.raises(Exception) as refused:
        services.administration_open(
            actor=world.users["counselor_b"], school=world.school_a, version=_version(GAD7),
            group_name="8A", closes_on=timezone.localdate(),
        )  # fmt: skip
    assert refused.type.__name__ == "PermissionDenied"


def test_open_form_double_submit_opens_one_administration(world, login):
    _class(world, 5)
    client = login(world.users["counselor"])
    page = client.get(reverse("administration_create"))
    token = re.search(r'name="once" value="([0-9a-f]+)"', page.content.decode()).group(1)
    data = {
        "version": _version(GAD7).pk, "group_name": "8A", "once": token,
        "closes_on": (timezone.localdate() + datetime.timedelta(days=3)).strftime("%d/%m/%Y"),
    }  # fmt: skip
    assert client.post(reverse("administration_create"), data).status_code == 302
    assert client.post(reverse("administration_create"), data).status_code == 302
    assert Administration.objects.count() == 1


def test_closing_erases_unused_codes(client, world, login, gad7_class):
    administration, students, codes = gad7_class
    login(world.users["counselor"]).post(reverse("administration_close", args=[administration.pk]))
    assert not Participant.objects.exclude(code="").exists()
    response = client.post(reverse("screening_start"), {"code": codes[students[0].pk]})
    assert "Đợt trả lời này đã kết thúc" in response.content.decode()


def test_home_list_is_query_bounded(world, login, django_assert_max_num_queries):
    for name in ("8A", "8B", "8C"):
        _class(world, 5, class_name=name)
        _open(world, class_name=name)
    client = login(world.users["counselor"])
    with django_assert_max_num_queries(14):
        page = client.get(reverse("screening_home"))
    assert page.status_code == 200 and page.content.decode().count("0/5") == 3


def test_home_counts_answers_and_flags_per_administration(client, world, login, gad7_class):
    administration, students, codes = gad7_class
    _answer(client, codes[students[0].pk], [3] * 7)  # flagged
    _answer(client, codes[students[1].pk], [0] * 7)
    body = login(world.users["counselor"]).get(reverse("screening_home")).content.decode()
    assert "2/6" in body
    assert re.search(r'text-bg-warning">1<', body)


# --- Review findings (regressions) ----------------------------------------------------------


def test_withdrawing_ends_every_agreement_of_that_person(world):
    student = _class(world, 1)[0]
    week_ago = timezone.localdate() - datetime.timedelta(days=7)
    services.consents_record(
        actor=world.users["counselor"], school=world.school_a,
        entries=[(student, "guardian")], method="written", given_on=week_ago,
    )  # fmt: skip
    # Already in force today: the older slip is not recorded a second time.
    assert ScreeningConsent.objects.filter(student=student, given_by="guardian").count() == 1
    consent = ScreeningConsent.objects.get(student=student, given_by="guardian")
    services.consent_withdraw(actor=world.users["counselor"], consent=consent)
    from diemtua.screening.consent import may_take_part

    assert not may_take_part(student, timezone.localdate(), world.school_a.pk)


def test_consent_given_at_another_school_does_not_count(world):
    student = _class(world, 1)[0]
    student.school = world.school_b
    student.save()
    with pytest.raises(Exception, match="đủ sự đồng ý"):
        services.administration_open(
            actor=world.users["counselor_b"], school=world.school_b, version=_version(GAD7),
            group_name="8A", closes_on=timezone.localdate(),
        )  # fmt: skip


def test_consent_sheet_read_is_audited(world, login):
    _class(world, 2, consent=False)
    login(world.users["counselor"]).get(reverse("screening_consents") + "?class=8A")
    assert AuditEvent.objects.filter(action="screening.consent_sheet_view").count() == 1


def test_the_withdraw_buttons_are_not_nested_in_the_sheet_form(world, login):
    _class(world, 2)
    body = login(world.users["counselor"]).get(reverse("screening_consents") + "?class=8A")
    html = body.content.decode()
    sheet = html[
        html.index('id="consent-sheet-form"') : html.index(
            "</form>", html.index('id="consent-sheet-form"')
        )
    ]
    assert "<form" not in sheet  # a form inside a form is dropped by browsers
    assert html.count('form="withdraw-') == 4


def test_class_summary_never_leaves_a_hidden_group_recoverable(client, world, login):
    boys = _class(world, 5)
    for student in boys:
        student.gender = "male"
        student.save()
    girl = _class(world, 1)[0]
    girl.gender = "female"
    girl.save()
    opened = _open(world)
    for p in opened.administration.participants.all():
        _answer(client, p.code, [3] * 7 if p.student_id == girl.pk else [0] * 7)
    summary = selectors_summary(world, opened.administration)
    shown = [g for g in summary["groups"] if not g["hidden"]]
    assert [g["label"] for g in shown] == ["Cả lớp"]  # boys hidden too: class − boys = the girl


def selectors_summary(world, administration):
    from diemtua.screening import selectors

    return selectors.class_summary(
        fetched_by=world.users["counselor"], administration=administration
    )


def test_the_lead_sees_the_summary_only_once_answering_is_over(client, world, login, gad7_class):
    administration, students, codes = gad7_class
    _answer_all(client, codes, lambda i: [1] * 7)
    url = reverse("administration_summary", args=[administration.pk])
    lead = login(world.users["school_lead"])
    assert 'id="summary-pending"' in lead.get(url).content.decode()
    with time_machine.travel(administration.closes_at + datetime.timedelta(minutes=1)):
        lead = login(world.users["school_lead"])  # a week later: a new session
        assert 'id="class-summary"' in lead.get(url).content.decode()


def test_an_anonymous_answer_shares_no_timestamp_with_the_code_spent(client, world):
    students = _class(world, 5, consent=False)
    opened = _open(world, "HL_TUVAN")
    participant = opened.administration.participants.get(student=students[0])
    data = {"code": participant.code, "used": "1", "s1": "5", "s2": "4", "s3": "4", "s4": "5",
            "s5": "3", "s6": "4", "comment": "Cảm ơn cô"}  # fmt: skip
    client.post(reverse("screening_answer"), data)
    participant.refresh_from_db()
    saved = Response.objects.get(administration=opened.administration)
    assert participant.status == ParticipantStatus.COMPLETED and participant.used_at is None
    assert timezone.localtime(saved.submitted_at).time() == datetime.time(12, 0)


def test_used_codes_do_not_count_toward_the_address_limit(client, settings, gad7_class):
    from django.core.cache import cache

    cache.clear()
    settings.DIEMTUA_SCREENING_RATE_ADDRESS = "2/900"
    _administration, students, codes = gad7_class
    code = codes[students[0].pk]
    _answer(client, code, [0] * 7)
    for _ in range(3):  # a student tapping the used code again and again
        assert (
            "Mã này đã được dùng"
            in client.post(reverse("screening_start"), {"code": code}).content.decode()
        )
    assert (
        client.post(reverse("screening_start"), {"code": codes[students[1].pk]}).status_code == 200
    )
    for _ in range(2):
        client.post(reverse("screening_start"), {"code": "ACDE-FGHJ"})
    assert (
        client.post(reverse("screening_start"), {"code": codes[students[1].pk]}).status_code == 429
    )
    cache.clear()


def test_an_inactive_students_code_does_not_open(client, gad7_class):
    _administration, students, codes = gad7_class
    Student.objects.filter(pk=students[0].pk).update(is_active=False)
    response = client.post(reverse("screening_start"), {"code": codes[students[0].pk]})
    assert "không còn hiệu lực" in response.content.decode()
