"""Issue 6's browser check: a counselor opens a GAD-7 screening for a class → two students
answer on their phones (no account) → the counselor sees their scores and the class summary."""

import datetime

from django.utils import timezone

from diemtua.core.tests.test_browser import ARTIFACTS, _login, page, pytestmark  # noqa: F401
from diemtua.screening import services
from diemtua.screening.models import Administration, Response
from diemtua.students.models import Student


def test_gad7_for_a_class_answered_on_two_phones(world, page):  # noqa: F811
    counselor = world.users["counselor"]
    students = [
        Student.objects.create(
            school=world.school_a, full_name=name, gender=gender,
            date_of_birth=datetime.date(2012, 4, 2), grade=8, class_name="8A", ethnicity="Kinh",
        )
        for name, gender in (("Lê Thu Hà", "female"), ("Phạm Minh Quân", "male"))
    ]  # fmt: skip
    services.consents_record(
        actor=counselor, school=world.school_a,
        entries=[(s, giver) for s in students for giver in ("student", "guardian")],
        method="written", given_on=timezone.localdate(),
    )  # fmt: skip
    base = page.base_url

    # The counselor opens a GAD-7 for class 8A.
    _login(page, "tv.a")
    page.goto(f"{base}/screening/new/")
    page.select_option(
        "select[name=version]", label="Bảng hỏi rối loạn lo âu lan tỏa GAD-7 (GAD7, v1)"
    )
    page.select_option("select[name=group_name]", "8A")
    with page.expect_navigation():
        page.get_by_role("button", name="Mở đợt và tạo mã").click()
    assert "2 học sinh nhận mã trả lời" in page.content()
    administration = Administration.objects.get()
    codes = [p.code for p in administration.participants.order_by("student__sort_name")]
    page.context.clear_cookies()

    # Two students answer on their phones (360 px, no login).
    for code, value in ((codes[0], "2"), (codes[1], "0")):
        page.goto(f"{base}/s/")
        page.fill("input[name=code]", code)
        with page.expect_navigation():
            page.get_by_role("button", name="Bắt đầu").click()
        for item in range(1, 8):
            page.check(f"input[name=q{item}][value='{value}']")
        with page.expect_navigation():
            page.get_by_role("button", name="Gửi câu trả lời").click()
        assert page.locator("#thanks").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "screening-student-thanks.png"), full_page=True)
    # A used code does not open again.
    page.goto(f"{base}/s/")
    page.fill("input[name=code]", codes[0])
    with page.expect_navigation():
        page.get_by_role("button", name="Bắt đầu").click()
    assert "Mã này đã được dùng" in page.content()

    # The counselor sees each score and the class summary.
    _login(page, "tv.a")
    page.goto(f"{base}/screening/{administration.pk}/")
    rows = page.locator("#participants tbody tr")
    texts = [rows.nth(i).inner_text() for i in range(rows.count())]
    assert any("Lê Thu Hà" in t and "14" in t and "Vừa" in t for t in texts)
    assert any("Phạm Minh Quân" in t and "0" in t for t in texts)
    summary = page.locator("#class-summary").inner_text()
    assert "ẩn (nhóm nhỏ)" in summary  # two answers: a group under 5 is hidden
    page.screenshot(path=str(ARTIFACTS / "screening-counselor-results.png"), full_page=True)
    assert Response.objects.filter(administration=administration).count() == 2
