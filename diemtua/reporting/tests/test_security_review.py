"""Regression tests for the security review of issue 8 (reporting).

Each test names what a reader could get before the fix:
- a province total hidden ("×") by the drill-down came back as the sum of the months shown
  below it, which pinned every "<5" unit of the drill-down (found on the demo: Tuyên Quang,
  2025-2026, six units each exactly 1);
- the case balance (open at start + opened = closed + open at end) gave a hidden "<5" away
  from the three other figures of the headline (found on the demo: the Ministry, 05/2024);
- a program's locality subtotal hidden among the localities was the sum of its own schools,
  shown right below it; the province report's table of units showed a total its main table
  hid; the pilot report had the program view's flaw;
- a department officer read a school's draft (or returned, being corrected) report, whose
  text may still name a student: the no-names rule runs only when the report is sent;
- "?unit=²" on the tracker was a 500; "２０２６-１０" made a second Period for October 2026.
"""

import html
import io
import itertools
import random
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from docx import Document

from diemtua.orgs import services as org_services
from diemtua.orgs.models import OrgKind
from diemtua.reporting import access, report_content, services, tables
from diemtua.reporting.docx import build_docx
from diemtua.reporting.indicators import get as get_indicator
from diemtua.reporting.models import IndicatorValue, Period, PeriodKind, ReportKind
from diemtua.reporting.periods import get_period
from diemtua.reporting.suppression import COMPLEMENTARY, PRIMARY, Linked

pytestmark = pytest.mark.django_db

HK1 = "2025-2026-HK1"
HIDDEN = ("<5", "×")


def _values(unit, period, rows: dict) -> None:
    for name, value in rows.items():
        code, _sep, disaggregation = name.partition("|")
        IndicatorValue.objects.create(
            org_unit=unit,
            period=period,
            indicator=code,
            disaggregation=disaggregation,
            value=Decimal(value),
        )


def _cells(page: str, table: str) -> dict[str, list[str]]:
    """{row label: [cell texts]} of one dashboard table (data-table=…)."""
    found = re.search(rf'data-table="{table}".*?</table>', page, re.S)
    assert found, table
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", found.group(0), re.S):
        label = re.search(r'<th scope="row"[^>]*>(.*?)(?:<details|</th>)', row, re.S)
        if not label:
            continue
        text = html.unescape(re.sub(r"<[^>]+>", "", label.group(1))).strip()
        rows[text] = [
            html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td[^>]*data-kind[^>]*>(.*?)</td>", row, re.S)
        ]
    return rows


@pytest.fixture
def province(world):
    """Department A with two units under it: commune A (school A: 1 help request) and an
    upper-secondary school directly under the department (5); all six in September."""
    w = world
    w.school_a3 = org_services.org_unit_create(
        actor=None,
        kind=OrgKind.SCHOOL,
        name="Trường THPT Minh Phú",
        code="01-A3",
        parent=w.dept_a,
        school_level="upper_secondary",
    )
    w.hk1 = get_period(PeriodKind.SEMESTER, HK1)
    september = get_period(PeriodKind.MONTH, "2025-09")
    _values(w.school_a, w.hk1, {"help_requests": 1})
    _values(w.school_a3, w.hk1, {"help_requests": 5})
    _values(w.school_a, september, {"help_requests": 1})
    _values(w.school_a3, september, {"help_requests": 5})
    return w


def test_a_hidden_total_does_not_come_back_as_the_sum_of_the_months(province, login):
    """Drill-down [1, 5] of 6 hides the total; September alone held all 6 requests, so a
    shown "09/2025: 6" gave back the total and with it commune A's "<5" (6 − ≥5 = 1)."""
    client = login(province.users["department_officer"])
    page = client.get(
        reverse("dashboard_unit", args=[province.dept_a.pk])
        + f"?period={HK1}&indicator=help_requests&section=help_requests&compare=none"
    ).content.decode()
    drill = _cells(page, "drilldown")
    assert drill["Phường Đống Đa"][0] == "<5"
    assert drill["Tổng"][0] in HIDDEN
    trend = _cells(page, "trend")
    assert trend["09/2025"][0] in HIDDEN, trend
    assert trend["Cả kỳ"][0] in HIDDEN
    # Nowhere on the page is the 6 shown as this indicator's figure.
    headline = _cells(page, "headline")
    assert next(v for k, v in headline.items() if k.startswith("Yêu cầu hỗ trợ"))[0] in HIDDEN


