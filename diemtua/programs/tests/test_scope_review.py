"""Regressions from the review of issue 7: nothing of another province or school shows through
a Ministry program that both provinces take part in."""

import datetime
import io

import openpyxl
from django.urls import reverse

from diemtua.core import spreadsheet
from diemtua.programs.models import (
    DesignatedStaff,
    Enrolment,
    Program,
    ProgramLocality,
    ProgramTask,
)

D = datetime.date


def _ministry_program(world):
    program = Program.objects.create(
        owner=world.ministry, code="tt18", title="Chương trình toàn quốc", status="active",
        starts_on=D(2024, 1, 1), ends_on=D(2030, 12, 31),
        created_by=world.users["ministry_officer"],
    )  # fmt: skip
    for dept in (world.dept_a, world.dept_b):
        ProgramLocality.objects.create(program=program, unit=dept)
    mine = Enrolment.objects.create(
        program=program, school=world.school_a, locality=world.dept_a, enrolled_on=D(2024, 2, 1)
    )
    theirs = Enrolment.objects.create(
        program=program, school=world.school_b, locality=world.dept_b, enrolled_on=D(2024, 2, 1)
    )
    DesignatedStaff.objects.create(
        enrolment=theirs, full_name="Tên Bí Mật Tỉnh B", employment="full_time",
        qualification="psychology", since=D(2024, 2, 1),
    )  # fmt: skip
    return program, mine, theirs


def test_a_task_list_does_not_show_what_another_schools_task_is_called(world, login):
    program, _mine, _theirs = _ministry_program(world)
    theirs = ProgramTask.objects.create(
        program=program, title="NHIỆM VỤ RIÊNG CỦA TRƯỜNG B", responsible=world.school_b,
        starts_on=D(2025, 1, 1), due_on=D(2025, 2, 1),
    )  # fmt: skip
    mine = ProgramTask.objects.create(
        program=program, title="Nhiệm vụ của trường A", responsible=world.school_a,
        starts_on=D(2025, 3, 1), due_on=D(2025, 4, 1),
    )  # fmt: skip
    mine.depends_on.add(theirs)
    page = login(world.users["counselor"]).get(reverse("program_tasks", args=[program.pk]))
    body = page.content.decode()
    assert "Nhiệm vụ của trường A" in body and "NHIỆM VỤ RIÊNG CỦA TRƯỜNG B" not in body


def test_a_departments_award_scoring_lists_only_its_own_schools_and_staff(world, login):
    from diemtua.awards.models import CriteriaSet, Criterion

    program, _mine, _theirs = _ministry_program(world)
    for kind in ("unit", "person"):
        criteria = CriteriaSet.objects.create(
            owner=world.dept_a, program=program, title="Khen", subject_kind=kind,
            created_by=world.users["department_officer"],
        )  # fmt: skip
        Criterion.objects.create(
            criteria_set=criteria, position=1, code="TC1", text="x", max_points=10,
            evidence="staff_trained",
        )  # fmt: skip
        client = login(world.users["department_officer"])
        url = reverse("evaluation_create", args=[criteria.pk])
        body = client.get(f"{url}?subject={world.school_b.pk}").content.decode()
        assert world.school_b.name not in body and "Tên Bí Mật Tỉnh B" not in body


def test_exports_never_hold_a_formula_someone_typed(world, login):
    book = openpyxl.Workbook()
    book.active.append(['=HYPERLINK("http://x","y")', "+1", "bình thường"])
    content = spreadsheet.to_bytes(book)
    cells = next(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows())
    assert [c.data_type for c in cells] == ["s", "s", "s"]
    assert cells[0].value == '=HYPERLINK("http://x","y")'
    program, mine, _theirs = _ministry_program(world)
    DesignatedStaff.objects.create(
        enrolment=mine, full_name='=HYPERLINK("http://e","x")', employment="full_time",
        qualification="psychology", since=D(2024, 2, 1),
    )  # fmt: skip
    client = login(world.users["department_officer"])
    response = client.get(f"{reverse('program_staffing_export')}?province={world.dept_a.pk}")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
