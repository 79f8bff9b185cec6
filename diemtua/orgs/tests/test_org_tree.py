import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from diemtua.orgs import selectors, services
from diemtua.orgs.admin_units import MERGER_LAST_DAY
from diemtua.orgs.models import OrgKind, OrgUnit, OrgUnitAncestor, SchoolLevel


def _closure_from_parents():
    """The closure the parent links imply, computed naively, to compare with the table."""
    parents = dict(OrgUnit.objects.values_list("pk", "parent_id"))
    expected = set()
    for unit_id in parents:
        depth, current = 0, unit_id
        while current is not None:
            expected.add((current, unit_id, depth))
            current, depth = parents[current], depth + 1
    return expected


def _closure_table():
    return set(OrgUnitAncestor.objects.values_list("ancestor_id", "descendant_id", "depth"))


def test_closure_matches_parents_after_creates(world):
    assert _closure_table() == _closure_from_parents()
    under_a = set(selectors.units_under(world.dept_a).values_list("pk", flat=True))
    assert {world.commune_a.pk, world.school_a.pk, world.provider_a.pk} <= under_a
    assert world.school_b.pk not in under_a


def test_moving_a_subtree_keeps_the_closure_correct(world):
    """A commune moves to another province (as after a merger): its schools move with it."""
    services.org_unit_update(actor=None, unit=world.commune_a, parent=world.dept_b)
    assert _closure_table() == _closure_from_parents()
    assert world.school_a in selectors.units_under(world.dept_b)
    assert world.school_a not in selectors.units_under(world.dept_a)


def test_a_unit_cannot_move_under_itself(world):
    with pytest.raises(ValidationError):
        services.org_unit_update(actor=None, unit=world.dept_a, parent=world.school_a)
    assert _closure_table() == _closure_from_parents()


def test_wrong_parent_kind_is_refused(world):
    with pytest.raises(ValidationError):
        services.org_unit_create(
            actor=None, kind=OrgKind.COMMUNE, name="Xã lạc", code="99999", parent=world.ministry
        )
    with pytest.raises(ValidationError):
        services.org_unit_create(
            actor=None,
            kind=OrgKind.SCHOOL,
            name="Trường mồ côi",
            code="X",
            school_level=SchoolLevel.PRIMARY,
        )


def test_current_code_is_unique_but_an_ended_unit_may_share_it(world):
    services.org_unit_end(
        actor=None, unit=world.dept_b, valid_to=datetime.date(2025, 6, 30), successor=world.dept_a
    )
    # Today's unit may reuse the ended unit's code...
    services.org_unit_create(
        actor=None, kind=OrgKind.DEPARTMENT, name="Sở mới", code="38", parent=world.ministry
    )
    # ...but two current units may not share one.
    with pytest.raises(ValidationError):
        services.org_unit_create(
            actor=None, kind=OrgKind.DEPARTMENT, name="Sở trùng", code="38", parent=world.ministry
        )


def test_rebuild_repairs_a_damaged_closure(world):
    OrgUnitAncestor.objects.filter(descendant=world.school_a).delete()
    services.closure_rebuild()
    assert _closure_table() == _closure_from_parents()


@pytest.mark.django_db
def test_load_admin_units_is_idempotent_and_keeps_history(capsys):
    call_command("load_admin_units")
    first = OrgUnit.objects.count()
    call_command("load_admin_units")
    assert OrgUnit.objects.count() == first
    assert "0 created, 0 updated" in capsys.readouterr().out

    current = OrgUnit.objects.filter(kind=OrgKind.DEPARTMENT, valid_to__isnull=True)
    assert current.count() == 34
    ha_giang = OrgUnit.objects.get(kind=OrgKind.DEPARTMENT, code="02")
    hoa_binh = OrgUnit.objects.get(kind=OrgKind.DEPARTMENT, code="17")
    assert ha_giang.valid_to == MERGER_LAST_DAY == datetime.date(2025, 6, 30)
    assert ha_giang.successor.name == "Sở GD&ĐT Tuyên Quang"
    assert hoa_binh.successor.name == "Sở GD&ĐT Phú Thọ"
    # Old Yên Bái (15) and today's Lào Cai (15) share a code; only one is current.
    assert OrgUnit.objects.filter(kind=OrgKind.DEPARTMENT, code="15").count() == 2
    assert _closure_table() == _closure_from_parents()


@pytest.mark.django_db
def test_load_admin_units_with_communes():
    call_command("load_admin_units", "--communes")
    communes = OrgUnit.objects.filter(kind=OrgKind.COMMUNE)
    assert communes.count() > 3000
    dong_da = communes.get(name="Phường Đống Đa")
    hanoi = OrgUnit.objects.get(kind=OrgKind.DEPARTMENT, code="01", valid_to__isnull=True)
    assert dong_da in selectors.units_under(hanoi)
    count = OrgUnitAncestor.objects.count()
    call_command("load_admin_units", "--communes")
    assert OrgUnitAncestor.objects.count() == count


def test_unit_search_finds_without_diacritics(world, client):
    client.force_login(world.users["department_officer"])
    response = client.get("/orgs/", {"q": "dong da"})
    assert "Phường Đống Đa" in response.content.decode()
    # The other province's units are not found by an officer of this one.
    response = client.get("/orgs/", {"q": "hac thanh"})
    assert "Phường Hạc Thành" not in response.content.decode()


def test_unit_detail_shows_successor_and_predecessors(world, client):
    services.org_unit_end(
        actor=None, unit=world.dept_b, valid_to=datetime.date(2025, 6, 30), successor=world.dept_a
    )
    client.force_login(world.users["ministry_officer"])
    body = client.get(f"/orgs/{world.dept_b.pk}/").content.decode()
    assert "30/06/2025" in body and "Sở GD&amp;ĐT Hà Nội" in body
    body = client.get(f"/orgs/{world.dept_a.pk}/").content.decode()
    assert "Sở GD&amp;ĐT Thanh Hóa" in body


def test_a_commune_moved_by_the_loader_takes_its_schools_along(world, monkeypatch):
    """A future merger moves a commune to another province: schools follow in the closure."""
    from diemtua.orgs import admin_units

    class FakeWard:
        name, code, province_code = world.commune_a.name, int(world.commune_a.code), 38

    monkeypatch.setattr(admin_units.Ward, "iter_all", staticmethod(lambda: iter([FakeWard()])))
    admin_units._load_communes({"01": world.dept_a, "38": world.dept_b})
    assert _closure_table() == _closure_from_parents()
    assert world.school_a in selectors.units_under(world.dept_b)
    assert world.school_a not in selectors.units_under(world.dept_a)
