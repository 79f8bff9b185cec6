import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from diemtua.activities.demo import _png
from diemtua.audit.models import AuditEvent
from diemtua.notifications.models import Notification
from diemtua.visits import checklists, reminders, selectors, services
from diemtua.visits.models import ActionStatus, Checklist, FollowUpAction, Visit, VisitPhoto

TODAY = timezone.localdate()


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
    return root


def tt18():
    return Checklist.objects.get(code="TT18_2025").current_version()


def pilot():
    return Checklist.objects.get(code="THIDIEM_2024").current_version()


def make_visit(world, *, officer="department_officer", unit=None, school=None, day=None, **kw):
    day = day or TODAY - datetime.timedelta(days=3)
    return services.visit_create(
        actor=world.users[officer],
        visiting_unit=unit or world.dept_a,
        school=school or world.school_a,
        kind=kw.pop("kind", "supervision"),
        visited_on=day,
        checklist=tt18() if day >= datetime.date(2025, 10, 31) else pilot(),
        **kw,
    )


def full_scores(visit, value=2):
    return {c["code"]: (value, "") for c in visit.checklist.criteria}


def completed_visit(world, *, officer="department_officer", unit=None, school=None, actions=()):
    visit = make_visit(world, officer=officer, unit=unit, school=school)
    actor = world.users[officer]
    services.visit_update(
        actor=actor, visit=visit, scores=full_scores(visit), findings="Tốt.", recommendations="x"
    )
    for description, due in actions:
        services.action_create(actor=actor, visit=visit, description=description, due_on=due)
    services.visit_complete(actor=actor, visit=visit)
    visit.refresh_from_db()
    return visit


def token(client, url) -> str:
    page = client.get(url).content.decode()
    return re.search(r'name="once" value="([0-9a-f]{32})"', page).group(1)


# --- Checklists --------------------------------------------------------------------------------


def test_checklists_are_loaded_after_migrate_and_versioned(db):
    version = tt18()
    codes = [c["code"] for c in version.criteria]
    assert codes == [
        "team", "room", "staff_trained", "plan", "activities", "records", "reports", "partners"
    ]  # fmt: skip
    assert version.scale_label(1) == "Có một phần"
    assert checklists.sync_checklists() == []  # unchanged: no new version
    changed = {**version.definition, "criteria": version.criteria[:2]}
    assert checklists.sync_checklists([changed]) == ["TT18_2025 v2"]
    assert tt18().number == 2


@pytest.mark.parametrize(
    "broken",
    [
        {"criteria": []},
        {"criteria": [{"code": "a", "text": {"vi": "x"}, "max_score": 0}]},
        {"criteria": [{"code": "a", "text": {"vi": "x"}, "max_score": 2, "weight": "x"}]},
        {"criteria": [{"code": "a", "text": {"vi": "x"}, "max_score": 2}] * 2},
        {"criteria": [{"code": "a b", "text": {"vi": "x"}, "max_score": 2}]},
        {"applies_from": "31/10/2025"},
    ],
)
def test_broken_definitions_are_refused(db, broken):
    definition = {**tt18().definition, **broken}
    with pytest.raises(ValidationError):
        checklists.validate_definition(definition)


# --- Services ----------------------------------------------------------------------------------


def test_visit_scores_totals_and_completion_lock(world):
    visit = make_visit(world)
    assert visit.scores.count() == 8 and visit.score_max == 18  # activities weigh 2
    officer = world.users["department_officer"]
    scores = full_scores(visit, 1) | {"activities": (2, "Đủ minh chứng")}
    services.visit_update(actor=officer, visit=visit, scores=scores, findings="Nhận xét")
    visit.refresh_from_db()
    assert (visit.score_total, str(visit.score_percent)) == (11, "61.1")
    with pytest.raises(ValidationError):
        services.visit_update(actor=officer, visit=visit, scores={"team": (3, "")})
    services.visit_complete(actor=officer, visit=visit)
    visit.refresh_from_db()
    assert visit.status == "completed"
    with pytest.raises(ValidationError):
        services.visit_update(actor=officer, visit=visit, findings="changed")
    with pytest.raises(ValidationError):
        services.visit_delete(actor=officer, visit=visit)
    services.visit_amend(actor=officer, visit=visit, text="Sửa: điểm phòng tư vấn là 1.")
    assert visit.amendments.count() == 1
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"visits.visit_create", "visits.visit_update", "visits.visit_complete"} <= actions
    assert "visits.visit_amend" in actions


def test_completion_needs_every_score_and_findings(world):
    visit = make_visit(world)
    with pytest.raises(ValidationError) as refused:
        services.visit_complete(actor=world.users["department_officer"], visit=visit)
    assert "8 tiêu chí" in " ".join(refused.value.messages)


