"""Issue 8's browser check for reports: a school submits its semester report → the department
returns it with a comment → the school reads the comment, fixes the text and resubmits → the
department approves → the Ministry's pilot dashboard shows the school's report as approved for
that semester.

On the way: a text naming a student is refused before it can leave the school; the
department officer's pages of the report show no student name and no count from 1 to 4
(the school's own staff see the exact figures); an approved report can no longer be edited.
A screenshot of each step goes to test-artifacts/.

The clock is pinned to a day inside a semester (never in the past, so the browser keeps the
cookies the server sets), so the walk does not depend on whether it runs in term or in summer.
"""

import datetime

from django.utils import timezone

from diemtua.cases import services as case_services
from diemtua.core.tests.test_browser import ARTIFACTS, _login, page, pytestmark  # noqa: F401
from diemtua.programs import services as program_services
from diemtua.programs.models import ProgramStatus
from diemtua.reporting import rollup
from diemtua.reporting.indicators import all_indicators
from diemtua.reporting.indicators.base import Kind
from diemtua.reporting.models import PeriodKind, Report, ReportStatus
from diemtua.reporting.periods import get_period, period_label, school_year_of, semester_of

SMALL = {"1", "2", "3", "4"}
STUDENT_NAMES = ("Nguyễn Văn An", "Đặng Thị Đào", "Nguyễn Thị Hạnh")  # the world's students


def _pinned_moment() -> datetime.datetime:
    """09:00 on the next 20 November or 20 April: mid-semester, and never before today."""
    today = timezone.localdate()
    for year in (today.year, today.year + 1):
        for month in (4, 11):
            day = datetime.date(year, month, 20)
            if day >= today:
                return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
    raise AssertionError("unreachable")


class Walk:
    """What the walk needs besides the world: the semester, the program, the day."""


def _counsel(counselor, school, student, day):
    """A case of the student opened on `day`, with consent and one individual session."""
    case = case_services.case_open(
        actor=counselor, school=school, student=student, summary="Em cần hỗ trợ", opened_on=day
    )
    case_services.consent_record(
        actor=counselor,
        case=case,
        given_by="student",
        scopes=("counseling",),
        method="verbal",
        given_on=day,
    )
    case_services.session_record(
        actor=counselor,
        case=case,
        held_at=timezone.make_aware(
            datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(10))
        ),
        form="individual",
        duration_minutes=40,
        notes="Ghi chép buổi tư vấn",
    )


def _walk(world, time_machine) -> Walk:
    moment = _pinned_moment()
    time_machine.move_to(moment, tick=True)
    today = moment.date()
    w = Walk()
    w.today = today
    w.semester = get_period(PeriodKind.SEMESTER, semester_of(today))
    w.label = str(period_label(w.semester))
    ministry_officer = world.users["ministry_officer"]
    # The Ministry's pilot runs the whole school year in both provinces, one school each.
    year = w.year = school_year_of(today)
    w.program = program_services.program_create(
        actor=ministry_officer,
        owner=world.ministry,
        code="thi-diem-tvhd",
        title="Thí điểm tư vấn học đường",
        starts_on=datetime.date(year, 9, 1),
        ends_on=datetime.date(year + 1, 5, 31),
        status=ProgramStatus.ACTIVE,
    )
    program_services.program_configure(
        actor=ministry_officer, program=w.program, localities=[world.dept_a, world.dept_b]
    )
    for school, locality in ((world.school_a, world.dept_a), (world.school_b, world.dept_b)):
        program_services.enrolment_create(
            actor=ministry_officer,
            program=w.program,
            school=school,
            locality=locality,
            enrolled_on=datetime.date(year, 9, 1),
        )
    # Two students counseled this semester: every figure about them is 1 or 2, which only the
    # school itself may read.
    counselor = world.users["counselor"]
    _counsel(counselor, world.school_a, world.student_a, today - datetime.timedelta(days=8))
    _counsel(counselor, world.school_a, world.student_a2, today - datetime.timedelta(days=5))
    # What the debounced background job does after those writes (the tests turn it off).
    rollup.refresh_stale()
    return w


def _shot(page, name):  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"reporting-{name}.png"), full_page=True)


def _figures(page):  # noqa: F811
    """The report's figure tables as [(caption, row label, [cell texts])]."""
    return page.eval_on_selector_all(
        "table.report-figures tbody tr",
        """rows => rows.map(r => [
            r.closest('table').querySelector('caption').innerText.trim(),
            r.querySelector('th').innerText.trim(),
            Array.from(r.querySelectorAll('td')).map(td => td.innerText.trim()),
        ])""",
    )


def _cell(page, label):  # noqa: F811
    """The main figures table's value for one indicator."""
    for _caption, row, cells in _figures(page):
        if row == label and cells:
            return cells[0]
    raise AssertionError(f"no row {label!r}")


