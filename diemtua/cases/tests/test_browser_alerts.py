"""Issue 5's browser check: a counselor records an imminent-risk assessment → the school lead
is alerted on the home page and acknowledges → the counselor sends a referral to a clinic →
the clinic's staff accept it and record the outcome → the case shows the closed loop."""

from django.db import connection
from django.utils import timezone

from diemtua.cases import services
from diemtua.cases.models import SafeguardingAlert
from diemtua.core.tests.test_browser import ARTIFACTS, _login, page, pytestmark  # noqa: F401
from diemtua.referrals.models import ProviderCategory, ProviderProfile, Referral


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
    page.context.clear_cookies()

    # The counselor refers the student to the clinic (consent of student and mother on file).
    ProviderProfile.objects.create(
        unit=world.provider_a, category=ProviderCategory.PSYCHIATRIC, accepts_referrals=True
    )
    mother = world.student_a.guardians.get()
    for given_by, extra in (("student", {}), ("guardian", {"guardian": mother})):
        services.consent_record(
            actor=counselor, case=case, given_by=given_by, scopes={"counseling", "sharing"},
            method="written", given_on=timezone.localdate(), partner_name=world.provider_a.name,
            **extra,
        )  # fmt: skip
    _login(page, "tv.a")
    page.goto(f"{base}/cases/{case.pk}/")
    page.get_by_role("link", name="Chuyển gửi tới đơn vị phối hợp").click()
    page.select_option("select[name=provider]", str(world.provider_a.pk))
    page.fill("textarea[name=reason]", "Cần khám và điều trị chuyên khoa")
    page.check("input[name=fields][value=class_name]")
    page.check("input[name=fields][value=risk_level]")
    with page.expect_navigation():
        page.get_by_role("button", name="Gửi").click()
    referral = Referral.objects.get()
    page.context.clear_cookies()

    # The clinic's staff accept it and record the outcome.
    _login(page, "dt.a")
    page.goto(f"{base}/referrals/{referral.pk}/")
    assert "Nguyễn Văn An" not in page.content()  # only the class and the risk level were shared
    with page.expect_navigation():
        page.get_by_role("button", name="Tiếp nhận").click()
    page.check("input[name=outcome][value=successful]")
    page.fill("textarea[name=feedback]", "Đã khám, hẹn tái khám sau 1 tháng; nhà trường theo dõi")
    with page.expect_navigation():
        page.get_by_role("button", name="Kết thúc chuyển gửi").click()
    referral.refresh_from_db()
    assert referral.status == "closed" and referral.outcome == "successful"
    page.context.clear_cookies()

    # The case shows the closed loop.
    _login(page, "tv.a")
    page.goto(f"{base}/cases/{case.pk}/")
    loop = page.inner_text("main")
    assert world.provider_a.name in loop and "Đã kết thúc" in loop
    page.screenshot(path=str(ARTIFACTS / "referral-loop-case.png"), full_page=True)
    # Playwright's greenlet has its own ORM connection: close it before the database goes.
    connection.close()
