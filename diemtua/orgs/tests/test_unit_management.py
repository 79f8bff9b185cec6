import datetime

from django.urls import reverse

from diemtua.audit.models import AuditEvent
from diemtua.orgs.models import OrgUnit


def _school_form(world, **changes):
    data = {
        "name": "Trường Tiểu học Kim Liên",
        "code": "01-kimlien",
        "school_level": "primary",
        "commune_code": world.commune_a.code,
        "address": "Phố Đào Duy Anh",
    }
    data.update(changes)
    return data


def test_department_officer_adds_a_primary_school_under_its_commune(world, client):
    client.force_login(world.users["department_officer"])
    url = reverse("org_school_create", kwargs={"pk": world.dept_a.pk})
    response = client.post(url, _school_form(world))
    school = OrgUnit.objects.get(code="01-KIMLIEN")
    assert response.status_code == 302
    assert school.parent == world.commune_a and school.commune == world.commune_a
    assert AuditEvent.objects.filter(action="orgs.unit_create", object_id=str(school.pk)).exists()
    # The new school shows on the officer's home page at once.
    assert "Trường Tiểu học Kim Liên" in client.get(reverse("home")).content.decode()


def test_upper_secondary_school_goes_under_the_department(world, client):
    client.force_login(world.users["system_admin"])
    url = reverse("org_school_create", kwargs={"pk": world.dept_a.pk})
    client.post(url, _school_form(world, code="01-VIETDUC", school_level="upper_secondary"))
    assert OrgUnit.objects.get(code="01-VIETDUC").parent == world.dept_a


def test_school_form_errors_keep_the_input(world, client):
    client.force_login(world.users["department_officer"])
    url = reverse("org_school_create", kwargs={"pk": world.dept_a.pk})
    response = client.post(
        url, _school_form(world, code=world.school_a.code, commune_code=world.commune_b.code)
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Mã trường này đã có trên hệ thống" in body
    assert "Không có xã/phường đang hoạt động nào mang mã này trong tỉnh" in body
    assert 'value="Trường Tiểu học Kim Liên"' in body
    assert not OrgUnit.objects.filter(name="Trường Tiểu học Kim Liên").exists()


def test_schools_are_added_to_departments_only(world, client):
    client.force_login(world.users["system_admin"])
    url = reverse("org_school_create", kwargs={"pk": world.commune_a.pk})
    assert client.get(url).status_code == 404


def test_admin_closes_a_unit_with_its_successor(world, client):
    client.force_login(world.users["system_admin"])
    url = reverse("org_unit_edit", kwargs={"pk": world.dept_b.pk})
    response = client.post(
        url,
        {
            "name": world.dept_b.name,
            "address": "",
            "valid_to": "30/06/2025",
            "successor_code": world.dept_a.code,
        },
    )
    assert response.status_code == 302
    world.dept_b.refresh_from_db()
    assert str(world.dept_b.valid_to) == "2025-06-30" and world.dept_b.successor == world.dept_a
    body = client.get(reverse("org_unit_detail", kwargs={"pk": world.dept_b.pk})).content
    assert "30/06/2025" in body.decode()


def test_a_successor_needs_an_end_date(world, client):
    client.force_login(world.users["system_admin"])
    url = reverse("org_unit_edit", kwargs={"pk": world.dept_b.pk})
    response = client.post(
        url, {"name": "Sở mới", "valid_to": "", "successor_code": world.dept_a.code}
    )
    assert "Hãy nhập ngày kết thúc" in response.content.decode()
    world.dept_b.refresh_from_db()
    assert world.dept_b.name == "Sở GD&ĐT Thanh Hóa" and world.dept_b.successor is None
    response = client.post(url, {"name": "X", "valid_to": "31/02/2025", "successor_code": "zz"})
    body = response.content.decode()
    assert "Không có đơn vị cùng loại" in body and response.status_code == 200


def test_database_rules_come_back_as_form_errors_not_500(world, client):
    from diemtua.orgs import services

    services.org_unit_update(actor=None, unit=world.dept_b, valid_from=datetime.date(2020, 1, 1))
    client.force_login(world.users["system_admin"])
    url = reverse("org_unit_edit", kwargs={"pk": world.dept_b.pk})
    response = client.post(url, {"name": "Sở X", "valid_to": "01/01/2019", "successor_code": ""})
    assert response.status_code == 200
    assert "Ngày kết thúc phải sau ngày bắt đầu hoạt động" in response.content.decode()
    world.dept_b.refresh_from_db()
    assert world.dept_b.valid_to is None and world.dept_b.name == "Sở GD&ĐT Thanh Hóa"