def _assert_no_student_names(page):  # noqa: F811
    text = page.inner_text("body")
    for name in STUDENT_NAMES:
        assert name not in text, name


def _assert_officer_sees_nothing_identifying(page):  # noqa: F811
    """No student (or guardian) name, and no sensitive count from 1 to 4 anywhere."""
    _assert_no_student_names(page)
    sensitive = {str(i.name) for i in all_indicators() if i.kind == Kind.COUNT and i.sensitive}
    rows = _figures(page)
    assert rows, "the report shows no figures"
    checked = 0
    for caption, label, cells in rows:
        # Breakdown tables ("<indicator> theo <dimension>") hold one sensitive count each.
        in_breakdown = any(caption.startswith(name + " theo ") for name in sensitive)
        if label in sensitive or in_breakdown:
            assert not SMALL & set(cells), (caption, label, cells)
            checked += 1
    assert checked >= 10, checked


def test_semester_report_returned_fixed_approved_and_shown_to_the_ministry(
    world,
    page,  # noqa: F811
    time_machine,
):
    w = _walk(world, time_machine)
    base = page.base_url
    page.set_viewport_size({"width": 1280, "height": 900})
    console_errors = []
    page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
    cases_label = "Hồ sơ hỗ trợ mới mở"

    # 1. The school's counselor starts the semester report from "Báo cáo".
    _login(page, "tv.a")
    page.wait_for_selector("text=Trường của tôi")
    page.goto(f"{base}/reports/")
    page.get_by_label("Kỳ báo cáo").select_option(label=w.label)
    with page.expect_navigation():
        page.get_by_role("button", name="Lập hoặc mở báo cáo").click()
    report = Report.objects.get()
    assert page.url.endswith(f"/reports/{report.pk}/edit/")
    assert (report.org_unit, report.period, report.status) == (
        world.school_a,
        w.semester,
        ReportStatus.DRAFT,
    )

    # A first text names a student: the report cannot leave the school like that, and the
    # form keeps what was typed.
    named = "Tổ tư vấn đã hỗ trợ em Đặng Thị Đào lớp 7B và một em lớp 6A."
    page.get_by_label("Tình hình thực hiện").fill(named)
    page.get_by_label("Người ký", exact=True).fill("Lê Thị Hoa")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu và gửi cấp trên").click()
    assert "không được nêu tên học sinh" in page.content()
    assert page.get_by_label("Tình hình thực hiện").input_value() == named
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT
    _shot(page, "01-school-name-refused")

    narrative = "Tổ tư vấn đã tiếp nhận và hỗ trợ học sinh theo kế hoạch của học kỳ."
    page.get_by_label("Tình hình thực hiện").fill(narrative)
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu", exact=True).click()
    assert "Đã lưu báo cáo (chưa gửi)." in page.content()
    # The school's own staff read the exact figures.
    assert _cell(page, cases_label) == "2"
    assert _cell(page, "Buổi tư vấn") == "2"
    _shot(page, "02-school-draft")
    with page.expect_navigation():
        page.get_by_role("button", name="Gửi cấp trên").click()
    assert "Đã gửi báo cáo lên cấp trên." in page.content()
    assert page.locator("h1 .badge").inner_text() == "Đã gửi, chờ duyệt"
    # Sent: nothing to edit until the level above decides.
    assert page.get_by_role("link", name="Sửa báo cáo").count() == 0
    _shot(page, "03-school-submitted")
    page.context.clear_cookies()

    # 2. The department officer finds it waiting, sees it suppressed and returns it.
    _login(page, "so.a")
    page.goto(f"{base}/reports/")
    waiting = page.locator("section[aria-labelledby=h-waiting]")
    assert world.school_a.name in waiting.inner_text()
    _assert_no_student_names(page)
    with page.expect_navigation():
        waiting.get_by_role("link", name="Báo cáo học kỳ của trường").click()
    assert page.url.endswith(f"/reports/{report.pk}/")
    assert _cell(page, cases_label) == "<5"
    _assert_officer_sees_nothing_identifying(page)
    _shot(page, "04-department-reviews")
    # Returning without a comment is refused: the school must be told what to fix.
    with page.expect_navigation():
        page.get_by_role("button", name="Trả lại để sửa").click()
    assert "phải sửa gì trước khi gửi lại" in page.content()
    comment = "Đề nghị bổ sung phần khó khăn, vướng mắc của nhà trường trong học kỳ."
    # Typed by its label, as a keyboard or screen-reader user would: each decision form has
    # its own ids, so this label points at the return box, not the approve box.
    page.get_by_label("Ý kiến (lý do trả lại, việc cần sửa)").fill(comment)
    with page.expect_navigation():
        page.get_by_role("button", name="Trả lại để sửa").click()
    assert "Đã trả lại báo cáo kèm ý kiến." in page.content()
    assert page.locator("h1 .badge").inner_text() == "Bị trả lại"
    _assert_officer_sees_nothing_identifying(page)
    _shot(page, "05-department-returned")
    page.context.clear_cookies()

    # 3. The school reads the comment, adds what was asked and sends it again.
    _login(page, "tv.a")
    page.goto(f"{base}/reports/{report.pk}/")
    returned = page.locator(".alert-danger")
    assert "Cấp trên trả lại" in returned.inner_text() and comment in returned.inner_text()
    _shot(page, "06-school-reads-comment")
    with page.expect_navigation():
        page.get_by_role("link", name="Sửa báo cáo").click()
    assert comment in page.locator(".alert-danger").inner_text()  # shown while editing too
    assert page.get_by_label("Tình hình thực hiện").input_value() == narrative
    difficulties = "Phòng tư vấn còn dùng chung với phòng thiết bị; thiếu tài liệu cho phụ huynh."
    page.get_by_label("Khó khăn, vướng mắc").fill(difficulties)
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu và gửi cấp trên").click()
    assert "Đã gửi báo cáo lên cấp trên." in page.content()
    assert page.locator("h1 .badge").inner_text() == "Đã gửi, chờ duyệt"
    _shot(page, "07-school-resubmitted")
    page.context.clear_cookies()

    # 4. The department approves the corrected report.
    _login(page, "so.a")
    page.goto(f"{base}/reports/{report.pk}/")
    assert difficulties in page.inner_text("article")
    history = page.locator("section[aria-labelledby=h-history]").inner_text()
    assert history.count("Gửi báo cáo") == 2 and comment in history
    _assert_officer_sees_nothing_identifying(page)
    page.locator(f"form[action='/reports/{report.pk}/approve/']").get_by_role("textbox").fill(
        "Đồng ý."
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Duyệt báo cáo").click()
    assert "Đã duyệt báo cáo. Số liệu của kỳ này được khóa." in page.content()
    assert page.locator("h1 .badge").inner_text() == "Đã duyệt"
    assert page.get_by_role("button", name="Duyệt báo cáo").count() == 0
    assert _cell(page, cases_label) == "<5"
    _assert_officer_sees_nothing_identifying(page)
    _shot(page, "08-department-approved")
    page.context.clear_cookies()

    # 5. Approved is final: the school has no edit or send button, and the edit address
    # sends it back to the report with a message; nothing was changed.
    _login(page, "tv.a")
    page.goto(f"{base}/reports/{report.pk}/")
    assert "Báo cáo đã duyệt: nội dung và số liệu của kỳ đã được khóa." in page.content()
    assert page.get_by_role("link", name="Sửa báo cáo").count() == 0
    assert page.get_by_role("button", name="Gửi cấp trên").count() == 0
    page.goto(f"{base}/reports/{report.pk}/edit/")
    assert page.url.endswith(f"/reports/{report.pk}/")
    assert "Báo cáo đã gửi/đã duyệt, không sửa được." in page.content()
    assert page.locator("#id_narrative").count() == 0
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED and report.difficulties == difficulties
    _shot(page, "09-school-locked")
    page.context.clear_cookies()

    # 6. The Ministry opens its pilot's figures for the semester: Lĩnh Nam's report is approved,
    # the other province's school has none; the small counts stay hidden.
    _login(page, "bo.vu")
    page.goto(f"{base}/programs/{w.program.pk}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Số liệu chương trình").click()
    assert page.url.split("?")[0].endswith(f"/dashboards/program/{w.program.pk}/")
    table = page.locator("table[data-table=program]")
    # The whole program lists both semesters; the approved one is this semester's.
    whole = table.locator("tbody tr").filter(has=page.get_by_role("link", name=world.school_a.name))
    school_year = f"{w.year}-{w.year + 1}"
    statuses = {"I": "Chưa có", "II": "Chưa có"}
    statuses["I" if w.semester.code.endswith("HK1") else "II"] = "Đã duyệt"
    assert whole.locator("td.small").inner_text().strip() == (
        f"HK I {school_year}: {statuses['I']}; HK II {school_year}: {statuses['II']}"
    )
    page.locator("#id_period").select_option(label=w.label)
    with page.expect_navigation():
        page.get_by_role("button", name="Xem").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Tư vấn và hồ sơ hỗ trợ").click()
    assert page.locator("#id_period").input_value() == w.semester.code

    def status_of(school):
        row = table.locator("tbody tr").filter(has=page.get_by_role("link", name=school.name))
        assert row.count() == 1, school.name
        return row.locator("td.small").inner_text().strip()

    assert status_of(world.school_a) == "Đã duyệt"
    assert status_of(world.school_b) == "Chưa có"
    sensitive_cells = table.locator("td[data-sensitive]").all_inner_texts()
    assert "<5" in sensitive_cells
    assert not SMALL & {t.strip() for t in sensitive_cells}, sensitive_cells
    _shot(page, "10-ministry-pilot-dashboard")
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
