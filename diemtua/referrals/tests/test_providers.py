import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diemtua.audit.models import AuditEvent
from diemtua.orgs import services as org_services
from diemtua.orgs.models import OrgKind, OrgUnit
from diemtua.referrals import selectors, services
from diemtua.referrals.models import ProviderCategory, ProviderProfile


def _provider(world, parent, name, code, **extra):
    return services.provider_create(
        actor=None,
        parent=parent,
        name=name,
        code=code,
        category=extra.pop("category", ProviderCategory.SOCIAL_WORK),
        **extra,
    )


@pytest.fixture
def directory(world):
    d = {
        "hanoi": services.provider_create(
            actor=None,
            parent=world.dept_a,
            name="Bệnh viện Tâm thần Hà Nội",
            code="01-BV",  # world.provider_a: the profile is attached to the existing unit
            category=ProviderCategory.PSYCHIATRIC,
            services="Khám tâm thần nhi",
            accepts_referrals=True,
        ),
        "hanoi_ctxh": _provider(world, world.dept_a, "Trung tâm Công tác xã hội Hà Nội", "01-CT"),
        "thanhhoa": _provider(
            world, world.dept_b, "Trung tâm Công tác xã hội tỉnh Thanh Hóa", "38-CT"
        ),
        "hotline": _provider(
            world,
            world.ministry,
            "Tổng đài quốc gia bảo vệ trẻ em 111",
            "TQ-111",
            category=ProviderCategory.HOTLINE,
            phone="111",
        ),
    }
    return d


def _names(response):
    return {p.unit.name for p in response.context["page"]}


def test_existing_provider_unit_gets_its_profile(world, directory):
    assert directory["hanoi"].unit == world.provider_a
    assert OrgUnit.objects.filter(kind=OrgKind.PROVIDER, code="01-BV").count() == 1


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        ("counselor", {"hanoi", "hanoi_ctxh", "hotline"}),
        ("counselor_b", {"thanhhoa", "hotline"}),
        ("school_lead", {"hanoi", "hanoi_ctxh", "hotline"}),
        ("commune_officer", {"hanoi", "hanoi_ctxh", "hotline"}),
        ("department_officer", {"hanoi", "hanoi_ctxh", "hotline"}),
        ("department_officer_b", {"thanhhoa", "hotline"}),
        ("partner_staff", {"hanoi", "hanoi_ctxh", "hotline"}),
        ("ministry_officer", {"hanoi", "hanoi_ctxh", "thanhhoa", "hotline"}),
        ("system_admin", {"hanoi", "hanoi_ctxh", "thanhhoa", "hotline"}),
    ],
)
def test_directory_is_scoped_to_the_province(world, directory, client, person, expected):
    client.force_login(world.users[person])
    response = client.get(reverse("provider_list"))
    assert response.status_code == 200
    assert _names(response) == {directory[key].unit.name for key in expected}


def test_teacher_may_not_read_the_directory(world, directory, client):
    client.force_login(world.users["teacher"])
    assert client.get(reverse("provider_list")).status_code == 403
    url = reverse("provider_detail", kwargs={"pk": directory["hanoi"].pk})
    assert client.get(url).status_code == 403


def test_other_province_provider_is_404(world, directory, client):
    client.force_login(world.users["counselor_b"])
    assert client.get(reverse("provider_detail", args=[directory["hanoi"].pk])).status_code == 404
    response = client.get(reverse("provider_detail", args=[directory["hotline"].pk]))
    assert response.status_code == 200
    assert b"111" in response.content
    assert client.get(reverse("provider_detail", args=[999999])).status_code == 404