def test_the_case_balance_does_not_give_a_small_count_away(world, login):
    """School A, as its department sees it: open at start 11, opened 0, closed 9 and open at
    end "<5" — 11 + 0 − 9 = 2 without a second hidden figure."""
    hk1 = get_period(PeriodKind.SEMESTER, HK1)
    _values(
        world.school_a,
        hk1,
        {"cases_open_at_start": 11, "cases_closed": 9, "cases_open_at_end": 2},
    )
    client = login(world.users["department_officer"])
    page = client.get(
        reverse("dashboard_unit", args=[world.school_a.pk]) + f"?period={HK1}&compare=none"
    ).content.decode()
    headline = _cells(page, "headline")

    def shown(code):
        name = str(get_indicator(code).name)
        return next(v for k, v in headline.items() if k.startswith(name))[0]

    start, opened, closed, end = (shown(code) for code in tables.CASE_BALANCE)
    assert end == "<5"
    assert opened == "0"
    assert start in HIDDEN or closed in HIDDEN, (start, opened, closed, end)
    # The school's own counselor still reads every figure exactly.
    own = login(world.users["counselor"]).get(
        reverse("dashboard_unit", args=[world.school_a.pk]) + f"?period={HK1}&compare=none"
    )
    headline = _cells(own.content.decode(), "headline")
    assert [shown(code) for code in tables.CASE_BALANCE] == ["11", "0", "9", "2"]


def _program(localities: dict[int, list[int]], values: dict[int, int], code="help_requests"):
    """The program table's protected cells for schools {locality: [school values]}."""
    places, school_values, pk = {}, {}, 100
    for locality_id, numbers in localities.items():
        places[locality_id] = []
        for number in numbers:
            pk += 1
            enrolment = SimpleNamespace(school_id=pk)
            places[locality_id].append(tables._Place(enrolment, False))
            school_values[pk] = {(code, ""): Decimal(number)}
    scope = SimpleNamespace(full=True, visible_localities=set())
    indicator = get_indicator(code)
    protected = {
        code: tables._program_column(indicator, places, school_values, True, set()),
    }
    tables.settle_program(protected, places, school_values, scope)
    return protected[code], places


def test_a_locality_hidden_among_localities_is_not_the_sum_of_its_schools():
    """Localities 3 (one school) and 60 (10 + 20 + 30), program total 63: the 60 is hidden to
    protect the 3, but its schools shown below it added up to 60 again."""
    cells, places = _program({1: [3, 0, 0], 2: [10, 20, 30]}, {})
    assert cells["subtotals"][1].marker == PRIMARY
    assert cells["total"].marker or cells["subtotals"][2].hidden
    if cells["subtotals"][2].hidden and not cells["total"].hidden:
        schools = [cells["schools"][p.enrolment.school_id] for p in places[2]]
        assert any(cell.hidden for cell in schools), schools


def _figures(totals: dict, children: list[tuple[str, dict]]) -> dict:
    return {
        "version": 1,
        "totals": {k: str(v) for k, v in totals.items()},
        "children": [
            {"id": i, "name": name, "values": {k: str(v) for k, v in values.items()}}
            for i, (name, values) in enumerate(children, start=1)
        ],
    }


def _table(presentation, caption_start: str):
    for section in presentation.sections:
        for table in section.tables:
            if table.caption.startswith(caption_start):
                return table
    raise AssertionError(caption_start)


