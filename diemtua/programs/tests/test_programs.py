import datetime
import io
import re
from types import SimpleNamespace

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from diemtua.accounts import services as account_services
from diemtua.accounts.roles import Role
from diemtua.audit.models import AuditEvent
from diemtua.orgs import services as org_services
from diemtua.orgs.models import OrgKind, SchoolLevel
from diemtua.programs import rules, services
from diemtua.programs.models import (
    DesignatedStaff,
    Employment,
    Program,
    ProgramStatus,
    Qualification,
    RuleKind,
    TaskEvidence,
    TaskStatus,
)

TODAY = timezone.localdate()
D = datetime.date
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


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


def _program(world, side="a", **extra):
    """A Department's running program with its own school enrolled, staffed, and two tasks:
    a milestone of the Department and a task of the school."""
    dept = getattr(world, f"dept_{side}")
    school = getattr(world, f"school_{side}")
    officer = world.users["department_officer" if side == "a" else "department_officer_b"]
    counselor = world.users["counselor" if side == "a" else "counselor_b"]
    values = {
        "code": f"ct-{side}",
        "title": f"Kế hoạch tư vấn học đường {side.upper()}",
        "starts_on": TODAY - datetime.timedelta(days=60),
        "ends_on": TODAY + datetime.timedelta(days=200),
        "status": ProgramStatus.ACTIVE,
    }
    values.update(extra)
    program = services.program_create(actor=officer, owner=dept, **values)
    services.program_configure(
        actor=officer,
        program=program,
        localities=[dept],
        schools_per_locality=1,
        levels=[SchoolLevel.LOWER_SECONDARY],
        staff_per_school=1,
        staff_trained=True,
    )
    enrolment = services.enrolment_create(
        actor=officer, program=program, school=school, locality=dept, enrolled_on=TODAY
    )
    services.staff_create(
        actor=officer,
        enrolment=enrolment,
        user=counselor,
        full_name="",
        employment=Employment.FULL_TIME,
        qualification=Qualification.PSYCHOLOGY,
        trained=True,
        trained_on=TODAY,
        since=TODAY - datetime.timedelta(days=30),
    )
    milestone = services.task_create(
        actor=officer,
        program=program,
        title="Tập huấn cán bộ phụ trách",
        responsible=dept,
        starts_on=TODAY - datetime.timedelta(days=50),
        due_on=TODAY - datetime.timedelta(days=40),
        milestone=True,
    )
    services.task_create(
        actor=officer,
        program=program,
        title="Kiện toàn tổ tư vấn học đường",
        responsible=school,
        starts_on=TODAY - datetime.timedelta(days=30),
        due_on=TODAY - datetime.timedelta(days=5),
        depends_on=[milestone],
    )
    return program


def _school_task(program):
    return program.tasks.get(milestone=False)


def _national(world):
    """A Ministry program in both provinces, each school enrolled and staffed."""
    officer = world.users["ministry_officer"]
    program = services.program_create(
        actor=officer,
        owner=world.ministry,
        code="quoc-gia",
        title="Chương trình quốc gia",
        starts_on=TODAY - datetime.timedelta(days=10),
        ends_on=TODAY + datetime.timedelta(days=100),
        status=ProgramStatus.ACTIVE,
    )
    services.program_configure(
        actor=officer,
        program=program,
        localities=[world.dept_a, world.dept_b],
        schools_per_locality=2,
        staff_per_school=1,
    )
    for side in "ab":
        school = getattr(world, f"school_{side}")
        enrolment = services.enrolment_create(
            actor=officer,
            program=program,
            school=school,
            locality=getattr(world, f"dept_{side}"),
            enrolled_on=TODAY,
        )
        services.staff_create(
            actor=officer,
            enrolment=enrolment,
            full_name=f"Cán bộ {side.upper()}",
            employment=Employment.PART_TIME,
            qualification=Qualification.EDUCATION,
            since=TODAY,
        )
        services.task_create(
            actor=officer,
            program=program,
            title=f"Báo cáo của {school.name}",
            responsible=school,
            starts_on=TODAY,
            due_on=TODAY + datetime.timedelta(days=20),
        )
    return program


def _token(client, url) -> str:
    page = client.get(url).content.decode()
    return re.search(r'name="once" value="([0-9a-f]{32})"', page).group(1)


# -- The rule check (rules.py) --------------------------------------------------------------


