"""Issue 5, first part of its browser check: a counselor records an imminent-risk assessment,
the school lead is alerted on the home page and acknowledges; the case shows it."""

from django.db import connection

from diemtua.cases import services
from diemtua.cases.models import SafeguardingAlert
from diemtua.core.tests.test_browser import ARTIFACTS, _login, page, pytestmark  # noqa: F401


def test_imminent_risk_alerts_the_lead_who_acknowledges(world, page):  # noqa: F811
    counselor = world.users["counselor"]
    case = services.case_open(actor=counselor, school=world.school_a, student=world.student_a)
    base = page.base_url
    _login(page, "tv.a")
    page.goto(f"{base}/cases/{case.pk}/assessments/new/")
    page.select_option("select[name=risk_level]", "imminent")
    page.fill("textarea[name=risk_reasons]", "Em nói đã chuẩn bị cách tự làm hại mình tối nay")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu").click()
    assert page.locator(".alert-danger >> text=Nguy hiểm tức thời").count() == 1
    page.context.clear_cookies()

    _login(page, "bgh.a")
    page.wait_for_selector("#h-alerts")
    alert_box = page.locator(f"#alert-{SafeguardingAlert.objects.get().pk}")
    text = alert_box.inner_text()
    assert "Nguy hiểm tức thời" in text and f"#{case.pk}" in text
    assert "Nguyễn Văn An" not in page.content() and "tự làm hại" not in page.content()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "alert-lead-home.png"), full_page=True)
    with page.expect_navigation():
        alert_box.get_by_role("button", name="Xác nhận đã biết").click()
    assert page.locator("text=Đã xác nhận cảnh báo").count() == 1
    alert = SafeguardingAlert.objects.get()
    assert alert.acknowledged_by == world.users["school_lead"]
    # Playwright's greenlet has its own ORM connection: close it before the database goes.
    connection.close()