def test_the_province_reports_unit_table_does_not_show_a_total_hidden_elsewhere():
    """Channel web 5, teacher 1 of 6: the channel table hides the total. The table of units
    used to print "Toàn tỉnh: 6" (its own group had nothing to hide), and the one commune's
    6 as well: 6 − web (≥5) = 1 request from a teacher."""
    figures = _figures(
        {
            "help_requests|": 6,
            "help_requests|channel=web": 5,
            "help_requests|channel=teacher": 1,
        },
        [("Phường Đống Đa", {"help_requests": 6})],
    )
    report = SimpleNamespace(kind=ReportKind.PROVINCE)
    shown = report_content.present(report, figures, exact=False)
    units = _table(shown, "Số liệu theo đơn vị trực thuộc")
    column = units.columns.index(str(get_indicator("help_requests").name))
    texts = [row.cells[column - 1] for row in units.rows]
    assert "6" not in texts, texts
    channel = _table(shown, "Yêu cầu hỗ trợ đã nhận theo")
    assert [row.cells[0] for row in channel.rows][-1] in HIDDEN
    main = _table(shown, "Số liệu toàn tỉnh")
    row = next(r for r in main.rows if r.label == str(get_indicator("help_requests").name))
    assert row.cells[0] in HIDDEN
    # The same figures for the school's own staff: nothing hidden.
    exact = report_content.present(report, figures, exact=True)
    assert not exact.suppressed


def test_the_pilot_reports_localities_are_checked_with_their_schools():
    figures = {
        "version": 1,
        "program": {},
        "labels": {"baseline": "02/2024", "end": "08/2024", "whole": "thí điểm"},
        "periods": {"baseline": {}, "end": {}, "whole": {"help_requests|": "63"}},
        "localities": [
            {
                "id": 1,
                "name": "Hà Giang",
                "schools": [
                    {"id": 11, "name": "Trường A", "values": {"help_requests": "3"}},
                    {"id": 12, "name": "Trường B", "values": {}},
                ],
            },
            {
                "id": 2,
                "name": "Hòa Bình",
                "schools": [
                    {"id": 21, "name": "Trường C", "values": {"help_requests": "10"}},
                    {"id": 22, "name": "Trường D", "values": {"help_requests": "20"}},
                    {"id": 23, "name": "Trường E", "values": {"help_requests": "30"}},
                ],
            },
        ],
        "trainings": {},
        "visits": {},
        "visits_by_locality": [],
    }
    report = SimpleNamespace(kind=ReportKind.PILOT_EVALUATION)
    shown = report_content.present(report, figures, exact=False)
    table = _table(shown, "Theo địa phương và trường")
    rows = {row.label: row.cells[0] for row in table.rows}
    assert rows["Hà Giang"] == "<5" and rows["Trường A"] == "<5"
    known = [rows[name] for name in ("Trường C", "Trường D", "Trường E")]
    if rows["Tổng cộng"] not in HIDDEN:
        # Hòa Bình must stay unknown, or Hà Giang = total − Hòa Bình.
        assert rows["Hòa Bình"] in HIDDEN and any(t in HIDDEN for t in known), rows


def test_officers_do_not_read_a_reports_text_before_it_is_sent(world, login):
    counselor, officer = world.users["counselor"], world.users["department_officer"]
    period = get_period(PeriodKind.SEMESTER, "2025-2026-HK2")
    report = services.report_start(actor=counselor, unit=world.school_a, period=period)
    named = f"Em {world.student_a.full_name} lớp 6A cần theo dõi thêm."
    report = services.report_update(
        actor=counselor, report=report, narrative=named, signer_name="Lê Thị Hoa"
    )
    # The school can still see and fix its own draft; the rule stops it from being sent.
    mine = login(counselor).get(reverse("report_detail", args=[report.pk])).content.decode()
    assert world.student_a.full_name in mine
    with pytest.raises(ValidationError):
        services.report_submit(actor=counselor, report=report)

    def officer_sees():
        client = login(officer)
        response = client.get(reverse("report_detail", args=[report.pk]))
        assert response.status_code == 200
        return response.content.decode()

    page = officer_sees()
    assert world.student_a.full_name not in page
    assert "phần này hiện khi báo cáo được gửi lên" in page
    docx = Document(io.BytesIO(build_docx(report, exact=False, text_shown=False)))
    assert world.student_a.full_name not in "\n".join(p.text for p in docx.paragraphs)
    assert not access.sees_typed_text(officer, report)

    # Sent without the name: the officer reads the text; returned, the school types again.
    report = services.report_update(actor=counselor, report=report, narrative="Tổng kết.")
    report = services.report_submit(actor=counselor, report=report)
    assert "Tổng kết." in officer_sees()
    report = services.report_return(actor=officer, report=report, comment="Bổ sung.")
    services.report_update(actor=counselor, report=report, narrative=named)
    assert world.student_a.full_name not in officer_sees()