def test_search_without_diacritics_and_filters(world, directory, client):
    client.force_login(world.users["ministry_officer"])
    response = client.get(reverse("provider_list"), {"q": "cong tac xa hoi"})
    assert _names(response) == {
        directory["hanoi_ctxh"].unit.name,
        directory["thanhhoa"].unit.name,
    }
    response = client.get(reverse("provider_list"), {"q": "THANH HOA"})
    assert _names(response) == {directory["thanhhoa"].unit.name}
    response = client.get(reverse("provider_list"), {"q": "tam than nhi"})  # services text
    assert _names(response) == {directory["hanoi"].unit.name}
    response = client.get(reverse("provider_list"), {"category": "hotline"})
    assert _names(response) == {directory["hotline"].unit.name}
    response = client.get(reverse("provider_list"), {"accepts": "1"})
    assert _names(response) == {directory["hanoi"].unit.name}
    response = client.get(reverse("provider_list"), {"category": "nonsense"})
    assert response.status_code == 200  # an invalid filter shows everything


def test_department_officer_creates_a_provider(world, client):
    client.force_login(world.users["department_officer"])
    url = reverse("provider_create") + f"?department={world.dept_a.pk}"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "name": "Hội Liên hiệp Phụ nữ thành phố Hà Nội",
            "category": ProviderCategory.WOMEN_UNION,
            "phone": "024 3999 0404",
            "email": "hoiphunu@example.vn",
            "catchment": "Toàn thành phố",
            "accepts_referrals": "on",
        },
    )
    profile = ProviderProfile.objects.get(unit__name="Hội Liên hiệp Phụ nữ thành phố Hà Nội")
    assert response.status_code == 302
    assert response["Location"] == reverse("provider_detail", args=[profile.pk])
    assert profile.unit.parent == world.dept_a and profile.unit.code == "01-DV1"
    assert profile.accepts_referrals and profile.search_text.startswith("hoi lien hiep phu nu")
    event = AuditEvent.objects.get(action="referrals.provider_create")
    assert event.actor_id == world.users["department_officer"].pk
    assert event.org_unit_id == profile.unit.pk
    assert AuditEvent.objects.filter(action="orgs.unit_create", object_id=profile.unit.pk).exists()


