"""Loading the demo world (see demo_data.py). Idempotent: a second run changes nothing."""

from django.conf import settings
from django.db import transaction

from diemtua.accounts import services as account_services
from diemtua.accounts.models import User
from diemtua.accounts.roles import Role
from diemtua.core.text import fold, name_sort_key
from diemtua.orgs import services as org_services
from diemtua.orgs.admin_units import MINISTRY_CODE, load_admin_units
from diemtua.orgs.models import OrgKind, OrgUnit, SchoolLevel
from diemtua.students.models import Guardian, Student

from .demo_data import LOCALITIES, students_for

# login → (full name, role, how to find the unit)
EXTRA_LOGINS = [
    ("admin", "Quản trị hệ thống", Role.SYSTEM_ADMIN, ("ministry", MINISTRY_CODE)),
    ("bo.vu", "Trần Thu Hương", Role.MINISTRY_OFFICER, ("ministry", MINISTRY_CODE)),
    ("bgh.trungtu", "Phạm Thị Thanh Hà", Role.SCHOOL_LEAD, ("school", "01-TRUNGTU")),
    ("gv.trungtu", "Lê Minh Châu", Role.TEACHER, ("school", "01-TRUNGTU")),
    ("xa.dongda", "Đỗ Quang Vinh", Role.COMMUNE_OFFICER, ("commune", "00235")),
    ("dt.hanoi", "Ngô Thị Bích", Role.PARTNER_STAFF, ("provider", "01-BVTTHN")),
]
OFFICER_NAMES = {
    "so.hanoi": "Nguyễn Thị Lan Anh",
    "so.hcm": "Võ Minh Tâm",
    "so.tuyenquang": "Hoàng Văn Đông",
    "so.phutho": "Bùi Thị Ngọc",
    "so.thanhhoa": "Lê Văn Hải",
}
# Four-syllable names: demo students have three, so no counselor shares a student's full name
# (a scan of officers' pages for student names must not trip on the submitter's name).
COUNSELOR_GIVEN = [
    "Thị Thu Trang", "Thị Minh Hằng", "Thị Quỳnh Anh", "Thị Thanh Tâm", "Thị Hải Yến",
    "Thị Ngọc Mai",
]  # fmt: skip
COUNSELOR_FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ"]


def school_code(province_code: str, slug: str) -> str:
    return f"{province_code}-{slug.upper()}"


def _unit(kind: str, code: str) -> OrgUnit:
    return OrgUnit.objects.get(kind=kind, code=code, valid_to__isnull=True)


def _ensure_user(username: str, full_name: str, role: str, unit: OrgUnit, password: str) -> bool:
    user = User.objects.filter(username=username).first()
    created = user is None
    if created:
        user = account_services.user_create(
            actor=None, username=username, full_name=full_name, password=password
        )
    account_services.membership_grant(actor=None, user=user, org_unit=unit, role=role)
    return created


def _ensure_school(locality, school) -> tuple[OrgUnit, bool]:
    code = school_code(locality.code_2024, school.slug)
    existing = OrgUnit.objects.filter(kind=OrgKind.SCHOOL, code=code, valid_to=None).first()
    if existing:
        return existing, False
    commune = _unit(OrgKind.COMMUNE, school.commune_code)
    department = _unit(OrgKind.DEPARTMENT, locality.today_code)
    # Since 07/2025 communes manage primary and lower-secondary schools; upper secondary
    # schools report to the department directly.
    parent = department if school.level == SchoolLevel.UPPER_SECONDARY else commune
    unit = org_services.org_unit_create(
        actor=None,
        kind=OrgKind.SCHOOL,
        name=school.name,
        code=code,
        parent=parent,
        school_level=school.level,
        commune=commune,
        address=f"{school.address}, {commune.name}",
        audit_reason="seed_demo",
    )
    return unit, True


def _ensure_students(school_unit: OrgUnit, locality, school) -> int:
    if Student.objects.filter(school=school_unit).exists():
        return 0
    demo_students = students_for(school, school_unit.code, locality.ethnic_mix)
    # A bulk loader, not a user action: one audit row for the batch (below) instead of 40.
    students = Student.objects.bulk_create(
        [
            Student(
                school=school_unit,
                full_name=s.full_name,
                search_name=fold(s.full_name),
                sort_name=name_sort_key(s.full_name),
                gender=s.gender,
                date_of_birth=s.date_of_birth,
                grade=s.grade,
                class_name=s.class_name,
                ethnicity=s.ethnicity,
                national_id=s.national_id,
            )
            for s in demo_students
        ]
    )
    Guardian.objects.bulk_create(
        [
            Guardian(
                student=student,
                full_name=s.guardian_name,
                relationship=s.guardian_relationship,
                phone=s.guardian_phone,
            )
            for student, s in zip(students, demo_students, strict=True)
        ]
    )
    from diemtua.audit import services as audit

    audit.record(
        actor=None,
        action="students.demo_load",
        org_unit=school_unit,
        reason="seed_demo",
        extra={"count": len(students)},
    )
    return len(students)