def test_odd_ids_and_codes_are_404s_and_messages_not_errors(world, login):
    client = login(world.users["department_officer"])
    assert client.get(reverse("report_tracker") + "?unit=%C2%B2").status_code == 404  # "²"
    with pytest.raises(Http404):
        access._check_pk("²")
    response = client.get(
        reverse("dashboard_unit", args=[world.dept_a.pk]) + "?period=２０２６-１０"
    )
    assert response.status_code == 200
    assert "Không có kỳ báo cáo" in response.content.decode()
    assert not Period.objects.filter(code="２０２６-１０").exists()


# --- suppression.Linked against brute force ---------------------------------------------------


def _possible(values, markers, groups, limit=5, top=40):
    """Every assignment a reader could believe: hidden cells over their ranges, each group
    adding up to the total (index 0). Returns {index: set of values} of the hidden cells."""
    hidden = [i for i, m in enumerate(markers) if m]
    ranges = [range(1, limit) if markers[i] == PRIMARY else range(limit, top) for i in hidden]
    seen = {i: set() for i in hidden}
    for combo in itertools.product(*ranges):
        guess = list(values)
        for i, v in zip(hidden, combo, strict=True):
            guess[i] = v
        if all(guess[0] == sum(guess[j] for j in group) for group in groups):
            for i, v in zip(hidden, combo, strict=True):
                seen[i].add(v)
    return seen


@pytest.mark.parametrize("seed", range(25))
def test_linked_groups_leave_no_small_cell_pinned(seed):
    """A total shared by two groups (a drill-down and a disaggregation), as on a dashboard
    page: after settle(), no "<5" has a single possible value (checked by brute force)."""
    rng = random.Random(seed)
    first = [rng.choice([0, 1, 2, 3, 5, 6, 9]) for _ in range(rng.randint(1, 3))]
    total = sum(first)
    if total == 0:
        return
    second = [rng.randint(0, total)]
    second.append(total - second[0])
    model = Linked()
    t = model.cell(total, PRIMARY if total < 5 else "", rank=1)
    a = [model.cell(v, PRIMARY if 0 < v < 5 else "") for v in first]
    b = [model.cell(v, PRIMARY if 0 < v < 5 else "") for v in second]
    model.equal([t], a)
    model.equal([t], b)
    model.settle()
    seen = _possible(model.values, model.markers, [a, b], top=total + 6)
    pinned = [
        i
        for i, values in seen.items()
        if model.markers[i] == PRIMARY and len(values) == 1 and i not in model.stuck
    ]
    assert not pinned, (first, second, model.markers)
    assert all(not (m == "" and 0 < v < 5) for v, m in zip(model.values, model.markers))
    # Extra hiding is a "×" (at least 5), never a count shown as small.
    assert all(m != COMPLEMENTARY or v >= 5 for v, m in zip(model.values, model.markers))


def test_a_total_under_five_is_not_broken_down_for_officers(world, login):
    """Four closed cases, one in each of four ethnic groups: four "<5" rows under a "<5"
    total are each exactly 1 (each row is at least 1, the total at most 4)."""
    hk1 = get_period(PeriodKind.SEMESTER, HK1)
    _values(
        world.school_a,
        hk1,
        {
            "cases_closed": 4,
            "cases_closed|ethnicity=Dao": 1,
            "cases_closed|ethnicity=Giáy": 1,
            "cases_closed|ethnicity=Kinh": 1,
            "cases_closed|ethnicity=Tày": 1,
        },
    )
    query = f"?period={HK1}&indicator=cases_closed&section=cases_opened"
    officer = login(world.users["department_officer"]).get(
        reverse("dashboard_unit", args=[world.dept_a.pk]) + query
    )
    page = officer.content.decode()
    assert 'data-table="dim-ethnicity"' not in page
    assert "Giáy" not in page
    assert "Tổng số dưới 5 thì không phân tổ" in page
    own = login(world.users["counselor"]).get(
        reverse("dashboard_unit", args=[world.school_a.pk]) + query
    )
    assert _cells(own.content.decode(), "dim-ethnicity")["Giáy"][0] == "1"