def _fake_world():
    levels = [SchoolLevel.PRIMARY, SchoolLevel.LOWER_SECONDARY, SchoolLevel.UPPER_SECONDARY]
    locality = SimpleNamespace(pk=1, name="Sở GD&ĐT Hà Nội")
    enrolments, staff = [], []
    for index, level in enumerate(levels, start=1):
        school = SimpleNamespace(pk=100 + index, name=f"Trường {index}", school_level=level)
        enrolments.append(SimpleNamespace(pk=index, locality_id=1, school=school, left_on=None))
        staff.append(
            SimpleNamespace(
                enrolment_id=index,
                full_name=f"Cán bộ {index}",
                trained=True,
                since=D(2024, 3, 1),
                until=None,
            )
        )
    rule_list = [
        SimpleNamespace(kind=RuleKind.SCHOOLS_PER_LOCALITY, number=3, levels=""),
        SimpleNamespace(kind=RuleKind.ONE_PER_LEVEL, number=1, levels=",".join(levels)),
        SimpleNamespace(kind=RuleKind.STAFF_PER_SCHOOL, number=1, levels=""),
        SimpleNamespace(kind=RuleKind.STAFF_TRAINED, number=1, levels=""),
    ]
    return rule_list, [locality], enrolments, staff


def _check(rule_list, localities, enrolments, staff):
    return rules.check(
        rules=rule_list,
        localities=localities,
        enrolments=enrolments,
        staff=staff,
        day=D(2024, 8, 31),
    )[1]


def test_a_complete_locality_passes_every_rule():
    result = _check(*_fake_world())
    assert result.ok and result.findings == []


def test_removing_a_schools_staff_member_shows_the_gap():
    rule_list, localities, enrolments, staff = _fake_world()
    result = _check(rule_list, localities, enrolments, staff[1:])
    assert not result.ok
    (finding,) = result.findings
    assert finding.school_id == 101 and finding.rule == RuleKind.STAFF_PER_SCHOOL
    assert finding.message == "Trường 1 chưa có cán bộ được phân công."


def test_missing_and_doubled_levels_and_too_few_schools_are_named():
    rule_list, localities, enrolments, staff = _fake_world()
    enrolments[2].school.school_level = SchoolLevel.PRIMARY
    result = _check(rule_list, localities, enrolments, staff)
    messages = [f.message for f in result.findings]
    assert "Chưa có trường trung học phổ thông." in messages
    assert (
        "Có 2 trường tiểu học; mỗi cấp học một trường." in messages
    )  # no names: seen by other provinces
    enrolments[0].left_on = D(2024, 5, 1)  # left the pilot before the end
    messages = [f.message for f in _check(rule_list, localities, enrolments, staff).findings]
    assert "Còn thiếu 1 trường: mới có 2/3 trường." in messages


def test_an_untrained_or_departed_staff_member_is_reported():
    rule_list, localities, enrolments, staff = _fake_world()
    staff[0].trained = False
    staff[1].until = D(2024, 6, 30)
    result = _check(rule_list, localities, enrolments, staff)
    warnings = [f for f in result.findings if f.severity == rules.WARNING]
    assert [w.message for w in warnings] == ["Cán bộ 1 (Trường 1) chưa được tập huấn."]
    assert [f.school_id for f in result.errors] == [102]


# -- Scope: provinces and schools ----------------------------------------------------------


