"""Issue 4's walk in a real browser (Debian's chromium).

An anonymous student on a 360 px phone *without JavaScript* asks for help urgently and sees 111
first → the school's counselor finds it at the top of the queue → opens a case, records consent,
an assessment, a plan and two sessions, replies, closes the case → the student reads the reply
with the tracking code and PIN.
"""

from django.db import connection

from diemtua.cases.models import Case, Session, Stage
from diemtua.core.tests.test_browser import ARTIFACTS, _login, page, pytestmark  # noqa: F401

PHONE = {"width": 360, "height": 740}


def _shot(pg, name):
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"walk-{name}.png"), full_page=True)


def _submit_form(pg, button_text):
    # Wait for the answer page itself, not just the current one's load state, so the next step
    # never acts on the page being left.
    with pg.expect_navigation():
        pg.get_by_role("button", name=button_text).first.click()


def test_anonymous_urgent_request_to_closed_case_and_the_reply(world, page):  # noqa: F811
    browser = page.context.browser
    student = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="vi-VN")
    phone = student.new_page()
    base = page.base_url

    # 1. The student, no account, no JavaScript.
    phone.goto(f"{base}/help/{world.school_a.code}/")
    phone.check("input[name=is_anonymous]")
    phone.fill("input[name=class_name]", "7a")
    phone.fill("textarea[name=message]", "Các bạn chặn đường em mỗi ngày, em sợ đến trường.")
    phone.check("input[name=said_urgent]")
    phone.locator("main form button[type=submit]").last.click()
    phone.wait_for_selector("#tracking-code")
    body = phone.content()
    assert body.index('href="tel:111"') < body.index('id="tracking-code"')
    assert 'href="tel:115"' in body
    code = phone.inner_text("#tracking-code").strip()
    pin = phone.inner_text("#tracking-pin").strip()
    # Playwright's evaluate runs even where the page's own scripts are off: nothing sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(phone, "1-student-confirmation")

    # 2. The counselor sees it first in the queue.
    _login(page, "tv.a")
    page.goto(f"{base}/cases/")
    first = page.locator("#new-requests li").first
    assert "GẤP" in first.inner_text() and "7A" in first.inner_text()
    _shot(page, "2-queue")
    first.locator("a").first.click()
    page.wait_for_selector("text=Mở hồ sơ mới từ yêu cầu này")
    page.fill(
        "textarea[name=reply]",
        "Cô đã đọc tin của em. Sáng mai giờ ra chơi em ghé phòng tư vấn nhé.",
    )
    _submit_form(page, "Gửi lời nhắn")
    page.goto(f"{base}/cases/")
    page.locator("#new-requests li a").first.click()
    _submit_form(page, "Mở hồ sơ")
    page.wait_for_selector("#current-stage")
    case = Case.objects.get()
    case_url = f"{base}/cases/{case.pk}/"

    # 3. Consent, assessment, plan, two sessions, through the case's pages.
    page.get_by_role("link", name="Ghi nhận sự đồng ý", exact=True).click()
    page.check("input[name=given_by][value=student]")
    page.check("input[name=scopes][value=counseling]")
    _submit_form(page, "Lưu")
    _submit_form(page, "Chuyển sang: Thu thập thông tin, đánh giá")
    page.get_by_role("link", name="Ghi đánh giá", exact=True).click()
    page.select_option("select[name=risk_level]", "high")
    page.fill("textarea[name=risk_reasons]", "Bị chặn đường nhiều tuần, sợ đến trường")
    _submit_form(page, "Lưu")
    _submit_form(page, "Chuyển sang: Lập kế hoạch hỗ trợ")
    page.get_by_role("link", name="Lập kế hoạch", exact=True).click()
    page.fill("textarea[name=goals]", "Em an toàn trên đường đến trường")
    page.fill("input[name=review_on]", "2099-01-01")
    _submit_form(page, "Lưu")
    # Said at the top of the page and next to the field.
    assert page.locator("text=Ngày hẹn phải trong vòng một năm tới.").count() >= 1
    assert page.input_value("textarea[name=goals]") == "Em an toàn trên đường đến trường"
    page.fill("input[name=review_on]", case.opened_on.replace(day=1).isoformat())
    _submit_form(page, "Lưu")
    if page.url != case_url:  # the first day of the month may be before the case opened
        page.fill("input[name=review_on]", case.opened_on.isoformat())
        _submit_form(page, "Lưu")
    _submit_form(page, "Chuyển sang: Thực hiện kế hoạch")
    for minutes, note in ((45, "Buổi 1: em kể lại"), (30, "Buổi 2: em thấy đỡ sợ")):
        page.goto(f"{case_url}sessions/new/")
        page.fill("input[name=duration_minutes]", str(minutes))
        page.fill("textarea[name=notes]", note)
        _submit_form(page, "Lưu")
        assert page.url == case_url
    _submit_form(page, "Chuyển sang: Rà soát, đánh giá")
    page.select_option("select[name=outcome]", "improved")
    page.fill("textarea[name=closing_summary]", "Em đã an toàn, nhà trường phối hợp với gia đình")
    _submit_form(page, "Kết thúc hồ sơ")
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED and Session.objects.filter(case=case).count() == 2
    assert case.assessments.get().risk_level == "high"
    _shot(page, "3-closed-case")

    # 4. The student reads the reply with the code and PIN.
    phone.goto(f"{base}/help/status/")
    phone.fill("input[name=code]", code)
    phone.fill("input[name=pin]", pin)
    with phone.expect_navigation():
        phone.locator("main form button[type=submit]").last.click()
    text = phone.inner_text("main")
    assert "giờ ra chơi em ghé phòng tư vấn" in text
    _shot(phone, "4-student-reads-reply")
    # Leave both pages before the live server stops, so no request is still being served.
    student.close()
    # Playwright's sync API runs in a greenlet, where Django sees its own connection: the ORM
    # calls above opened one that the test database's teardown would find still in use.
    connection.close()
