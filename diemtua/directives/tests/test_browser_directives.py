"""Issue 7's browser check for directives: a department officer issues a directive with a task to
two schools → one submits on time, one late → the tracker shows both correctly → the export
lists them. Also: another province's officer gets 404; a school sees only its own tasks."""

import datetime
import io

import openpyxl
import time_machine
from django.utils import timezone

from conftest import PASSWORD
from diemtua.accounts import services as account_services
from diemtua.accounts.roles import Role
from diemtua.activities.tests import files
from diemtua.core.tests.test_browser import ARTIFACTS, _login, page, pytestmark  # noqa: F401
from diemtua.directives.models import Assignment, Directive
from diemtua.orgs import services as org_services
from diemtua.orgs.models import OrgKind, SchoolLevel


def _second_school(world):
    school = org_services.org_unit_create(
        actor=None, kind=OrgKind.SCHOOL, name="Trường Tiểu học Kim Liên", code="01-C",
        parent=world.commune_a, commune=world.commune_a, school_level=SchoolLevel.PRIMARY,
    )  # fmt: skip
    user = account_services.user_create(
        actor=None, username="tv.c", full_name="Trần Thu Cúc", password=PASSWORD
    )
    account_services.membership_grant(actor=None, user=user, org_unit=school, role=Role.COUNSELOR)
    return school


def _submit(tab, note):
    tab.goto(f"{tab.base_url}/directives/")
    rows = tab.locator("#my-tasks li a")
    assert rows.count() == 1  # a school sees only its own task
    with tab.expect_navigation():
        rows.first.click()
    tab.fill("#id_note", note)
    tab.set_input_files(
        "#id_file",
        files=[{"name": "bao-cao.pdf", "mimeType": "application/pdf", "buffer": files.pdf()}],
    )
    with tab.expect_navigation():
        tab.get_by_role("button", name="Nộp báo cáo").click()
    assert "Đã nộp báo cáo" in tab.content()


def test_directive_issued_answered_on_time_and_late_tracked_and_exported(
    world,
    page,  # noqa: F811
    tmp_path,
    settings,
):
    settings.STORAGES = {
        **settings.STORAGES,
        "uploads": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "uploads", "base_url": None},
        },
    }
    school_c = _second_school(world)
    base = page.base_url
    today = timezone.localdate()
    deadline = today + datetime.timedelta(days=2)
    console_errors = []
    page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))

    # The department officer records the directive, gives a task to both schools and sends it.
    _login(page, "so.a")
    page.goto(f"{base}/directives/new/")
    page.fill("#id_number_symbol", "125/SGDĐT-CTHSSV")
    page.fill("#id_issued_on", today.isoformat())
    page.fill("#id_subject", "V/v báo cáo việc bố trí phòng tư vấn học đường")
    page.set_input_files(
        "#id_document",
        files=[{"name": "cong-van.pdf", "mimeType": "application/pdf", "buffer": files.pdf()}],
    )
    page.check(f"input[name=recipients][value='{world.school_a.pk}']")
    page.check(f"input[name=recipients][value='{school_c.pk}']")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu").click()
    assert "Đã lưu bản nháp" in page.content()
    directive = Directive.objects.get()
    with page.expect_navigation():
        page.get_by_role("link", name="Giao nhiệm vụ").click()
    page.fill("#id_description", "Báo cáo hiện trạng phòng tư vấn và cán bộ phụ trách")
    page.fill("#id_deadline", deadline.isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="Giao nhiệm vụ").click()
    assert "Đã giao nhiệm vụ cho 2 đơn vị" in page.content()
    with page.expect_navigation():
        page.get_by_role("button", name="Gửi công văn").click()
    assert "Đã gửi công văn tới 2 nơi nhận" in page.content()
    page.context.clear_cookies()

    # Lĩnh Nam answers today, on time.
    _login(page, "tv.a")
    _submit(page, "Trường có phòng tư vấn riêng, 1 cán bộ chuyên trách.")
    page.context.clear_cookies()

    # Another province's officer: the directive does not exist for them.
    _login(page, "so.b")
    response = page.goto(f"{base}/directives/{directive.pk}/")
    assert response.status == 404
    assignment_a = Assignment.objects.get(unit=world.school_a)
    assert page.goto(f"{base}/directives/assignments/{assignment_a.pk}/").status == 404
    page.context.clear_cookies()

    # Five days later (three past the deadline) Kim Liên answers: late.
    with time_machine.travel(
        timezone.make_aware(
            datetime.datetime.combine(today + datetime.timedelta(days=5), datetime.time(10))
        ),  # noqa: E501
        tick=True,
    ):
        _login(page, "tv.c")
        _submit(page, "=Báo cáo muộn do trường đang sửa phòng.")
        # tv.c cannot open Lĩnh Nam's task (same commune, another school): 404.
        assert page.goto(f"{base}/directives/assignments/{assignment_a.pk}/").status == 404
        page.context.clear_cookies()

        # The officer's tracker shows one on time and one late; the export lists both.
        _login(page, "so.a")
        page.goto(f"{base}/directives/{directive.pk}/")
        assert page.locator("#count-on_time").inner_text() == "1"
        assert page.locator("#count-late").inner_text() == "1"
        assert page.locator("#count-missing").inner_text() == "0"
        row_a = page.locator("#tracker tr[data-unit='01-A']").inner_text()
        row_c = page.locator("#tracker tr[data-unit='01-C']").inner_text()
        assert "Đã nộp đúng hạn" in row_a and today.strftime("%d/%m/%Y") in row_a
        assert "Nộp muộn" in row_c
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "directives-tracker.png"), full_page=True)
        page.select_option("#id_status", "late")
        with page.expect_navigation():
            page.get_by_role("button", name="Lọc").click()
        assert page.locator("#tracker tbody tr").count() == 1
        export = page.request.get(f"{base}/directives/{directive.pk}/export.xlsx")
        assert export.ok
        sheet = openpyxl.load_workbook(io.BytesIO(export.body())).active
        rows = {r[1].value: r for r in sheet.iter_rows(min_row=6)}
        assert set(rows) == {"Trường THCS Lĩnh Nam", "Trường Tiểu học Kim Liên"}
        assert rows["Trường THCS Lĩnh Nam"][5].value == "Đã nộp đúng hạn"
        late = rows["Trường Tiểu học Kim Liên"]
        assert late[5].value == "Nộp muộn"
        assert late[6].value == (today + datetime.timedelta(days=5)).strftime("%d/%m/%Y")
        assert late[7].value == "Trần Thu Cúc"
        assert late[8].data_type == "s"  # a note starting with "=" stays text
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