def seed_demo() -> dict[str, int]:
    # A bulk loader: indicator rollups are computed once at the end (reporting.demo), not
    # marked stale by each of the thousands of records it writes.
    from diemtua.reporting.signals import paused

    with paused():
        return _seed_demo()


@transaction.atomic
def _seed_demo() -> dict[str, int]:
    stats = {"units": 0, "users": 0, "students": 0}
    load_admin_units(with_communes=True)
    password = settings.DIEMTUA_DEMO_PASSWORD

    hanoi = _unit(OrgKind.DEPARTMENT, "01")
    if not OrgUnit.objects.filter(kind=OrgKind.PROVIDER, code="01-BVTTHN").exists():
        org_services.org_unit_create(
            actor=None,
            kind=OrgKind.PROVIDER,
            name="Bệnh viện Tâm thần Hà Nội",
            code="01-BVTTHN",
            parent=hanoi,
            address="467 Nguyễn Văn Linh, Phường Phúc Lợi, Hà Nội",
            audit_reason="seed_demo",
        )
        stats["units"] += 1

    for locality_index, locality in enumerate(LOCALITIES):
        department = _unit(OrgKind.DEPARTMENT, locality.today_code)
        stats["users"] += _ensure_user(
            locality.officer,
            OFFICER_NAMES[locality.officer],
            Role.DEPARTMENT_OFFICER,
            department,
            password,
        )
        for index, school in enumerate(locality.schools):
            unit, created = _ensure_school(locality, school)
            stats["units"] += created
            counselor = (
                f"{COUNSELOR_FAMILY[(locality_index * 3 + index) % len(COUNSELOR_FAMILY)]} "
                f"{COUNSELOR_GIVEN[(locality_index + index * 2) % len(COUNSELOR_GIVEN)]}"
            )
            stats["users"] += _ensure_user(
                f"tv.{school.slug}", counselor, Role.COUNSELOR, unit, password
            )
            stats["students"] += _ensure_students(unit, locality, school)

    for username, full_name, role, (kind, code) in EXTRA_LOGINS:
        stats["users"] += _ensure_user(username, full_name, role, _unit(kind, code), password)
    from diemtua.cases.demo import seed_cases  # requests and cases (imports this module)

    for key, count in seed_cases().items():
        stats[key] = stats.get(key, 0) + count
    from diemtua.referrals.demo import seed_providers

    stats["providers"] = seed_providers()
    from diemtua.referrals.demo import seed_referrals

    stats["referrals"] = seed_referrals()
    from diemtua.activities.demo import seed_activities

    stats["activities"] = seed_activities()
    from diemtua.screening.demo import seed_screening

    stats["screening_answers"] = seed_screening()
    from diemtua.screening.survey_demo import seed_surveys

    stats["surveys"] = seed_surveys()
    # Programs (issue 7): the programs first, then what points at them.
    from diemtua.programs.demo import seed_programs

    stats["programs"] = seed_programs()
    from diemtua.directives.demo import seed_directives

    stats["directives"] = seed_directives()
    from diemtua.visits.demo import seed_visits

    stats["visits"] = seed_visits()
    from diemtua.trainings.demo import seed_trainings

    stats["trainings"] = seed_trainings()
    from diemtua.funding.demo import seed_funding

    stats["budget_lines"] = seed_funding()
    from diemtua.awards.demo import seed_awards  # draws on visits and trainings

    stats["awards"] = seed_awards()
    # Reporting (issue 8) last: it counts everything above.
    from diemtua.reporting.demo import seed_reporting

    stats.update(seed_reporting())
    return stats


def demo_logins() -> list[tuple[str, str, str]]:
    """(login, role, unit) of every demo account, for the console and the README."""
    rows = []
    usernames = ["admin", "bo.vu", *OFFICER_NAMES]
    for locality in LOCALITIES:
        usernames += [f"tv.{s.slug}" for s in locality.schools]
    usernames += ["tv2.trungtu", "bgh.trungtu", "gv.trungtu", "xa.dongda", "dt.hanoi"]
    usernames += ["so.quangngai"]  # the directives demo: Quảng Ngãi's 2022 letter
    users = {
        u.username: u
        for u in User.objects.filter(username__in=usernames).prefetch_related(
            "memberships__org_unit"
        )
    }
    for username in usernames:
        user = users.get(username)
        if user is None:
            continue
        for m in user.memberships.all():
            rows.append((username, m.get_role_display(), m.org_unit.name))
    return rows
