from django.urls import reverse

from conftest import PASSWORD
from diemtua.accounts.models import Membership, User
from diemtua.audit.models import AuditEvent

GOOD = {
    "username": "tv.moi",
    "full_name": "Vũ Thị Mới",
    "email": "moi@example.vn",
    "phone": "0912000111",
    "password": "Mat-khau-rat-dai-2026",
    "role": "counselor",
}


def test_admin_creates_a_counselor_who_can_then_log_in(world, client):
    client.force_login(world.users["system_admin"])
    response = client.post(reverse("user_create"), {**GOOD, "org_unit": world.school_a.code})
    user = User.objects.get(username="tv.moi")
    assert response.status_code == 302 and response["Location"] == f"/accounts/users/{user.pk}/"
    assert Membership.objects.filter(user=user, org_unit=world.school_a, role="counselor").exists()
    assert AuditEvent.objects.filter(action="accounts.user_create", object_id=str(user.pk)).exists()
    client.logout()
    assert client.login(username="tv.moi", password=GOOD["password"])
    # The administrator chose that password, so the new user must replace it first.
    assert client.get(reverse("student_list"))["Location"] == reverse("password_change")
    response = client.post(
        reverse("password_change"),
        {
            "old_password": GOOD["password"],
            "new_password1": "Rieng-cua-toi-2026!",
            "new_password2": "Rieng-cua-toi-2026!",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("student_list")).status_code == 200
    assert AuditEvent.objects.filter(action="accounts.password_change").exists()


def test_bad_input_is_explained_and_kept(world, client):
    client.force_login(world.users["system_admin"])
    response = client.post(
        reverse("user_create"),
        {**GOOD, "username": "Tư Vấn", "password": "123", "org_unit": world.dept_a.code},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Chỉ dùng chữ thường không dấu" in body
    assert "Mật khẩu này quá ngắn" in body
    assert "chỉ gán được cho đơn vị loại" in body  # counselor at a department
    assert 'value="Vũ Thị Mới"' in body  # what was typed is kept
    assert not User.objects.filter(full_name="Vũ Thị Mới").exists()


def test_duplicate_username_and_unknown_unit(world, client):
    client.force_login(world.users["system_admin"])
    response = client.post(
        reverse("user_create"), {**GOOD, "username": "tv.a", "org_unit": "KHONG-CO"}
    )
    body = response.content.decode()
    assert "đã có người dùng" in body
    assert "Không có đơn vị đang hoạt động nào mang mã này" in body


def test_grant_and_revoke_a_role(world, client):
    teacher = world.users["teacher"]
    client.force_login(world.users["system_admin"])
    url = reverse("user_detail", kwargs={"pk": teacher.pk})
    client.post(url, {"role": "counselor", "org_unit": world.school_a.code})
    assert teacher.memberships.filter(role="counselor").exists()
    membership = teacher.memberships.get(role="counselor")
    client.post(
        reverse("membership_revoke", kwargs={"pk": teacher.pk, "membership_pk": membership.pk})
    )
    assert not teacher.memberships.filter(role="counselor").exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"accounts.membership_grant", "accounts.membership_revoke"} <= actions


def test_revoking_another_users_membership_through_a_wrong_url_is_404(world, client):
    client.force_login(world.users["system_admin"])
    other = world.users["counselor"].memberships.get()
    url = reverse(
        "membership_revoke", kwargs={"pk": world.users["teacher"].pk, "membership_pk": other.pk}
    )
    assert client.post(url).status_code == 404
    assert Membership.objects.filter(pk=other.pk).exists()


def test_locked_user_cannot_log_in_and_admin_cannot_lock_self(world, client):
    admin, teacher = world.users["system_admin"], world.users["teacher"]
    client.force_login(admin)
    client.post(reverse("user_set_active", kwargs={"pk": teacher.pk}), {"active": "0"})
    client.post(reverse("user_set_active", kwargs={"pk": admin.pk}), {"active": "0"})
    teacher.refresh_from_db()
    admin.refresh_from_db()
    assert not teacher.is_active and admin.is_active
    client.logout()
    assert not client.login(username=teacher.username, password=PASSWORD)


def test_user_search_without_diacritics(world, client):
    world.users["teacher"].full_name = "Đỗ Thị Hằng"
    world.users["teacher"].save()
    client.force_login(world.users["system_admin"])
    body = client.get(reverse("user_list"), {"q": "do thi hang"}).content.decode()
    assert "Đỗ Thị Hằng" in body and "tv.b" not in body


def test_logins_failures_and_logouts_are_audited(world, client):
    assert not client.login(username="tv.a", password="wrong-password")
    assert client.login(username="tv.a", password=PASSWORD)
    client.post(reverse("logout"))
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))[-3:]
    assert actions == ["accounts.login_failed", "accounts.login", "accounts.logout"]
    failed = AuditEvent.objects.get(action="accounts.login_failed")
    assert failed.extra == {"username": "tv.a"} and "wrong-password" not in str(failed.extra)


def test_an_administrator_cannot_grant_themselves_a_role(world, client):
    admin = world.users["system_admin"]
    client.force_login(admin)
    url = reverse("user_detail", kwargs={"pk": admin.pk})
    response = client.post(url, {"role": "counselor", "org_unit": world.school_b.code})
    assert response.status_code == 200
    assert "Không thể tự gán vai trò cho chính mình" in response.content.decode()
    assert not admin.memberships.filter(role="counselor").exists()
    assert (
        client.get(reverse("student_detail", kwargs={"pk": world.student_b.pk})).status_code == 403
    )


def test_the_initial_password_is_not_sent_back_to_the_page(world, client):
    client.force_login(world.users["system_admin"])
    response = client.post(reverse("user_create"), {**GOOD, "username": "X Y", "org_unit": "01"})
    assert GOOD["password"] not in response.content.decode()


def test_unit_codes_are_case_insensitive_and_phones_checked(world, client):
    client.force_login(world.users["system_admin"])
    response = client.post(
        reverse("user_create"),
        {**GOOD, "username": "tv.hoa", "org_unit": world.school_a.code.lower(), "phone": "abc"},
    )
    assert "Số điện thoại chỉ gồm chữ số" in response.content.decode()
    response = client.post(
        reverse("user_create"),
        {**GOOD, "username": "tv.hoa", "org_unit": world.school_a.code.lower()},
    )
    assert response.status_code == 302
    assert User.objects.get(username="tv.hoa").memberships.get().org_unit == world.school_a


def test_admin_still_reaches_an_account_without_roles_and_others_do_not(world, client):
    teacher = world.users["teacher"]
    teacher.memberships.all().delete()
    url = reverse("user_detail", kwargs={"pk": teacher.pk})
    client.force_login(world.users["system_admin"])
    assert client.get(url).status_code == 200
    client.force_login(world.users["school_lead"])
    assert client.get(url).status_code == 404