def test_another_provinces_officer_gets_404_on_every_program_object(world, client):
    program = _program(world)
    task = _school_task(program)
    staff = DesignatedStaff.objects.get(enrolment__program=program)
    client.force_login(world.users["department_officer_b"])
    urls = [
        reverse("program_detail", args=[program.pk]),
        reverse("program_edit", args=[program.pk]),
        reverse("program_tasks", args=[program.pk]),
        reverse("program_timeline", args=[program.pk]),
        reverse("program_task_detail", args=[task.pk]),
        reverse("program_task_status", args=[task.pk]),
        reverse("program_staff_edit", args=[staff.pk]),
        reverse("program_staff_create", args=[staff.enrolment_id]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("program_staff_end", args=[staff.pk]), {}).status_code == 404
    assert program not in Program.objects.filter(
        pk__in=client.get(reverse("program_list")).context["page"].object_list
    )
    refused = AuditEvent.objects.filter(action="programs.access_refused")
    assert refused.count() == len(urls) + 1


def test_in_a_national_program_a_province_sees_the_other_only_as_counts(world, client):
    program = _national(world)
    client.force_login(world.users["department_officer"])
    response = client.get(reverse("program_detail", args=[program.pk]))
    page = response.content.decode()
    assert world.school_a.name in page and "Cán bộ A" in page
    assert world.school_b.name not in page and "Cán bộ B" not in page
    rows = {r.unit.pk: r for r in response.context["locality_rows"]}
    assert rows[world.dept_b.pk].school_count == 1 and rows[world.dept_b.pk].staff_count == 1
    assert not rows[world.dept_b.pk].enrolments
    task_b = program.tasks.get(responsible=world.school_b)
    staff_b = DesignatedStaff.objects.get(full_name="Cán bộ B")
    assert client.get(reverse("program_task_detail", args=[task_b.pk])).status_code == 404
    assert client.get(reverse("program_staff_edit", args=[staff_b.pk])).status_code == 404
    # Their own province's staff they manage; the program itself is the Ministry's.
    staff_a = DesignatedStaff.objects.get(full_name="Cán bộ A")
    assert client.get(reverse("program_staff_edit", args=[staff_a.pk])).status_code == 200
    assert client.get(reverse("program_edit", args=[program.pk])).status_code == 403
    client.force_login(world.users["ministry_officer"])
    page = client.get(reverse("program_detail", args=[program.pk])).content.decode()
    assert world.school_b.name in page and "Cán bộ B" in page


def test_a_school_sees_only_its_own_tasks(world, client):
    program = _national(world)
    client.force_login(world.users["counselor"])
    response = client.get(reverse("program_tasks", args=[program.pk]))
    titles = [t.title for t in response.context["page"]]
    assert titles == [f"Báo cáo của {world.school_a.name}"]
    task_b = program.tasks.get(responsible=world.school_b)
    assert client.get(reverse("program_task_detail", args=[task_b.pk])).status_code == 404
    chart = client.get(reverse("program_timeline", args=[program.pk])).context["bars"]
    assert [b.task.responsible_id for b in chart] == [world.school_a.pk]
    client.force_login(world.users["counselor_b"])
    own = program.tasks.get(responsible=world.school_b)
    assert client.get(reverse("program_task_detail", args=[own.pk])).status_code == 200


def test_a_commune_officer_sees_their_schools_but_changes_nothing(world, client):
    program = _program(world)
    client.force_login(world.users["commune_officer"])
    assert client.get(reverse("program_detail", args=[program.pk])).status_code == 200
    assert client.get(reverse("program_edit", args=[program.pk])).status_code == 403
    task = _school_task(program)
    assert client.get(reverse("program_task_status", args=[task.pk])).status_code == 403


# -- Tasks: dependencies, status, evidence --------------------------------------------------


def test_a_task_cannot_start_before_what_it_depends_on(world):
    program = _program(world)
    officer = world.users["department_officer"]
    milestone = program.tasks.get(milestone=True)
    with pytest.raises(ValidationError) as error:
        services.task_create(
            actor=officer,
            program=program,
            title="Quá sớm",
            responsible=world.dept_a,
            starts_on=milestone.due_on - datetime.timedelta(days=1),
            due_on=milestone.due_on + datetime.timedelta(days=3),
            depends_on=[milestone],
        )
    assert "chỉ bắt đầu được khi “Tập huấn cán bộ phụ trách” đã xong" in str(error.value)
    school_task = _school_task(program)
    with pytest.raises(ValidationError) as error:
        services.task_status_set(actor=officer, task=school_task, status=TaskStatus.IN_PROGRESS)
    assert "Chưa thể bắt đầu: “Tập huấn cán bộ phụ trách” chưa hoàn thành." in str(error.value)


def test_dependencies_cannot_form_a_cycle(world):
    program = _program(world)
    officer = world.users["department_officer"]
    milestone = program.tasks.get(milestone=True)
    school_task = _school_task(program)
    with pytest.raises(ValidationError) as error:
        services.task_update(actor=officer, task=milestone, depends_on=[school_task])
    assert "vòng tròn" in str(error.value)
    with pytest.raises(ValidationError):
        services.task_update(actor=officer, task=milestone, depends_on=[milestone])


def test_done_needs_evidence_and_a_done_task_waits_for_its_dependents(world):
    program = _program(world)
    officer = world.users["department_officer"]
    milestone = program.tasks.get(milestone=True)
    with pytest.raises(ValidationError) as error:
        services.task_status_set(actor=officer, task=milestone, status=TaskStatus.DONE)
    assert "minh chứng" in str(error.value)
    services.task_status_set(
        actor=officer, task=milestone, status=TaskStatus.DONE, evidence_note="Biên bản tập huấn"
    )
    school_task = _school_task(program)
    services.task_status_set(
        actor=world.users["counselor"], task=school_task, status=TaskStatus.IN_PROGRESS
    )
    with pytest.raises(ValidationError) as error:
        services.task_status_set(actor=officer, task=milestone, status=TaskStatus.IN_PROGRESS)
    assert "đã bắt đầu sau khi nhiệm vụ này xong" in str(error.value)


def test_the_school_uploads_evidence_and_the_download_is_audited(world, client):
    program = _program(world)
    milestone = program.tasks.get(milestone=True)
    services.task_status_set(
        actor=world.users["department_officer"],
        task=milestone,
        status=TaskStatus.DONE,
        evidence_note="Biên bản",
    )
    task = _school_task(program)
    client.force_login(world.users["counselor"])
    url = reverse("program_task_status", args=[task.pk])
    fake = SimpleUploadedFile("bien-ban.pdf", b"\x89PNG\r\n\x1a\nnot a pdf")
    response = client.post(
        url, {"status": "done", "files": [fake], "once": _token(client, url)}, follow=False
    )
    assert response.status_code == 400
    assert "bien-ban.pdf" in response.content.decode()
    upload = SimpleUploadedFile("bien-ban.pdf", PDF)
    response = client.post(
        url,
        {
            "status": "done",
            "done_on": TODAY.strftime("%d/%m/%Y"),
            "files": [upload],
            "once": _token(client, url),
        },
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.done_on == TODAY
    evidence = TaskEvidence.objects.get(task=task)
    assert evidence.file_kind == "pdf"
    response = client.get(reverse("program_evidence_download", args=[evidence.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert AuditEvent.objects.filter(action="programs.evidence_download").count() == 1
    assert AuditEvent.objects.filter(action="programs.task_status").count() == 2
    client.force_login(world.users["counselor_b"])
    assert client.get(reverse("program_evidence_download", args=[evidence.pk])).status_code == 404


def test_the_timeline_highlights_overdue_tasks(world, client):
    program = _program(world)
    client.force_login(world.users["department_officer"])
    response = client.get(reverse("program_timeline", args=[program.pk]))
    assert response.status_code == 200
    bars = response.context["bars"]
    assert all(b.overdue for b in bars) and response.context["overdue_count"] == 2
    page = response.content.decode()
    assert "<svg" in page and 'fill="#dc3545"' in page and "style=" not in page


# -- Forms: what people type ----------------------------------------------------------------


def test_create_a_program_once_and_its_department_is_its_locality(world, client):
    client.force_login(world.users["department_officer"])
    url = reverse("program_create")
    data = {
        "owner": world.dept_a.pk,
        "code": "tt18-ha-noi",
        "title": "Kế hoạch Thông tư 18",
        "legal_basis": "Kế hoạch số 1/KH-SGDĐT",
        "legal_basis_date": "24/10/2025",
        "starts_on": "01/11/2025",
        "ends_on": "31/05/2026",
        "status": "active",
        "once": _token(client, url),
    }
    response = client.post(url, data)
    program = Program.objects.get(code="tt18-ha-noi")
    assert response.status_code == 302
    assert list(program.localities.values_list("unit_id", flat=True)) == [world.dept_a.pk]
    again = client.post(url, data)
    assert again.status_code == 302 and Program.objects.filter(code="tt18-ha-noi").count() == 1
    assert AuditEvent.objects.filter(action="programs.program_create").count() == 1


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("ends_on", "01/01/2025", "không được trước ngày bắt đầu"),
        ("starts_on", "31/02/2025", "dd/mm/yyyy"),
        ("owner", "99999999999999999999999", ""),
        ("code", "mã có dấu", "Mã chỉ gồm"),
    ],
)
def test_bad_program_input_comes_back_with_a_message(world, client, field, value, message):
    client.force_login(world.users["department_officer"])
    url = reverse("program_create")
    data = {
        "owner": world.dept_a.pk,
        "code": "ct-moi",
        "title": "Kế hoạch mới",
        "starts_on": "01/11/2025",
        "ends_on": "31/05/2026",
        "status": "draft",
        "once": _token(client, url),
        field: value,
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Kế hoạch mới" in response.content.decode()  # what was typed is kept


def test_enrol_offers_only_the_localitys_schools_and_refuses_another(world, client):
    program = _program(world)
    extra = org_services.org_unit_create(
        actor=None,
        kind=OrgKind.SCHOOL,
        name="Trường Tiểu học Kim Liên",
        code="01-KL",
        parent=world.commune_a,
        commune=world.commune_a,
        school_level=SchoolLevel.PRIMARY,
    )
    client.force_login(world.users["department_officer"])
    url = reverse("program_enrol", args=[program.pk])
    response = client.get(url, {"q": "kim lien"})
    assert [s.pk for s in response.context["candidates"]] == [extra.pk]
    assert "Tiểu học" in response.content.decode()
    response = client.post(
        url,
        {
            "school": world.school_b.pk,
            "locality": world.dept_a.pk,
            "enrolled_on": TODAY.isoformat(),
            "once": _token(client, url),
        },
    )
    assert response.status_code == 400
    assert "không thuộc Sở GD&amp;ĐT Hà Nội" in response.content.decode()
    response = client.post(
        url,
        {
            "school": extra.pk,
            "locality": world.dept_a.pk,
            "enrolled_on": TODAY.isoformat(),
            "once": _token(client, url),
        },
    )
    assert response.status_code == 302
    # The rule check now flags the extra school: too many schools, a level not in the program.
    results, _day = rules.check_program(program)
    messages = [f.message for f in results[world.dept_a.pk].findings]
    assert "Có 2 trường, vượt số 1 trường quy định." in messages
    assert "Trường Tiểu học Kim Liên chưa có cán bộ được phân công." in messages


def test_ending_the_staff_member_shows_the_gap_on_the_page(world, client):
    program = _program(world)
    staff = DesignatedStaff.objects.get(enrolment__program=program)
    client.force_login(world.users["department_officer"])
    url = reverse("program_staff_end", args=[staff.pk])
    response = client.post(url, {"until": "31/13/2025", "once": _token(client, url)})
    assert response.status_code == 400
    response = client.post(
        url, {"until": TODAY.strftime("%d/%m/%Y"), "once": _token(client, url)}, follow=True
    )
    assert response.status_code == 200
    # Still in place today (until is inclusive); the day after, the school has nobody.
    after = rules.check_program(program, day=TODAY + datetime.timedelta(days=1))[0]
    assert [f.message for f in after[world.dept_a.pk].errors] == [
        f"{world.school_a.name} chưa có cán bộ được phân công."
    ]


def test_closed_programs_are_read_only(world):
    program = _program(world)
    officer = world.users["department_officer"]
    services.program_update(actor=officer, program=program, status=ProgramStatus.CLOSED)
    program.refresh_from_db()
    with pytest.raises(ValidationError, match="đã kết thúc"):
        services.task_create(
            actor=officer,
            program=program,
            title="x",
            responsible=world.dept_a,
            starts_on=TODAY,
            due_on=TODAY,
        )


def test_a_department_program_stays_in_its_province(world):
    program = _program(world)
    with pytest.raises(ValidationError, match="chỉ thực hiện tại tỉnh"):
        services.program_configure(
            actor=world.users["department_officer"],
            program=program,
            localities=[world.dept_a, world.dept_b],
        )
    with pytest.raises(ValidationError, match="đã có trường tham gia"):
        services.program_configure(
            actor=world.users["department_officer"], program=program, localities=[]
        )


# -- Lists are query-bounded ----------------------------------------------------------------


def test_program_pages_are_query_bounded(world, client, django_assert_max_num_queries):
    program = _national(world)
    client.force_login(world.users["ministry_officer"])
    urls = [
        reverse("program_list"),
        reverse("program_detail", args=[program.pk]),
        reverse("program_tasks", args=[program.pk]),
        reverse("program_timeline", args=[program.pk]),
    ]
    counts = {}
    for url in urls:
        with django_assert_max_num_queries(30) as captured:
            assert client.get(url).status_code == 200
        counts[url] = len(captured.captured_queries)
    for n in range(6):
        school = org_services.org_unit_create(
            actor=None,
            kind=OrgKind.SCHOOL,
            name=f"Trường {n}",
            code=f"01-X{n}",
            parent=world.commune_a,
            commune=world.commune_a,
            school_level=SchoolLevel.PRIMARY,
        )
        enrolment = services.enrolment_create(
            actor=None, program=program, school=school, locality=world.dept_a, enrolled_on=TODAY
        )
        services.staff_create(
            actor=None,
            enrolment=enrolment,
            full_name=f"Người {n}",
            employment=Employment.PART_TIME,
            qualification=Qualification.OTHER,
            since=TODAY,
        )
        services.task_create(
            actor=None,
            program=program,
            title=f"Nhiệm vụ {n}",
            responsible=school,
            starts_on=TODAY,
            due_on=TODAY,
        )
        services.program_create(
            actor=world.users["ministry_officer"],
            owner=world.ministry,
            code=f"ct-{n}",
            title=f"CT {n}",
            starts_on=TODAY,
            ends_on=TODAY,
        )
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert client.get(url).status_code == 200


# -- Staffing overview ----------------------------------------------------------------------


def _gap_school(world, code="01-GAP"):
    return org_services.org_unit_create(
        actor=None,
        kind=OrgKind.SCHOOL,
        name="Trường THCS Phương Mai",
        code=code,
        parent=world.commune_a,
        commune=world.commune_a,
        school_level=SchoolLevel.LOWER_SECONDARY,
    )


def test_staffing_shows_a_departments_schools_and_the_gaps(
    world, client, django_assert_max_num_queries
):
    _program(world)
    gap = _gap_school(world)
    client.force_login(world.users["department_officer"])
    url = reverse("program_staffing")
    with django_assert_max_num_queries(20) as captured:
        response = client.get(url)
    assert response.context["province"] == world.dept_a
    rows = {s.pk: s for s in response.context["page"]}
    assert rows[gap.pk].is_gap and not rows[world.school_a.pk].is_gap
    assert [p.full_name for p in rows[world.school_a.pk].designated] == ["Tv.A"]
    totals = response.context["totals"]
    assert (totals.schools, totals.with_staff, totals.gaps) == (2, 1, 1)
    for n in range(5):
        _gap_school(world, code=f"01-G{n}")
    with django_assert_max_num_queries(len(captured.captured_queries)):
        response = client.get(url, {"gaps": "1"})
    assert len(response.context["page"].object_list) == 6
    response = client.get(url, {"q": "phuong mai", "gaps": "1"})
    assert len(response.context["page"].object_list) == 6
    # Another province (or a bad parameter) is not there for them.
    assert client.get(url, {"province": world.dept_b.pk}).status_code == 404
    assert client.get(url, {"province": "9" * 30}).status_code == 404
    assert client.get(url, {"province": "abc"}).status_code == 404


def test_the_ministry_sees_every_province_and_drills_down(world, client):
    _program(world, "b")
    client.force_login(world.users["ministry_officer"])
    response = client.get(reverse("program_staffing"))
    provinces = {p.pk: p for p in response.context["provinces"]}
    assert provinces[world.dept_b.pk].schools == 1 and provinces[world.dept_b.pk].gaps == 0
    response = client.get(reverse("program_staffing"), {"province": world.dept_b.pk})
    assert [s.pk for s in response.context["page"]] == [world.school_b.pk]


def test_staffing_export_lists_every_school_and_is_audited(world, client):
    _program(world)
    _gap_school(world)
    client.force_login(world.users["department_officer"])
    response = client.get(reverse("program_staffing_export"), {"province": world.dept_a.pk})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    values = [row for row in book.active.iter_rows(values_only=True)]
    names = [row[1] for row in values[4:] if row and row[1]]
    assert names == ["Trường THCS Lĩnh Nam", "Trường THCS Phương Mai"]
    gap_row = next(row for row in values if row[1] == "Trường THCS Phương Mai")
    assert gap_row[6] == "Chưa có"
    event = AuditEvent.objects.get(action="programs.staffing_export")
    assert event.extra == {"schools": 2, "gaps": 1}
    assert (
        client.get(reverse("program_staffing_export"), {"province": world.dept_b.pk}).status_code
        == 404
    )


def test_a_counselor_without_a_designation_still_fills_the_post(world, client):
    """Schools without anyone: no designated staff in an active program and no counselor."""
    school = _gap_school(world)
    user = account_services.user_create(
        actor=None, username="tv.pm", full_name="Lê Thu", password="x-Pass-12345"
    )
    account_services.membership_grant(actor=None, user=user, org_unit=school, role=Role.COUNSELOR)
    client.force_login(world.users["department_officer"])
    response = client.get(reverse("program_staffing"))
    totals = response.context["totals"]
    assert (totals.schools, totals.with_staff, totals.with_counselor, totals.gaps) == (2, 0, 2, 0)
    assert not any(s.is_gap for s in response.context["page"])
