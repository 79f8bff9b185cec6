"""bench_seed: national-shaped data the product itself can read, the same for the same seed."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone

from diemtua.accounts.models import Membership, User
from diemtua.accounts.roles import Role
from diemtua.cases.models import Case, HelpRequest, Session, Stage, StageChange
from diemtua.core.synthetic import national
from diemtua.orgs.models import GRADES_BY_LEVEL, OrgKind, OrgUnit, OrgUnitAncestor
from diemtua.referrals.models import Referral
from diemtua.reporting.aggregate import unit_totals
from diemtua.reporting.indicators import get as indicator
from diemtua.reporting.models import IndicatorValue, PeriodKind
from diemtua.reporting.periods import get_period, school_year_code, school_year_of
from diemtua.students import selectors as student_selectors
from diemtua.students.models import Student

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("bench_seed", "--students", "600", "--schools", "4", "--years", "2", "--seed", "7")
    return OrgUnit.objects.filter(code__startswith="BENCH-", kind=OrgKind.SCHOOL)


def test_shape_students_schools_staff(seeded):
    assert seeded.count() == 4
    assert Student.objects.count() == 600
    for school in seeded.annotate(n=Count("students")):
        assert school.n >= 1
        # Primary and lower-secondary schools sit under their commune, upper under the Sở.
        parent_kind = "department" if school.school_level == "upper_secondary" else "commune"
        assert school.parent.kind == parent_kind
        assert school.commune.kind == OrgKind.COMMUNE
        grades = set(Student.objects.filter(school=school).values_list("grade", flat=True))
        assert grades <= set(GRADES_BY_LEVEL[school.school_level])
        # The closure table reaches the Ministry, so every rollup and access check works.
        assert OrgUnitAncestor.objects.filter(descendant=school, ancestor__kind="ministry").exists()
        assert Membership.objects.filter(org_unit=school, role=Role.COUNSELOR).count() == 1
    assert User.objects.filter(username="bench.bo", memberships__role=Role.MINISTRY_OFFICER)


def test_records_are_consistent(seeded):
    today = timezone.localdate()
    assert Case.objects.exists() and Session.objects.exists() and Referral.objects.exists()
    # A case's student, session and referral belong to the case's school.
    assert not Case.objects.exclude(student__isnull=True).exclude(student__school=F("school"))
    assert not Session.objects.exclude(school=F("case__school"))
    assert not Referral.objects.exclude(school=F("case__school"))
    closed = Case.objects.filter(stage=Stage.CLOSED)
    assert closed.exists()
    assert not closed.filter(closed_on__isnull=True)
    assert not closed.filter(closed_on__lt=F("opened_on"))
    assert not Case.objects.filter(opened_on__gt=today)
    # Every closed case has the stage change the indicators count closings from.
    assert StageChange.objects.filter(to_stage=Stage.CLOSED).count() == closed.count()
    assert not Session.objects.filter(held_at__date__lt=F("case__opened_on") - 1)
    # Encrypted text reads back as text; a teacher's request always names its student.
    assert any(t in Case.objects.first().summary for t in national.TEXTS["summary"])
    assert not HelpRequest.objects.filter(channel="teacher", student__isnull=True)
    assert HelpRequest.objects.filter(status="new").exists()


def test_ids_continue_after_the_seed(seeded):
    """The id sequences were moved past the ids the loader handed out."""
    school = seeded.first()
    student = Student.objects.create(
        school=school,
        full_name="Nguyễn Văn Mới",
        gender="male",
        date_of_birth=datetime.date(2015, 1, 1),
        grade=min(GRADES_BY_LEVEL[school.school_level]),
        class_name="1A",
    )
    assert student.pk > Student.objects.exclude(pk=student.pk).order_by("-pk").first().pk


def test_counselor_finds_students_without_diacritics_and_opens_the_queue(seeded, client):
    school = seeded.first()
    counselor = Membership.objects.get(org_unit=school, role=Role.COUNSELOR).user
    student = Student.objects.filter(school=school).first()
    found = student_selectors.student_list(
        fetched_by=counselor, school=school, query=student.search_name
    )
    assert student in found
    client.force_login(counselor)
    assert client.get(reverse("case_queue")).status_code == 200
    assert client.get(reverse("student_list"), {"q": student.search_name}).status_code == 200


def test_indicator_values_match_the_records(seeded):
    today = timezone.localdate()
    period = get_period(PeriodKind.SCHOOL_YEAR, school_year_code(school_year_of(today) - 1))
    assert IndicatorValue.objects.filter(period=period).exists()
    ministry = OrgUnit.objects.get(kind=OrgKind.MINISTRY, valid_to__isnull=True)
    totals = unit_totals(ministry, period)
    raw = sum(v for _, key, v in indicator("cases_opened").compute(period, None) if key == "")
    assert totals[("cases_opened", "")] == raw > 0


def test_same_seed_same_data():
    call_command("load_admin_units", "--communes", verbosity=0)
    plan = national.Plan(students=300, schools=3, years=2, seed=11)

    def generated():
        generator = national.Generator(plan)
        schools = generator.plan_tree().schools
        rows = {name: [] for name, _, _ in generator.TABLES}
        generator.school_rows(schools[1], rows)
        # Ids depend on what the database holds already; the content must not.
        return [(r[2], r[5], r[6], r[8]) for r in rows["students"]], [
            (r[4], r[5], r[11]) for r in rows["cases"]
        ]

    first = generated()
    second = generated()
    assert first == second
    other = national.Generator(national.Plan(students=300, schools=3, years=2, seed=12))
    rows = {name: [] for name, _, _ in other.TABLES}
    other.school_rows(other.plan_tree().schools[1], rows)
    assert [(r[2], r[5], r[6], r[8]) for r in rows["students"]] != first[0]


def test_refuses_a_database_with_bench_data(seeded):
    with pytest.raises(CommandError, match="đã có dữ liệu bench"):
        call_command("bench_seed", "--students", "10")
    assert Student.objects.count() == 600


@pytest.mark.parametrize(
    "arguments",
    [["--students", "3", "--schools", "5"], ["--students", "0"], ["--years", "0"]],
)
def test_refuses_bad_arguments(arguments):
    with pytest.raises(CommandError):
        call_command("bench_seed", *arguments)
    assert not Student.objects.exists()