def test_create_form_messages(world, client):
    client.force_login(world.users["department_officer"])
    url = reverse("provider_create") + f"?department={world.dept_a.pk}"
    response = client.post(url, {"name": "", "category": "health", "email": "not-an-email"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["name"] == ["Hãy nhập tên đơn vị."]
    assert errors["email"] == ["Hãy nhập một địa chỉ thư điện tử hợp lệ."]
    assert not ProviderProfile.objects.exists()
    _provider(world, world.dept_a, "Trung tâm A", "01-CT")
    response = client.post(url, {"name": "Trung tâm B", "category": "other", "code": "01-ct"})
    assert response.context["form"].errors["code"] == [
        "Mã này đã được dùng cho một đơn vị phối hợp khác."
    ]


def test_create_permissions(world, client):
    url = reverse("provider_create")
    client.force_login(world.users["department_officer"])
    assert client.get(f"{url}?department={world.dept_b.pk}").status_code == 404
    assert client.get(f"{url}?department={world.ministry.pk}").status_code == 404
    assert client.get(url).status_code == 404
    assert client.get(f"{url}?department=abc").status_code == 404
    assert client.get(f"{url}?department=99999999999999999999999").status_code == 404
    client.force_login(world.users["ministry_officer"])
    assert client.get(f"{url}?department={world.dept_a.pk}").status_code == 403
    client.force_login(world.users["system_admin"])
    response = client.post(
        f"{url}?department={world.ministry.pk}",
        {"name": "Tổng đài 111", "category": "hotline", "code": "TQ-111"},
    )
    assert response.status_code == 302
    assert ProviderProfile.objects.get(unit__code="TQ-111").unit.parent == world.ministry


def test_update_permissions_and_audit(world, directory, client):
    profile = directory["hanoi"]
    url = reverse("provider_edit", args=[profile.pk])
    for person, status in [
        ("counselor", 403),
        ("partner_staff", 403),
        ("ministry_officer", 403),
        ("department_officer_b", 404),
        ("department_officer", 200),
    ]:
        client.force_login(world.users[person])
        assert client.get(url).status_code == status, person
    # Nationwide entries are the administrators' to change.
    hotline_url = reverse("provider_edit", args=[directory["hotline"].pk])
    assert client.get(hotline_url).status_code == 403
    response = client.post(
        url,
        {
            "name": profile.unit.name,
            "category": "psychiatric",
            "phone": "024 3999 0101",
            "opening_hours": "24/7",
            "accepts_referrals": "",
        },
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.phone == "024 3999 0101" and not profile.accepts_referrals
    event = AuditEvent.objects.get(action="referrals.provider_update")
    assert event.extra["changed"] == [
        "accepts_referrals",
        "opening_hours",
        "phone",
        "services",
    ]
    response = client.post(
        url, {"name": profile.unit.name, "category": "psychiatric", "email": "x"}
    )
    assert response.context["form"].errors["email"]
    # Renaming goes through orgs.services, so search follows the new name.
    services.provider_update(actor=None, profile=profile, name="Bệnh viện Tâm thần Trung ương")
    profile.refresh_from_db()
    assert "trung uong" in profile.search_text and profile.unit.search_name.endswith("trung uong")


def test_detail_shows_edit_link_only_to_managers(world, directory, client):
    url = reverse("provider_detail", args=[directory["hanoi"].pk])
    edit = reverse("provider_edit", args=[directory["hanoi"].pk]).encode()
    client.force_login(world.users["department_officer"])
    assert edit in client.get(url).content
    client.force_login(world.users["counselor"])
    response = client.get(url)
    assert edit not in response.content
    assert "Nhận chuyển gửi qua Điểm Tựa" in response.content.decode()


def test_list_query_count_is_bounded(world, directory, client):
    client.force_login(world.users["counselor"])
    url = reverse("provider_list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(20):
        _provider(world, world.dept_a, f"Trạm y tế số {i}", f"01-TYT{i}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["page"]) == 23
    assert len(many) == len(few) <= 12


def test_selector_matches_the_page(world, directory):
    seen = selectors.providers_for(fetched_by=world.users["partner_staff"])
    assert {p.pk for p in seen} == {directory[k].pk for k in ("hanoi", "hanoi_ctxh", "hotline")}


def test_provider_under_a_commune_is_refused(world):
    with pytest.raises(Exception):  # noqa: B017, PT011
        services.provider_create(
            actor=None, parent=world.commune_a, name="X", category=ProviderCategory.OTHER
        )
    unit = org_services.org_unit_create(
        actor=None, kind=OrgKind.PROVIDER, name="Tổng đài", code="TQ-1", parent=world.ministry
    )
    assert unit.parent == world.ministry


@pytest.mark.django_db
def test_seed_providers_is_idempotent(seeded_demo):
    from diemtua.referrals.demo import seed_providers

    hanoi = ProviderProfile.objects.get(unit__code="01-BVTTHN")
    assert (
        hanoi.accepts_referrals
        and hanoi.unit.memberships.filter(user__username="dt.hanoi", role="partner_staff").exists()
    )
    assert ProviderProfile.objects.filter(
        unit__code="TQ-111", unit__parent__kind="ministry"
    ).exists()
    for code in ("01", "79", "08", "25", "38"):
        categories = set(
            ProviderProfile.objects.filter(
                unit__parent__code=code, unit__parent__kind="department"
            ).values_list("category", flat=True)
        )
        assert {"psychiatric", "social_work", "youth_union", "women_union", "police"} <= categories
    before = (ProviderProfile.objects.count(), AuditEvent.objects.count(), OrgUnit.objects.count())
    assert seed_providers() == 0
    call_command("seed_demo", stdout=__import__("io").StringIO())
    after = (ProviderProfile.objects.count(), AuditEvent.objects.count(), OrgUnit.objects.count())
    assert before == after
