"""The provider directory on a 360 px phone (Debian's chromium), as a department officer."""

from pathlib import Path

import pytest

from diemtua.core.tests.test_browser import ARTIFACTS, CHROMIUM, _login, page  # noqa: F401
from diemtua.referrals import services
from diemtua.referrals.models import ProviderCategory

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
    pytest.mark.django_db(transaction=True),
]


def test_officer_finds_and_adds_a_provider_on_a_phone(world, page):  # noqa: F811
    services.provider_create(
        actor=None,
        parent=world.dept_a,
        name="Bệnh viện Tâm thần Hà Nội",
        code="01-BV",
        category=ProviderCategory.PSYCHIATRIC,
        phone="024 3999 0101",
        opening_hours="Thứ Hai–Thứ Sáu 7h30–16h30; cấp cứu 24/7",
        catchment="Toàn thành phố",
        accepts_referrals=True,
    )
    _login(page, "so.a")
    page.wait_for_selector("text=Đăng xuất", state="attached")
    page.goto(f"{page.base_url}/providers/?q=benh+vien+tam+than")
    assert page.locator("text=Bệnh viện Tâm thần Hà Nội").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "providers-360.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click("button:has-text('Thêm đơn vị phối hợp')")
    page.fill("#id_name", "Tỉnh đoàn thử nghiệm")
    page.select_option("#id_category", "youth_union")
    page.fill("#id_email", "sai-dia-chi")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=Hãy nhập một địa chỉ thư điện tử hợp lệ.")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.fill("#id_email", "tinhdoan@example.vn")
    page.click("main button[type=submit]")
    page.wait_for_selector("h1:has-text('Tỉnh đoàn thử nghiệm')")
    page.screenshot(path=str(ARTIFACTS / "provider-detail-360.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
