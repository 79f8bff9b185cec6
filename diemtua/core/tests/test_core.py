import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db import DatabaseError, connection
from django.urls import reverse

from diemtua.core.text import fold
from diemtua.students.models import Student

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Nguyễn Văn An", "nguyen van an"),
        ("NGUYỄN VĂN AN", "nguyen van an"),
        ("Đặng Thị Đào", "dang thi dao"),
        ("  Lò   Thị  Dua ", "lo thi dua"),
        ("Hòa Bình", "hoa binh"),
        ("", ""),
        (None, ""),
    ],
)
def test_fold_strips_vietnamese_diacritics(text, folded):
    assert fold(text) == folded


@pytest.mark.django_db
def test_encrypted_field_is_not_stored_in_plain_text(world):
    secret = "Em hay bị bắt nạt ở lớp"
    Student.objects.filter(pk=world.student_a.pk).update(support_needs=secret)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT support_needs FROM students_student WHERE id = %s", [world.student_a.pk]
        )
        (stored,) = cursor.fetchone()
    assert secret not in stored and "bắt nạt" not in stored
    assert Student.objects.get(pk=world.student_a.pk).support_needs == secret


@pytest.mark.django_db
def test_healthz_ok(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_healthz_503_when_database_is_down(client):
    with mock.patch.object(connection, "cursor", side_effect=DatabaseError("down")):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def _run_manage(*args, env_extra):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DIEMTUA_FIELD_KEYS"}}
    env.update(env_extra)
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


STRONG_SECRET = "x8#Jq2!vLp0@Zr7^Tn4&Wm9*Bs6(Kc1)Hd3_Fg5+Ye8=Ua2~Oi7Pq" * 2
PROD_KEY = "Yk3x9Qm2Vb7Lp4Rt8Zs1Wn6Hc5Jd0Fg3Ae9Ku2Ty7I="
PROD_AUDIT_KEY = "q7Hx2Lm9Pz4Vt8Kc3Wb6Nd1Rf5Gs0Jy-audit"
PROD_ENV = {
    "DIEMTUA_ENV": "production",
    "SECRET_KEY": STRONG_SECRET,
    "DIEMTUA_FIELD_KEYS": PROD_KEY,
    "DIEMTUA_AUDIT_KEY": PROD_AUDIT_KEY,
    "ALLOWED_HOSTS": "diemtua.example.vn",
}


def test_production_refuses_default_secret():
    result = _run_manage("check", env_extra={"DIEMTUA_ENV": "production", "ALLOWED_HOSTS": "x"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_missing_field_keys():
    result = _run_manage(
        "check",
        env_extra={"DIEMTUA_ENV": "production", "SECRET_KEY": STRONG_SECRET, "ALLOWED_HOSTS": "x"},
    )
    assert result.returncode != 0
    assert "DIEMTUA_FIELD_KEYS" in result.stderr


def test_production_check_deploy_is_clean():
    result = _run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_extra=PROD_ENV,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_pages_are_vietnamese_first_with_an_english_switch(world, client):
    client.force_login(world.users["counselor"])
    body = client.get(reverse("home")).content.decode()
    assert '<html lang="vi">' in body
    assert "Trường của tôi" in body
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in body
    assert "My school" in body


@pytest.mark.django_db
def test_dates_are_dd_mm_yyyy_in_both_languages(world, client):
    client.force_login(world.users["counselor"])
    url = reverse("student_detail", kwargs={"pk": world.student_a.pk})
    assert "17/05/2014" in client.get(url).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "17/05/2014" in client.get(url).content.decode()


@pytest.mark.django_db
def test_responses_carry_a_request_id_and_security_headers(client):
    response = client.get(reverse("login"))
    assert len(response["X-Request-ID"]) >= 8
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_an_english_browser_still_gets_vietnamese_until_the_user_switches(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    body = response.content.decode()
    assert '<html lang="vi">' in body and "Đăng nhập" in body
    assert '<option value="vi" lang="vi" selected>' in body


@pytest.mark.django_db
def test_refusals_are_explained_in_vietnamese(world, client):
    client.force_login(world.users["school_lead"])
    response = client.get(reverse("student_detail", kwargs={"pk": world.student_a.pk}))
    assert response.status_code == 403
    assert "không có quyền" in response.content.decode()
    response = client.get(reverse("student_detail", kwargs={"pk": world.student_b.pk}))
    assert response.status_code == 404
    assert "Không tìm thấy" in response.content.decode()


def test_debug_off_refuses_the_published_development_keys():
    result = _run_manage("check", env_extra={"DEBUG": "false", "ALLOWED_HOSTS": "x"})
    assert result.returncode != 0
    assert "development SECRET_KEY" in result.stderr


def test_seed_demo_refuses_production():
    result = _run_manage(
        "seed_demo",
        env_extra=PROD_ENV,
    )
    assert result.returncode != 0
    assert "refuses" in result.stderr


@pytest.mark.django_db
def test_a_client_cannot_choose_its_request_id_unless_the_proxy_is_trusted(client, settings):
    forged = "forged-request-id-123"
    assert client.get(reverse("login"), HTTP_X_REQUEST_ID=forged)["X-Request-ID"] != forged
    settings.TRUST_REQUEST_ID = True
    assert client.get(reverse("login"), HTTP_X_REQUEST_ID=forged)["X-Request-ID"] == forged


def test_production_refuses_missing_audit_key():
    result = _run_manage(
        "check",
        env_extra={**PROD_ENV, "DIEMTUA_AUDIT_KEY": ""},
    )
    assert result.returncode != 0
    assert "DIEMTUA_AUDIT_KEY" in result.stderr