def test_visit_rules(world):
    officer = world.users["department_officer"]
    with pytest.raises(ValidationError) as refused:
        make_visit(world, school=world.school_b)
    assert "school" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.visit_create(
            actor=officer, visiting_unit=world.dept_a, school=world.school_a, kind="survey",
            visited_on=datetime.date(2024, 5, 1), checklist=tt18(),
        )  # fmt: skip
    assert "checklist" in refused.value.message_dict
    with pytest.raises(Exception) as refused:
        make_visit(world, unit=world.dept_b)
    assert refused.type.__name__ == "PermissionDenied"


def test_action_answer_verify_reopen_and_notifications(world, django_capture_on_commit_callbacks):
    def committed(fn, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    due = TODAY + datetime.timedelta(days=10)
    visit = committed(completed_visit, world=world, actions=[("Bố trí phòng tư vấn", due)])
    lead = world.users["school_lead"]
    assert Notification.objects.filter(user=lead, link=f"/visits/{visit.pk}/").exists()
    action = visit.actions.get()
    counselor, officer = world.users["counselor"], world.users["department_officer"]
    with pytest.raises(ValidationError):
        services.action_verify(actor=officer, action=action)  # not answered yet
    files = [SimpleUploadedFile("minh-chung.png", _png())]
    committed(
        services.action_answer, actor=counselor, action=action, text="Đã bố trí.", files=files
    )
    action.refresh_from_db()
    assert action.status == ActionStatus.ANSWERED
    assert Notification.objects.filter(user=officer, text__contains="báo cáo kết quả").exists()
    with pytest.raises(ValidationError):
        services.action_reopen(actor=officer, action=action, comment="")
    new_due = TODAY + datetime.timedelta(days=20)
    committed(
        services.action_reopen, actor=officer, action=action, comment="Thiếu lịch.", due_on=new_due
    )
    action.refresh_from_db()
    assert (action.status, action.due_on) == (ActionStatus.REOPENED, new_due)
    assert Notification.objects.filter(user=lead, text__contains="làm tiếp").exists()
    services.action_answer(actor=counselor, action=action, text="Đã niêm yết lịch.")
    committed(services.action_verify, actor=officer, action=action)
    action.refresh_from_db()
    assert action.status == ActionStatus.VERIFIED
    assert action.events.count() == 4
    assert Notification.objects.filter(user=lead, text__contains="xác nhận hoàn thành").exists()


# --- Access and scope --------------------------------------------------------------------------


def test_other_province_gets_404_and_school_sees_only_its_completed_visits(world, login):
    draft = make_visit(world)
    sent = completed_visit(world, actions=[("x", TODAY + datetime.timedelta(days=5))])
    action = sent.actions.get()
    services.visit_update(
        actor=world.users["department_officer"], visit=draft,
        photos=[SimpleUploadedFile("a.png", _png())],
    )  # fmt: skip
    photo = VisitPhoto.objects.get()
    outsider = login(world.users["department_officer_b"])
    for url in (
        reverse("visit_detail", kwargs={"pk": sent.pk}),
        reverse("visit_edit", kwargs={"pk": draft.pk}),
        reverse("visit_action_detail", kwargs={"pk": action.pk}),
        reverse("visit_photo", kwargs={"pk": photo.pk}),
    ):
        assert outsider.get(url).status_code == 404, url
    assert outsider.post(reverse("visit_complete", kwargs={"pk": draft.pk})).status_code == 404
    page = outsider.get(reverse("visit_list")).content.decode()
    assert "Lĩnh Nam" not in page
    assert AuditEvent.objects.filter(action="visits.access_refused").count() >= 5

    school = login(world.users["counselor"])
    assert school.get(reverse("visit_detail", kwargs={"pk": draft.pk})).status_code == 404
    assert school.get(reverse("visit_detail", kwargs={"pk": sent.pk})).status_code == 200
    assert school.get(reverse("visit_edit", kwargs={"pk": sent.pk})).status_code == 403
    listed = [v.pk for v in selectors.visits_for(fetched_by=world.users["counselor"])]
    assert listed == [sent.pk]
    assert selectors.visits_for(fetched_by=world.users["counselor_b"]).count() == 0
    assert selectors.actions_for(fetched_by=world.users["counselor_b"]).count() == 0
    # A commune officer reads the Department's sent visit to its school, but does not manage it.
    commune = world.users["commune_officer"]
    assert [v.pk for v in selectors.visits_for(fetched_by=commune)] == [sent.pk]
    login(commune)
    assert school.get(reverse("visit_detail", kwargs={"pk": sent.pk})).status_code == 200
    assert school.get(reverse("visit_action_create", kwargs={"pk": sent.pk})).status_code == 403


def test_overdue_action_shows_on_both_sides(world, client, time_machine):
    due = TODAY + datetime.timedelta(days=7)
    visit = completed_visit(world, actions=[("Gửi báo cáo tháng", due)])
    action = visit.actions.get()
    two_days_late = datetime.datetime.combine(due + datetime.timedelta(days=2), datetime.time(9))
    time_machine.move_to(two_days_late)
    for person in ("counselor", "school_lead", "department_officer", "ministry_officer"):
        client.force_login(world.users[person])
        page = client.get(reverse("visit_action_list")).content.decode()
        row = re.search(r'<tr class="table-danger">.*?</tr>', page, re.S)
        assert row and "Gửi báo cáo tháng" in row.group(0) and "Quá hạn" in row.group(0), person
        detail = client.get(reverse("visit_detail", kwargs={"pk": visit.pk})).content.decode()
        assert "list-group-item-danger" in detail and "Quá hạn" in detail
        page = client.get(reverse("visit_action_detail", kwargs={"pk": action.pk})).content.decode()
        assert "(quá hạn)" in page
    # Once answered it is no longer overdue: the school has done its part.
    services.action_answer(actor=world.users["counselor"], action=action, text="Đã gửi.")
    assert not selectors.actions_for(fetched_by=world.users["counselor"], state="overdue").exists()


def test_reminders_before_on_and_after_the_deadline(world, time_machine):
    due = TODAY + datetime.timedelta(days=10)
    completed_visit(world, actions=[("Việc", due)])
    lead, officer = world.users["school_lead"], world.users["department_officer"]

    def on(day):
        return reminders.remind_actions(day)

    assert on(due - datetime.timedelta(days=4)) == 0
    assert on(due - datetime.timedelta(days=3)) == 2  # lead and counselor
    assert on(due - datetime.timedelta(days=3)) == 0  # rerun: deduplicated
    assert on(due) == 2
    overdue = on(due + datetime.timedelta(days=1))
    assert overdue == 3  # the school's two people and the visitor
    assert Notification.objects.filter(user=officer, text__contains="quá hạn").count() == 1
    assert on(due + datetime.timedelta(days=2)) == 0
    assert on(due + datetime.timedelta(days=8)) == 3  # weekly
    assert Notification.objects.filter(user=lead).count() >= 4
    from diemtua.visits.tasks import remind_actions

    time_machine.move_to(datetime.datetime.combine(due, datetime.time(9)))
    assert remind_actions.delay().get() == 0  # today's reminders were already sent


# --- Pages -------------------------------------------------------------------------------------


def test_create_score_complete_through_the_pages(world, login):
    client = login(world.users["department_officer"])
    url = reverse("visit_create")
    day = TODAY - datetime.timedelta(days=2)
    data = {
        "visiting_unit": world.dept_a.pk, "school": "01-A — Trường THCS Lĩnh Nam",
        "kind": "supervision", "visited_on": day.strftime("%d/%m/%Y"),
        "checklist": tt18().pk, "team": "Đoàn Sở", "once": token(client, url),
    }  # fmt: skip
    response = client.post(url, data)
    visit = Visit.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{visit.pk}/edit/")
    assert client.post(url, data).status_code == 302  # sent twice: nothing more saved
    assert Visit.objects.count() == 1
    edit = reverse("visit_edit", kwargs={"pk": visit.pk})
    form = {"kind": "supervision", "visited_on": day.isoformat(), "findings": "Nhận xét"}
    form |= {f"score_{c['code']}": "2" for c in visit.checklist.criteria}
    form["score_team"] = "9"
    response = client.post(edit, form)
    assert response.status_code == 400  # kept what was typed
    assert 'value="Nhận xét"' in response.content.decode() or "Nhận xét</textarea>" in (
        response.content.decode()
    )
    form["score_team"] = "1"
    form["photos"] = [SimpleUploadedFile("bad.png", b"%PDF-1.4 not an image")]
    response = client.post(edit, form)
    assert response.status_code == 400 and "bad.png" in response.content.decode()
    form["photos"] = [SimpleUploadedFile("phong.png", _png())]
    form["then"] = "complete"
    response = client.post(edit, form)
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == "completed" and visit.photos.count() == 1
    assert client.get(edit).status_code == 302  # locked: back to the page
    photo = visit.photos.get()
    school = login(world.users["counselor"])
    response = school.get(reverse("visit_photo", kwargs={"pk": photo.pk}))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert AuditEvent.objects.filter(action="visits.photo_download").exists()


def test_school_answers_and_visitor_verifies_through_the_pages(world, login):
    visit = completed_visit(world, actions=[("Bố trí phòng", TODAY + datetime.timedelta(days=3))])
    action = visit.actions.get()
    detail = reverse("visit_action_detail", kwargs={"pk": action.pk})
    school = login(world.users["school_lead"])
    answer = reverse("visit_action_answer", kwargs={"pk": action.pk})
    assert school.post(answer, {"text": ""}).status_code == 400
    files = [SimpleUploadedFile("qd.pdf", b"%PDF-1.4\n%%EOF\n")]
    once = token(school, detail)
    response = school.post(answer, {"text": "Đã bố trí", "files": files, "once": once})
    assert response.status_code == 302
    officer = login(world.users["department_officer"])
    review = reverse("visit_action_review", kwargs={"pk": action.pk})
    assert officer.post(review, {"decision": "reopen", "comment": ""}).status_code == 400
    assert officer.post(review, {"decision": "verify"}).status_code == 302
    action.refresh_from_db()
    assert action.status == "verified"
    stored = action.events.first().files.get()
    response = officer.get(reverse("visit_action_file", kwargs={"pk": stored.pk}))
    assert response.status_code == 200
    assert login(world.users["teacher"]).get(detail).status_code == 403


@pytest.mark.parametrize(
    "query",
    [
        "?school=99999999999999999999",
        "?date_from=31/02/2025&kind=x&status=zzz",
        "?page=abc",
        "?q=" + "a" * 500,
    ],
)
def test_list_never_fails_on_bad_input(world, login, query):
    client = login(world.users["ministry_officer"])
    assert client.get(reverse("visit_list") + query).status_code == 200
    assert client.get(reverse("visit_action_list") + "?state=zz" + query[1:]).status_code == 200


def test_bad_input_on_forms_and_huge_ids(world, login):
    client = login(world.users["department_officer"])
    huge = 2**70
    assert client.get(f"/visits/{huge}/").status_code == 404
    assert client.get(f"/visits/actions/{huge}/").status_code == 404
    url = reverse("visit_create")
    response = client.post(url, {"visiting_unit": str(huge), "school": "zzz", "visited_on": "x"})
    assert response.status_code == 400
    response = client.post(
        url, {"visiting_unit": world.dept_a.pk, "school": "38-B", "kind": "survey",
              "visited_on": "01/01/2026", "checklist": tt18().pk},
    )  # fmt: skip
    assert response.status_code == 400 and "Không tìm thấy trường" in response.content.decode()
    visit = make_visit(world)
    response = client.post(
        reverse("visit_action_create", kwargs={"pk": visit.pk}),
        {"description": "x", "due_on": "01/01/1990"},
    )
    assert response.status_code == 400 and "Hạn hoàn thành phải" in response.content.decode()


def test_lists_are_query_bounded(world, login, django_assert_max_num_queries):
    for i in range(6):
        completed_visit(world, actions=[(f"Việc {i}", TODAY + datetime.timedelta(days=i))])
    client = login(world.users["ministry_officer"])
    with django_assert_max_num_queries(14):
        assert client.get(reverse("visit_list")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("visit_action_list") + "?state=all").status_code == 200


def test_draft_actions_are_deleted_sent_ones_are_not(world, login):
    visit = make_visit(world)
    action = services.action_create(
        actor=world.users["department_officer"], visit=visit, description="x", due_on=TODAY
    )
    client = login(world.users["department_officer"])
    url = reverse("visit_action_delete", kwargs={"pk": action.pk})
    assert client.post(url).status_code == 302
    assert not FollowUpAction.objects.exists()
    sent = completed_visit(world, actions=[("y", TODAY)])
    client.post(reverse("visit_action_delete", kwargs={"pk": sent.actions.get().pk}))
    assert sent.actions.count() == 1


# --- Demo --------------------------------------------------------------------------------------


def test_demo_seeder_is_idempotent(seeded_demo, db):
    from diemtua.visits.demo import seed_visits

    # seed_demo (the module's seeded_demo) already ran the seeder: running it again adds nothing.
    assert Visit.objects.count() >= 4
    assert seed_visits() == 0
    current = Visit.objects.filter(school__code="01-TRUNGTU").get()
    states = sorted((a.status, a.is_overdue) for a in current.actions.all())
    assert states == [("answered", False), ("open", False), ("open", True)]
    pilot_actions = FollowUpAction.objects.filter(visit__visited_on__year=2024)
    assert pilot_actions.exists()
    assert set(pilot_actions.values_list("status", flat=True)) == {"verified"}
    assert VisitPhoto.objects.count() == 1
