"""List pages cost the same number of queries for few rows as for many (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diemtua.accounts import services as account_services
from diemtua.accounts.roles import Role
from diemtua.orgs import services as org_services
from diemtua.orgs.models import OrgKind, SchoolLevel


def _add_schools(world, start, count):
    for i in range(start, start + count):
        school = org_services.org_unit_create(
            actor=None,
            kind=OrgKind.SCHOOL,
            name=f"Trường THCS số {i}",
            code=f"01-S{i}",
            parent=world.commune_a,
            commune=world.commune_a,
            school_level=SchoolLevel.LOWER_SECONDARY,
        )
        user = account_services.user_create(
            actor=None, username=f"tv.s{i}", full_name=f"Cán bộ {i}", password=None
        )
        account_services.membership_grant(
            actor=None, user=user, org_unit=school, role=Role.COUNSELOR
        )


def _count(client, url):
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("person", "url_name", "unit"),
    [
        ("department_officer", "home", None),
        ("ministry_officer", "home", None),
        ("system_admin", "user_list", None),
        ("system_admin", "org_unit_detail", "commune_a"),
        ("department_officer", "org_browser", None),
    ],
)
def test_list_pages_do_not_grow_with_rows(world, client, person, url_name, unit):
    client.force_login(world.users[person])
    url = reverse(url_name, kwargs={"pk": getattr(world, unit).pk}) if unit else reverse(url_name)
    _add_schools(world, 0, 2)
    few = _count(client, url + ("?q=truong" if url_name == "org_browser" else ""))
    _add_schools(world, 2, 25)
    many = _count(client, url + ("?q=truong" if url_name == "org_browser" else ""))
    assert many == few <= 25
