"""The demo's programs (the issue's check). A module of its own: `seeded_demo` keeps the demo
world for the whole module, which the small fixture world of the other tests would clash with."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from diemtua.orgs.models import OrgKind, SchoolLevel
from diemtua.programs import rules
from diemtua.programs.models import DesignatedStaff, Enrolment, Program, ProgramStatus, TaskStatus

TODAY = timezone.localdate()
D = datetime.date


@pytest.mark.django_db
def test_the_demo_pilot_holds_6_localities_of_3_schools_at_3_levels_with_staff(seeded_demo):
    from diemtua.programs.demo import seed_programs

    seed_programs()
    assert seed_programs() == 0  # idempotent
    pilot = Program.objects.get(code="thi-diem-2024")
    assert pilot.status == ProgramStatus.CLOSED and pilot.owner.kind == OrgKind.MINISTRY
    results, day = rules.check_program(pilot)
    assert day == D(2024, 8, 31)
    names = {r.locality.name for r in results.values()}
    assert len(results) == 6 and "Sở GD&ĐT Hà Giang" in names and "Sở GD&ĐT Hòa Bình" in names
    for result in results.values():
        levels = sorted(e.school.school_level for e in result.enrolments)
        assert levels == sorted(
            [SchoolLevel.PRIMARY, SchoolLevel.LOWER_SECONDARY, SchoolLevel.UPPER_SECONDARY]
        )
        assert result.findings == []
    assert DesignatedStaff.objects.filter(enrolment__program=pilot, trained=True).count() == 18
    assert not pilot.tasks.exclude(status=TaskStatus.DONE).exists()
    assert not pilot.tasks.filter(evidence_note="").exists()

    # Removing one school's staff member: the rule check shows that school's gap.
    staff = list(DesignatedStaff.objects.filter(enrolment__program=pilot))
    removed = staff.pop()
    enrolments = list(Enrolment.objects.filter(program=pilot).select_related("school"))
    after = rules.check(
        rules=list(pilot.rules.all()),
        localities=[r.locality for r in results.values()],
        enrolments=enrolments,
        staff=staff,
        day=day,
    )
    gaps = [f for r in after.values() for f in r.findings]
    assert [f.school_id for f in gaps] == [removed.enrolment.school_id]

    current = Program.objects.get(code="tt18-2025-2026")
    assert current.status == ProgramStatus.ACTIVE and current.owner.code == "01"
    results, _day = rules.check_program(current)
    (hanoi,) = results.values()
    assert "Trường THPT Minh Phú chưa có cán bộ được phân công." in [
        f.message for f in hanoi.errors
    ]
    overdue = [t for t in current.tasks.all() if t.is_overdue(TODAY)]
    assert overdue


@pytest.mark.django_db
def test_the_demo_pilot_page_for_a_merged_provinces_officer(seeded_demo, client):
    """Today's Tuyên Quang officer sees Hà Giang's pilot schools (its predecessor), and only
    counts of Hà Nội's."""
    from diemtua.accounts.models import User
    from diemtua.programs.demo import seed_programs

    seed_programs()
    pilot = Program.objects.get(code="thi-diem-2024")
    client.force_login(User.objects.get(username="so.tuyenquang"))
    page = client.get(reverse("program_detail", args=[pilot.pk])).content.decode()
    assert "Trường PTDTBT Tiểu học Lũng Cú" in page and "Trường Tiểu học Phan Thiết" in page
    assert "Trường Tiểu học Trung Tự" not in page
    client.force_login(User.objects.get(username="tv.trungtu"))
    page = client.get(reverse("program_tasks", args=[pilot.pk])).content.decode()
    assert "Trường Tiểu học Trung Tự: báo cáo" in page
    assert "Trường THCS Lĩnh Nam: báo cáo" not in page
    assert "Kết thúc thời gian thí điểm" in page  # a milestone
