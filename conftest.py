"""Shared test fixtures: a small world with two provinces and the people of every role.

Mirrors healthchecks' alice/bob/charlie: for each role there is a person at "our" side (province
A, school A) and objects at "the other" side (province B, school B) they must not reach.
"""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from diemtua.accounts import services as account_services
from diemtua.accounts.roles import Role
from diemtua.orgs import services as org_services
from diemtua.orgs.models import OrgKind, SchoolLevel
from diemtua.students.models import Guardian, Student

PASSWORD = "test-password-123"


class World:
    """Attribute bag for the fixture world."""


def _user(username, role, unit):
    user = account_services.user_create(
        actor=None, username=username, full_name=username.title(), password=PASSWORD
    )
    account_services.membership_grant(actor=None, user=user, org_unit=unit, role=role)
    return user


def _student(school, name, **extra):
    values = {
        "gender": "female",
        "date_of_birth": datetime.date(2014, 5, 17),
        "grade": 6,
        "class_name": "6A",
        "ethnicity": "Kinh",
    }
    values.update(extra)
    return Student.objects.create(school=school, full_name=name, **values)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is deliberately slow; tests create many users, so they use a fast hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    w = World()
    create = org_services.org_unit_create
    w.ministry = create(actor=None, kind=OrgKind.MINISTRY, name="Bộ GD&ĐT", code="BGDDT")
    w.dept_a = create(
        actor=None, kind=OrgKind.DEPARTMENT, name="Sở GD&ĐT Hà Nội", code="01", parent=w.ministry
    )
    w.dept_b = create(
        actor=None,
        kind=OrgKind.DEPARTMENT,
        name="Sở GD&ĐT Thanh Hóa",
        code="38",
        parent=w.ministry,
    )
    w.commune_a = create(
        actor=None, kind=OrgKind.COMMUNE, name="Phường Đống Đa", code="00235", parent=w.dept_a
    )
    w.commune_b = create(
        actor=None, kind=OrgKind.COMMUNE, name="Phường Hạc Thành", code="14797", parent=w.dept_b
    )
    w.school_a = create(
        actor=None,
        kind=OrgKind.SCHOOL,
        name="Trường THCS Lĩnh Nam",
        code="01-A",
        parent=w.commune_a,
        commune=w.commune_a,
        school_level=SchoolLevel.LOWER_SECONDARY,
    )
    w.school_b = create(
        actor=None,
        kind=OrgKind.SCHOOL,
        name="Trường THCS Trần Mai Ninh",
        code="38-B",
        parent=w.commune_b,
        commune=w.commune_b,
        school_level=SchoolLevel.LOWER_SECONDARY,
    )
    w.provider_a = create(
        actor=None,
        kind=OrgKind.PROVIDER,
        name="Bệnh viện Tâm thần Hà Nội",
        code="01-BV",
        parent=w.dept_a,
    )
    w.users = {
        "counselor": _user("tv.a", Role.COUNSELOR, w.school_a),
        "counselor_b": _user("tv.b", Role.COUNSELOR, w.school_b),
        "school_lead": _user("bgh.a", Role.SCHOOL_LEAD, w.school_a),
        "teacher": _user("gv.a", Role.TEACHER, w.school_a),
        "commune_officer": _user("xa.a", Role.COMMUNE_OFFICER, w.commune_a),
        "department_officer": _user("so.a", Role.DEPARTMENT_OFFICER, w.dept_a),
        "department_officer_b": _user("so.b", Role.DEPARTMENT_OFFICER, w.dept_b),
        "ministry_officer": _user("bo.vu", Role.MINISTRY_OFFICER, w.ministry),
        "partner_staff": _user("dt.a", Role.PARTNER_STAFF, w.provider_a),
        "system_admin": _user("admin", Role.SYSTEM_ADMIN, w.ministry),
    }
    w.student_a = _student(w.school_a, "Nguyễn Văn An", gender="male", national_id="010000000001")
    w.student_a2 = _student(w.school_a, "Đặng Thị Đào", class_name="7B", grade=7)
    w.student_b = _student(w.school_b, "Nguyễn Văn An", gender="male", national_id="380000000001")
    Guardian.objects.create(
        student=w.student_a, full_name="Nguyễn Thị Hạnh", relationship="mother", phone="0912345678"
    )
    return w


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture(scope="module")
def seeded_demo(django_db_setup, django_db_blocker):
    """Seed once for the module (a few seconds), inside a transaction rolled back at the end.

    Each test still runs in its own savepoint (the `db` fixture), so nothing leaks between
    tests or modules. The conftest's fast hasher is per test, so it is set here for the seeding.
    """
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        call_command("seed_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _celery_runs_tasks_in_the_test(request):
    """Tasks run inside the test (eagerly), even when REDIS_URL points Celery at a broker;
    only tests marked `real_worker` send them to a real worker."""
    from config.celery import app

    eager = "real_worker" not in request.keywords
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _indicator_refresh_waits(settings):
    """Writes mark units stale but do not start a refresh, on SQLite and on CI's Redis alike;
    tests of the debounced refresh turn it on themselves."""
    settings.DIEMTUA_INDICATORS_AUTO_REFRESH = False


@pytest.fixture(autouse=True)
def _reporting_caches_start_empty():
    """Ids repeat from one test to the next after a rollback, so nothing a test cached under
    an id may reach the next: dashboard figures (cached per process by unit and period id),
    and stale marks remembered per unit (without a refresh generation every mark is written)."""
    from django.core.cache import cache

    from diemtua.reporting.signals import GENERATION_KEY
    from diemtua.reporting.tables import _figures_cache

    _figures_cache.clear()
    cache.delete(GENERATION_KEY)
