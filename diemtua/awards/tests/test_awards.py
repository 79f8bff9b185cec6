import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from diemtua.activities.tests import files
from diemtua.audit.models import AuditEvent
from diemtua.awards import evidence, services
from diemtua.awards.models import (
    AwardDecision,
    CriteriaSet,
    DecisionDocument,
    Evaluation,
    Nomination,
    SetStatus,
)
from diemtua.orgs import services as org_services
from diemtua.orgs.models import OrgKind, SchoolLevel
from diemtua.programs.models import DesignatedStaff, Enrolment, Program

TODAY = timezone.localdate()
CRITERIA = [
    {"code": "TC1", "text": "Tổ tư vấn học đường", "max_points": 10, "evidence": "staff_trained"},
    {"code": "TC2", "text": "Kết quả giám sát", "max_points": 20, "evidence": "visits"},
]


@pytest.fixture(autouse=True)
def uploads_root(settings, tmp_path):
    root = tmp_path / "uploads"
    settings.DIEMTUA_UPLOAD_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "uploads": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root, "base_url": None},
        },
    }


def _set(world, side="a", **extra):
    officer = world.users["department_officer" if side == "a" else "department_officer_b"]
    values = {"title": "Đánh giá trường năm học", "subject_kind": "unit", "criteria": CRITERIA}
    values.update(extra)
    return services.criteria_set_create(
        actor=officer, owner=getattr(world, f"dept_{side}"), **values
    )


def _score(world, criteria_set, unit, points=(8, 15), side="a", **extra):
    officer = world.users["department_officer" if side == "a" else "department_officer_b"]
    criteria = list(criteria_set.criteria.all())
    return services.evaluation_save(
        actor=officer, criteria_set=criteria_set, subject_unit=unit, evaluated_on=TODAY,
        scores={c.pk: (Decimal(p), "") for c, p in zip(criteria, points, strict=True)}, **extra,
    )  # fmt: skip


def _publish(world, criteria_set):
    return services.criteria_set_update(
        actor=world.users["department_officer"], criteria_set=criteria_set,
        title=criteria_set.title, description="", status=SetStatus.PUBLISHED,
    )  # fmt: skip


def _second_school(world):
    return org_services.org_unit_create(
        actor=None, kind=OrgKind.SCHOOL, name="Trường Tiểu học Trung Tự", code="01-C",
        parent=world.commune_a, commune=world.commune_a, school_level=SchoolLevel.PRIMARY,
    )  # fmt: skip


def test_officer_creates_a_criteria_set_from_lines(world, client):
    client.force_login(world.users["department_officer"])
    data = {
        "owner": world.dept_a.pk, "title": "Đánh giá 2025", "subject_kind": "unit",
        "description": "", "program": "",
        "criteria": "TC1 | Tổ tư vấn | 10 | staff_trained\nTC2 | Phòng tư vấn | 5",
    }  # fmt: skip
    response = client.post(reverse("criteria_set_create"), data)
    assert response.status_code == 302
    criteria_set = CriteriaSet.objects.get()
    assert [c.code for c in criteria_set.criteria.all()] == ["TC1", "TC2"]
    assert criteria_set.max_total == 15
    bad = {**data, "criteria": "TC1 | Tổ tư vấn | mười\nTC1 | x | 5\nTC1 | y | 5 | gì"}
    response = client.post(reverse("criteria_set_create"), bad)
    content = response.content.decode()
    assert response.status_code == 400
    assert "Dòng 1" in content and "Dòng 3" in content and "mười" in content