def test_validation_messages_quote_figures_as_the_report_shows_them():
    """Six units each closing 4 cases: the report hides the province's 24 ("×") so that the
    units' "<5" stay unknown. The rule "closed ≤ opened + open at start" used to quote 24
    on the same page (single() shows any number from 5)."""
    from diemtua.reporting import validation

    figures = _figures(
        {"cases_closed|": 24, "cases_opened|": 10, "cases_open_at_start|": 6},
        [(f"Trường {i}", {"cases_closed": 4, "cases_opened": 5 if i < 2 else 0}) for i in range(6)],
    )
    report = SimpleNamespace(
        kind=ReportKind.PROVINCE,
        narrative="x",
        difficulties="",
        proposals="",
        lessons="",
        signer_name="A",
        signer_title="B",
        org_unit_id=0,
    )
    shown = report_content.present(report, figures, exact=False)
    assert shown.totals["cases_closed"] in HIDDEN
    findings = validation.run(
        report, report_content.totals_of(figures), exact=False, as_shown=shown.totals
    )
    message = next(f.message for f in findings if f.code == "closed_within_open")
    assert "24" not in message and shown.totals["cases_closed"] in message
    exact = validation.run(report, report_content.totals_of(figures), exact=True)
    assert "(24)" in next(f.message for f in exact if f.code == "closed_within_open")


def test_a_total_hidden_on_a_units_own_page_is_hidden_in_its_parents_drill_down(province, login):
    """School A3's page hides its 6 requests ("×": web 5 and one from a teacher, so 6 − 5 =
    1); the department's drill-down used to show "6" in A3's row — open both pages and the
    teacher's "<5" is 1."""
    IndicatorValue.objects.exclude(period=province.hk1).delete()  # no trend here
    IndicatorValue.objects.filter(org_unit=province.school_a3).update(value=6)
    IndicatorValue.objects.filter(org_unit=province.school_a).update(value=10)
    _values(
        province.school_a3,
        province.hk1,
        {"help_requests|channel=web": 5, "help_requests|channel=teacher": 1},
    )
    client = login(province.users["department_officer"])
    query = f"?period={HK1}&indicator=help_requests&section=help_requests&compare=none"
    own = _cells(
        client.get(
            reverse("dashboard_unit", args=[province.school_a3.pk]) + query
        ).content.decode(),
        "dim-channel",
    )
    assert own["Tổng"][0] == "×"
    drill = _cells(
        client.get(reverse("dashboard_unit", args=[province.dept_a.pk]) + query).content.decode(),
        "drilldown",
    )
    row = next(v for k, v in drill.items() if k.startswith("Trường THPT Minh Phú"))
    assert row[0] in HIDDEN, drill
    # …and it cannot be worked out from the department's total and the other row either.
    assert drill["Tổng"][0] in HIDDEN or drill["Phường Đống Đa"][0] in HIDDEN, drill


def test_the_program_table_hides_a_school_its_own_page_hides():
    values = {
        501: {
            ("help_requests", ""): Decimal(6),
            ("help_requests", "channel=web"): Decimal(5),
            ("help_requests", "channel=teacher"): Decimal(1),
        },
        502: {("help_requests", ""): Decimal(20), ("help_requests", "channel=web"): Decimal(20)},
    }
    period = get_period(PeriodKind.SEMESTER, HK1)
    hidden = tables._schools_hidden_on_own_pages(period, values)
    assert hidden.get("help_requests") == {501}
    places = {9: [tables._Place(SimpleNamespace(school_id=pk), False) for pk in (501, 502)]}
    cells = tables._program_column(
        get_indicator("help_requests"), places, values, True, set(), hidden["help_requests"]
    )
    assert cells["schools"][501].hidden
    assert cells["schools"][502].hidden or cells["subtotals"][9].hidden
