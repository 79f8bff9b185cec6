"""A counselor's first minutes in a real browser (Debian's chromium, 360 px phone width).

Skipped only where /usr/bin/chromium is missing (a laptop without it); .ci/run installs it.
"""

from pathlib import Path

import pytest

from conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def page(live_server, monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls in the test body
    # are still synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
        page = context.new_page()
        page.base_url = live_server.url
        yield page
        browser.close()
        # Inside sync_playwright() the ORM sees a context of its own and opens another
        # connection; close it, or PostgreSQL cannot drop the test database afterwards.
        from django.db import connection

        connection.close()


def _login(page, username):
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def test_counselor_finds_a_student_without_diacritics_on_a_phone(world, page):
    console_errors = []
    page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
    _login(page, "tv.a")
    page.wait_for_selector("text=Trường của tôi")
    page.goto(f"{page.base_url}/students/")
    # Typing alone searches (HTMX), no button press needed.
    assert page.locator("#student-rows >> text=Nguyễn Văn An").count() == 1
    page.fill("#q", "dang thi dao")
    page.wait_for_selector("#student-rows >> text=Nguyễn Văn An", state="detached")
    assert page.locator("#student-rows >> text=Đặng Thị Đào").count() == 1
    assert "q=dang%20thi%20dao" in page.url  # the search is in the address, so Back works
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "students-360.png"), full_page=True)
    # The page fits a 360 px screen: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # Our strict CSP (no inline scripts or styles) holds: the browser reported no violation.
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
    page.click("text=Đặng Thị Đào")
    page.wait_for_selector("h1:has-text('Đặng Thị Đào')")
    assert "mỗi lần xem được ghi vào nhật ký" in page.content().lower()


def test_another_schools_counselor_sees_nothing(world, page):
    _login(page, "tv.b")
    page.goto(f"{page.base_url}/students/{world.student_a.pk}/")
    assert "Đặng Thị Đào" not in page.content() and "Nguyễn Thị Hạnh" not in page.content()
    page.goto(f"{page.base_url}/students/?q=dang+thi+dao")
    assert page.locator("text=Đặng Thị Đào").count() == 0


def test_language_switch_to_english(world, page):
    _login(page, "tv.a")
    page.select_option("#lang-select", "en")
    page.click("footer button[type=submit]")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("text=My school").count() == 1