def test_scoring_totals_ranks_and_locks_the_criteria(world, client):
    criteria_set = _set(world)
    other = _second_school(world)
    client.force_login(world.users["department_officer"])
    url = reverse("evaluation_create", args=[criteria_set.pk])
    c1, c2 = criteria_set.criteria.all()
    data = {
        "subject_code": "01-a", "evaluated_on": TODAY.isoformat(), "comment": "",
        f"c{c1.pk}_points": "12", f"c{c1.pk}_note": "", f"c{c2.pk}_points": "7,5",
        f"c{c2.pk}_note": "Biên bản giám sát 03/2025",
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 400 and "từ 0 đến 10" in response.content.decode()
    assert 'value="7,5"' in response.content.decode()
    data[f"c{c1.pk}_points"] = "9.5"
    assert client.post(url, data).status_code == 302
    evaluation = Evaluation.objects.get()
    assert evaluation.total == Decimal("17.0") and evaluation.subject_unit == world.school_a
    assert client.post(url, data).status_code == 400  # the same school twice
    _score(world, criteria_set, other, points=(9, 8))
    criteria_set.refresh_from_db()
    assert criteria_set.status == SetStatus.OPEN
    page = client.get(reverse("criteria_set_detail", args=[criteria_set.pk]))
    ranks = [(e.subject_unit.code, e.rank) for e in page.context["ranking"]]
    assert ranks == [("01-A", 1), ("01-C", 1)]  # equal totals share the rank
    with pytest.raises(services.ValidationError) as error:
        services.criteria_set_update(
            actor=world.users["department_officer"], criteria_set=criteria_set, title="x",
            description="", status="open", criteria=CRITERIA[:1],
        )  # fmt: skip
    assert "criteria" in error.value.message_dict


def test_a_school_outside_the_unit_or_unknown_is_refused(world, client):
    criteria_set = _set(world)
    client.force_login(world.users["department_officer"])
    c1, c2 = criteria_set.criteria.all()
    for code in ("38-B", "khong-co", "9" * 50):
        response = client.post(
            reverse("evaluation_create", args=[criteria_set.pk]),
            {"subject_code": code, "evaluated_on": TODAY.isoformat(),
             f"c{c1.pk}_points": "1", f"c{c2.pk}_points": "1"},
        )  # fmt: skip
        assert response.status_code == 400
    assert not Evaluation.objects.exists()


def test_results_reach_the_school_only_once_published(world, client):
    criteria_set = _set(world)
    evaluation = _score(world, criteria_set, world.school_a)
    url = reverse("evaluation_detail", args=[evaluation.pk])
    before = {"counselor": 404, "school_lead": 404, "commune_officer": 404, "teacher": 404,
              "department_officer": 200, "ministry_officer": 200, "department_officer_b": 404,
              "system_admin": 403}  # fmt: skip
    for person, status in before.items():
        client.force_login(world.users[person])
        assert client.get(url).status_code == status, person
    client.force_login(world.users["counselor"])
    assert evaluation.subject_label not in client.get(reverse("awards_home")).content.decode()
    _publish(world, criteria_set)
    after = {**before, "counselor": 200, "school_lead": 200, "commune_officer": 200,
             "teacher": 403}  # fmt: skip
    for person, status in after.items():
        client.force_login(world.users[person])
        assert client.get(url).status_code == status, person
    client.force_login(world.users["counselor"])
    assert evaluation.subject_label in client.get(reverse("awards_home")).content.decode()
    client.force_login(world.users["department_officer"])
    assert client.get(reverse("evaluation_edit", args=[evaluation.pk])).status_code == 403
    response = client.get(reverse("evaluation_create", args=[criteria_set.pk]))
    assert response.status_code == 302


def test_evidence_is_suggested_next_to_the_criteria(world, client, monkeypatch):
    criteria_set = _set(world)
    monkeypatch.setattr(evidence, "school_visit_average", lambda school: Decimal("78.5"))
    monkeypatch.setattr(evidence, "school_staff_trained", lambda school, program=None: (2, 3))
    client.force_login(world.users["department_officer"])
    url = reverse("evaluation_create", args=[criteria_set.pk])
    page = client.get(url, {"subject_code": "01-A"}).content.decode()
    assert "78,5%" in page and "2/3 cán bộ" in page
    monkeypatch.setattr(evidence, "school_visit_average", lambda school: None)
    page = client.get(url, {"subject_code": "01-A"}).content.decode()
    assert "Chưa có đợt giám sát đã hoàn thành" in page


def test_evidence_from_real_rows_and_absent_apps(world):
    program = Program.objects.create(
        owner=world.ministry, code="td", title="Thí điểm", starts_on=datetime.date(2024, 2, 1),
        ends_on=datetime.date(2024, 8, 31), created_by=world.users["ministry_officer"],
    )  # fmt: skip
    enrolment = Enrolment.objects.create(
        program=program, school=world.school_a, locality=world.dept_a,
        enrolled_on=datetime.date(2024, 2, 1),
    )  # fmt: skip
    DesignatedStaff.objects.create(
        enrolment=enrolment, user=world.users["counselor"], full_name="Tv A",
        employment="part_time", qualification="psychology", trained=True,
        since=datetime.date(2024, 2, 1),
    )  # fmt: skip
    assert evidence.school_staff_trained(world.school_a) == (1, 1)
    assert evidence.school_staff_trained(world.school_b) is None
    # The visits and trainings apps: whatever they hold, never an error.
    assert evidence.school_visit_average(world.school_b) is None
    value = evidence.person_training_hours(user=world.users["teacher"])
    assert value is None or value == 0
    assert evidence.person_training_hours() is None


def test_nomination_decision_and_document(world, client):
    criteria_set = _set(world)
    evaluation = _score(world, criteria_set, world.school_a)
    _publish(world, criteria_set)
    client.force_login(world.users["department_officer"])
    url = reverse("nomination_create")
    response = client.get(url, {"evaluation": evaluation.pk})
    assert 'value="01-A"' in response.content.decode()
    data = {"nominating_unit": world.dept_a.pk, "evaluation": evaluation.pk,
            "subject_kind": "unit", "subject_code": "", "person_name": "",
            "award_title": "Giấy khen của Giám đốc Sở Giáo dục và Đào tạo",
            "reason": "Dẫn đầu đợt đánh giá"}  # fmt: skip
    assert client.post(url, data).status_code == 302
    person = {**data, "evaluation": "", "subject_kind": "person", "subject_code": "01-A",
              "person_name": "Nguyễn Thu Trang"}  # fmt: skip
    assert client.post(url, person).status_code == 302
    school_n, person_n = Nomination.objects.order_by("pk")
    # The school does not see a proposal yet.
    client.force_login(world.users["school_lead"])
    assert client.get(reverse("nomination_detail", args=[school_n.pk])).status_code == 404
    client.force_login(world.users["department_officer"])
    refuse = reverse("nomination_refuse", args=[person_n.pk])
    assert client.post(refuse, {"note": ""}).status_code == 400
    assert client.post(refuse, {"note": "Chưa đủ thời gian công tác"}).status_code == 302
    decision_url = reverse("decision_create")
    form = {"issuing_unit": world.dept_a.pk, "number": "123/QĐ-SGDĐT",
            "signed_on": TODAY.isoformat(), "title": "Quyết định khen thưởng",
            "nominations": [school_n.pk]}  # fmt: skip
    response = client.post(
        decision_url, {**form, "files": SimpleUploadedFile("qd.pdf", files.png())}
    )
    assert response.status_code == 400 and not AwardDecision.objects.exists()
    response = client.post(decision_url, form)
    assert response.status_code == 400 and "văn bản quyết định" in response.content.decode()
    response = client.post(
        decision_url, {**form, "files": SimpleUploadedFile("qd.pdf", files.pdf())}
    )
    assert response.status_code == 302
    decision = AwardDecision.objects.get()
    school_n.refresh_from_db()
    person_n.refresh_from_db()
    assert school_n.status == "approved" and school_n.decision == decision
    assert person_n.status == "not_approved"
    document = DecisionDocument.objects.get()
    download = reverse("decision_document_download", args=[document.pk])
    expected = {"school_lead": 200, "counselor": 200, "teacher": 403,
                "department_officer_b": 404, "ministry_officer": 200}  # fmt: skip
    for person_key, status in expected.items():
        client.force_login(world.users[person_key])
        assert client.get(download).status_code == status, person_key
        assert client.get(reverse("decision_detail", args=[decision.pk])).status_code == status
    assert AuditEvent.objects.filter(action="awards.document_download").count() == 3
    client.force_login(world.users["school_lead"])
    assert client.get(reverse("nomination_detail", args=[school_n.pk])).status_code == 200
    # A decided proposal cannot go into another decision.
    with pytest.raises(services.ValidationError):
        services.decision_create(
            actor=world.users["department_officer"], issuing_unit=world.dept_a, number="124",
            signed_on=TODAY, title="x", nominations=[school_n],
            files=[SimpleUploadedFile("qd.pdf", files.pdf())],
        )  # fmt: skip


def test_the_ministry_approves_a_departments_proposal(world, client):
    nomination = services.nomination_create(
        actor=world.users["department_officer"], nominating_unit=world.dept_a,
        subject_kind="unit", subject_unit=world.school_a,
        award_title="Bằng khen của Bộ trưởng Bộ Giáo dục và Đào tạo", reason="x",
    )  # fmt: skip
    client.force_login(world.users["ministry_officer"])
    page = client.get(reverse("decision_create")).content.decode()
    assert world.school_a.name in page
    with pytest.raises(services.ValidationError):  # a Department cannot approve the Ministry's
        services.decision_create(
            actor=world.users["department_officer_b"], issuing_unit=world.dept_b, number="1",
            signed_on=TODAY, title="x", nominations=[nomination],
            files=[SimpleUploadedFile("qd.pdf", files.pdf())],
        )  # fmt: skip


def test_other_province_and_roles_on_sets(world, client):
    ours, theirs = _set(world), _set(world, side="b")
    client.force_login(world.users["department_officer"])
    assert client.get(reverse("criteria_set_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("criteria_set_edit", args=[ours.pk])).status_code == 200
    client.force_login(world.users["ministry_officer"])
    assert client.get(reverse("criteria_set_detail", args=[theirs.pk])).status_code == 200
    assert client.get(reverse("criteria_set_edit", args=[ours.pk])).status_code == 403
    for person in ("teacher", "partner_staff", "system_admin"):
        client.force_login(world.users[person])
        assert client.get(reverse("awards_home")).status_code == 403
    client.force_login(world.users["counselor"])
    assert client.get(reverse("awards_home")).status_code == 200
    assert client.get(reverse("criteria_set_create")).status_code == 403
    assert client.get(reverse("criteria_set_detail", args=[ours.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="awards.access_refused").exists()


@pytest.mark.parametrize(
    "query", [{"evaluation": "9" * 30}, {"evaluation": "abc"}, {"page": "x"}, {"staff": "-1"}]
)
def test_bad_parameters_never_500(world, client, query):
    criteria_set = _set(world)
    client.force_login(world.users["department_officer"])
    assert client.get(reverse("nomination_create"), query).status_code == 200
    assert client.get(reverse("awards_home"), query).status_code == 200
    url = reverse("evaluation_create", args=[criteria_set.pk])
    assert (
        client.get(url, {**query, "subject": "9" * 30, "subject_code": "x" * 100}).status_code
        == 200
    )
    response = client.post(
        reverse("decision_create"),
        {"issuing_unit": "9" * 30, "nominations": ["9" * 30], "signed_on": "31/02/2024"},
    )
    assert response.status_code == 400


def test_home_queries_are_bounded(world, client, django_assert_max_num_queries):
    criteria_set = _set(world)
    for index in range(12):
        school = org_services.org_unit_create(
            actor=None, kind=OrgKind.SCHOOL, name=f"Trường {index}", code=f"01-S{index}",
            parent=world.commune_a, commune=world.commune_a, school_level=SchoolLevel.PRIMARY,
        )  # fmt: skip
        evaluation = _score(world, criteria_set, school)
        services.nomination_create(
            actor=world.users["department_officer"], nominating_unit=world.dept_a,
            subject_kind="unit", subject_unit=school, award_title="Giấy khen", reason="x",
            evaluation=evaluation,
        )  # fmt: skip
    client.force_login(world.users["department_officer"])
    with django_assert_max_num_queries(20):
        assert client.get(reverse("awards_home")).status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(reverse("criteria_set_detail", args=[criteria_set.pk])).status_code == 200


def _sibling(label):
    from django.apps import apps

    try:
        return apps.get_model(label)
    except LookupError:
        return None


@pytest.mark.skipif(_sibling("visits.Visit") is None, reason="visits app has no Visit yet")
def test_visit_average_from_real_completed_visits(world):
    from diemtua.visits.models import Checklist, ChecklistVersion, Visit

    checklist = Checklist.objects.create(code="tt18-test")
    version = ChecklistVersion.objects.create(checklist=checklist, number=1, definition={})
    common = {"visiting_unit": world.dept_a, "school": world.school_a, "kind": "supervision",
              "visited_on": TODAY, "checklist": version,
              "created_by": world.users["department_officer"]}  # fmt: skip
    now = timezone.now()
    Visit.objects.create(**common, score_percent=Decimal("80.0"), status="completed",
                         completed_at=now)  # fmt: skip
    Visit.objects.create(**common, score_percent=Decimal("70.0"), status="completed",
                         completed_at=now)  # fmt: skip
    Visit.objects.create(**common, score_percent=Decimal("10.0"))  # a draft does not count
    assert evidence.school_visit_average(world.school_a) == Decimal("75.0")
    assert evidence.school_visit_average(world.school_b) is None


@pytest.mark.skipif(
    _sibling("trainings.Participant") is None, reason="trainings app has no Participant yet"
)
def test_training_hours_from_real_participations(world):
    from diemtua.trainings.models import Participant, Training

    def training(hours, title):
        return Training.objects.create(
            owner=world.ministry, title=title, starts_on=TODAY, ends_on=TODAY, mode="in_person",
            hours=Decimal(hours), created_by=world.users["ministry_officer"],
        )  # fmt: skip

    counselor = world.users["counselor"]
    rows = [(training(24, "Tập huấn 06/2024"), "attended", None),
            (training(8, "Tập huấn 10/2025"), "partial", Decimal("4.5")),
            (training(8, "Tập huấn 11/2025"), "absent", None)]  # fmt: skip
    for item, attendance, hours in rows:
        Participant.objects.create(
            training=item, user=counselor, full_name="Tv A", unit=world.school_a,
            person_key=f"u:{counselor.pk}", attendance=attendance, hours_attended=hours,
        )  # fmt: skip
    assert evidence.person_training_hours(user=counselor) == Decimal("28.5")
    assert evidence.person_training_hours(user=world.users["teacher"]) is None
