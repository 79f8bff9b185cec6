import html

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from diemtua.accounts.models import User
from diemtua.orgs.models import OrgKind, OrgUnit
from diemtua.students.models import Student

REQUIRED_LOGINS = {
    "bo.vu": "Các Sở GD&ĐT",
    "so.hanoi": "Các trường thuộc Sở GD&ĐT Hà Nội",
    "so.thanhhoa": "Các trường thuộc Sở GD&ĐT Thanh Hóa",
    "tv.trungtu": "Trường Tiểu học Trung Tự",
    "tv.linhnam": "Trường THCS Lĩnh Nam",
    "tv.minhphu": "Trường THPT Minh Phú",
    "bgh.trungtu": "Nhân sự tư vấn",
    "gv.trungtu": "Trường Tiểu học Trung Tự",
    "admin": "Quản trị hệ thống",
}


@pytest.fixture
def demo(seeded_demo, db):
    """The demo world, seeded once for this module (see conftest.seeded_demo)."""


def _snapshot():
    from diemtua.audit.models import AuditEvent

    return (
        OrgUnit.objects.count(),
        User.objects.count(),
        Student.objects.count(),
        AuditEvent.objects.count(),
    )


def test_seed_demo_is_idempotent(demo):
    first = _snapshot()
    call_command("seed_demo")
    assert _snapshot() == first


def test_demo_has_the_pilot_shape(demo):
    from diemtua.programs.demo import GAP_SCHOOLS

    # 18 pilot schools; the programs demo adds two Hà Nội schools with nobody in place yet.
    assert OrgUnit.objects.filter(kind=OrgKind.SCHOOL, code__in=GAP_SCHOOLS).count() == 2
    schools = OrgUnit.objects.filter(kind=OrgKind.SCHOOL).exclude(code__in=GAP_SCHOOLS)
    assert schools.count() == 18
    assert {s.school_level for s in schools} == {
        "primary",
        "lower_secondary",
        "upper_secondary",
    }
    from diemtua.screening.demo import CLASS_SIZE
    from diemtua.screening.demo import SCHOOL as SCREENED

    for school in schools:
        # The screening demo fills one class of its school up to a believable size.
        top = 45 + (CLASS_SIZE if school.code == SCREENED else 0)
        assert 35 <= Student.objects.filter(school=school).count() <= top
        assert school.memberships.filter(role="counselor").count() in (1, 2)  # tv2.trungtu
    ha_giang = OrgUnit.objects.get(kind=OrgKind.DEPARTMENT, code="02")
    assert ha_giang.successor.code == "08" and str(ha_giang.valid_to) == "2025-06-30"
    lung_cu = Student.objects.filter(school__code="02-LUNGCU")
    assert lung_cu.filter(ethnicity="Mông").count() >= 10
    assert Student.objects.filter(school__code="17-MAICHAU", ethnicity="Mường").exists()


@pytest.mark.parametrize(("username", "expected"), sorted(REQUIRED_LOGINS.items()))
def test_each_demo_login_reaches_its_home_page(demo, client, username, expected):
    logged_in = client.login(username=username, password=settings.DIEMTUA_DEMO_PASSWORD)
    assert logged_in
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert expected in html.unescape(response.content.decode())


def test_login_form_with_username_and_password(demo, client):
    response = client.post(
        reverse("login"),
        {"username": "tv.trungtu", "password": settings.DIEMTUA_DEMO_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")
    client.logout()
    response = client.post(reverse("login"), {"username": "tv.trungtu", "password": "sai"})
    assert response.status_code == 200
    assert "không đúng" in response.content.decode()
