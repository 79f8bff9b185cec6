"""Dashboards: who sees which, what an officer sees (never a count from 1 to 4, nor a group
that gives one away), what a school's own staff see (the exact numbers), the program view,
"update now" and the xlsx export of any table.

The fixture: province A (dept_a) with commune A holding schools A (3 help requests) and A2
(7), and an upper-secondary school A3 directly under the department (12); province B with one
school (6). Values are written as the rollup would, for semester I of 2025-2026.
"""

import io
import json
import re
from decimal import Decimal
from html.parser import HTMLParser

import openpyxl
import pytest
from django.urls import reverse

from diemtua.accounts import services as account_services
from diemtua.accounts.models import Membership
from diemtua.accounts.roles import Role
from diemtua.audit.models import AuditEvent
from diemtua.core import uploads
from diemtua.orgs import services as org_services
from diemtua.orgs.models import OrgKind, OrgUnit
from diemtua.programs.models import Enrolment, Program, ProgramLocality
from diemtua.reporting import exports
from diemtua.reporting.indicators import all_indicators
from diemtua.reporting.indicators.base import Kind
from diemtua.reporting.models import (
    ExportJob,
    ExportStatus,
    IndicatorValue,
    PeriodKind,
    Report,
    StaleUnit,
)
from diemtua.reporting.periods import get_period, program_period
from diemtua.reporting.tables import indicator_name

pytestmark = pytest.mark.django_db

HK1 = "2025-2026-HK1"
SMALL = {"1", "2", "3", "4"}


def _values(unit, period, rows):
    for key, value in rows.items():
        code, _sep, disaggregation = key.partition("|")
        IndicatorValue.objects.create(
            org_unit=unit,
            period=period,
            indicator=code,
            disaggregation=disaggregation,
            value=Decimal(value),
        )


SCHOOL_A = {
    "help_requests": 3,
    "help_requests|channel=web": 2,
    "help_requests|channel=teacher": 1,
    "help_requests|urgency=urgent": 1,
    "help_requests|urgency=normal": 2,
    "help_requests|content_group=1": 3,
    "days_to_first_contact": 3,
    "days_to_first_contact|bucket=1": 2,
    "days_to_first_contact|bucket=4": 1,
    "funding_spent": 1500000,
    "staff_trained": 2,
}
SCHOOL_A2 = {
    "help_requests": 7,
    "help_requests|channel=web": 7,
    "help_requests|urgency=normal": 7,
    "help_requests|content_group=1": 4,
    "days_to_first_contact": 2,
    "days_to_first_contact|bucket=2": 2,
}
SCHOOL_A3 = {
    "help_requests": 12,
    "help_requests|channel=web": 10,
    "help_requests|channel=teacher": 2,
    "help_requests|urgency=urgent": 4,
    "help_requests|urgency=normal": 8,
    "help_requests|content_group=2": 12,
}


@pytest.fixture
def small(world):
    w = world
    create = org_services.org_unit_create
    w.school_a2 = create(
        actor=None,
        kind=OrgKind.SCHOOL,
        name="Trường Tiểu học Trung Tự",
        code="01-A2",
        parent=w.commune_a,
        commune=w.commune_a,
        school_level="primary",
    )
    w.school_a3 = create(
        actor=None,
        kind=OrgKind.SCHOOL,
        name="Trường THPT Minh Phú",
        code="01-A3",
        parent=w.dept_a,
        school_level="upper_secondary",
    )
    w.hk1 = get_period(PeriodKind.SEMESTER, HK1)
    _values(w.school_a, w.hk1, SCHOOL_A)
    _values(w.school_a2, w.hk1, SCHOOL_A2)
    _values(w.school_a3, w.hk1, SCHOOL_A3)
    _values(w.school_b, w.hk1, {"help_requests": 6, "help_requests|channel=web": 6})
    sep, oct_ = get_period(PeriodKind.MONTH, "2025-09"), get_period(PeriodKind.MONTH, "2025-10")
    _values(w.school_a, sep, {"help_requests": 3})
    _values(w.school_a2, oct_, {"help_requests": 7})
    _values(w.school_a3, sep, {"help_requests": 12})
    return w


def url(unit, **query):
    base = reverse("dashboard_unit", args=[unit.pk])
    query.setdefault("period", HK1)
    return base + "?" + "&".join(f"{k}={v}" for k, v in query.items())


# --- reading the page back ----------------------------------------------------------------


class _Tables(HTMLParser):
    """The dashboard's tables: {key: [row]}, row = {"label", "total", "cells": [td attrs+text]}."""

    def __init__(self):
        super().__init__()
        self.tables, self.table, self.row, self.cell, self.label = {}, None, None, None, None
        self.charts = None
        self._json = self._details = False
        self.tds = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-table" in attrs:
            self.table = self.tables.setdefault(attrs["data-table"], [])
        elif tag == "tr" and self.table is not None:
            self.row = {
                "label": "",
                "total": "fw-semibold" in (attrs.get("class") or ""),
                "cells": [],
            }
        elif tag == "th" and self.row is not None and attrs.get("scope") == "row":
            self.label = ""
        elif tag == "details":
            self._details = True
        elif tag == "td" and "data-kind" in attrs:
            self.cell = {**attrs, "text": ""}
        elif tag == "script" and attrs.get("id") == "dashboard-charts":
            self._json, self.charts = True, ""

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.cell["text"] = self.cell["text"].strip()
            self.tds.append(self.cell)
            if self.row is not None:
                self.row["cells"].append(self.cell)
            self.cell = None
        elif tag == "th" and self.label is not None and self.row is not None:
            self.row["label"] = self.label.strip()
            self.label = None
        elif tag == "tr" and self.row is not None:
            if self.row["cells"]:
                self.table.append(self.row)
            self.row = None
        elif tag == "table":
            self.table = None
        elif tag == "details":
            self._details = False
        elif tag == "script":
            self._json = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell["text"] += data
        elif self.label is not None and not self._details:
            self.label += data
        if self._json:
            self.charts += data


def read(response) -> _Tables:
    assert response.status_code == 200
    parser = _Tables()
    parser.feed(response.content.decode())
    parser.charts = json.loads(parser.charts) if parser.charts else []
    return parser


def _number(text: str) -> int:
    return int(text.replace(".", ""))


def _pinned(body: list[str], total: str) -> bool:
    """Whether a "<5" cell of a group is recoverable from the visible cells and the total
    ("<5" is 1–4, "×" at least 5): brute force over the hidden cells' possible values."""
    import itertools

    if total in ("<5", "×", "—", ""):
        return False
    hidden = [t for t in body if t in ("<5", "×")]
    if not hidden:
        return False
    rest = _number(total) - sum(_number(t) for t in body if t not in ("<5", "×", "—", ""))
    ranges = [range(1, 5) if t == "<5" else range(5, max(rest, 5) + 1) for t in hidden]
    seen = [set() for _ in hidden]
    for combo in itertools.product(*ranges):
        if sum(combo) == rest:
            for i, value in enumerate(combo):
                seen[i].add(value)
    return any(t == "<5" and len(values) <= 1 for t, values in zip(hidden, seen, strict=True))


def assert_protected(page: _Tables):
    """No sensitive count 1–4 in a cell or a chart; no group gives a small cell away."""
    for td in page.tds:
        if td.get("data-sensitive"):
            assert td["text"] not in SMALL, td
    for chart in page.charts:
        if chart["sensitive"] and chart["kind"] in ("count", "n"):
            for series in chart["series"]:
                assert not any(v is not None and 1 <= v <= 4 for v in series["data"]), chart
    for key, rows in page.tables.items():
        if key in ("headline", "dim-content_group") or not rows or not rows[-1]["total"]:
            continue
        for body, total in _groups(key, rows):
            for index, cell in enumerate(total["cells"]):
                if not cell.get("data-sensitive") or cell["data-kind"] not in ("count", "n"):
                    continue
                texts = [row["cells"][index]["text"] for row in body]
                hidden = sum(1 for t in texts if t in ("<5", "×"))
                assert not (hidden == 1 and cell["text"] not in ("<5", "×")), (key, texts, cell)
                assert not _pinned(texts, cell["text"]), (key, texts, cell["text"])


def _groups(key, rows):
    """(body rows, total row) of each additive group of a table. The program table nests
    them: each locality row totals the schools under it, the last row totals the localities."""
    if key != "program":
        return [(rows[:-1], rows[-1])]
    groups, localities = [], []
    for row in rows:
        if row["total"] and row["label"] != "Toàn chương trình":
            groups.append((row, []))
            localities.append(row)
        elif row["total"]:
            groups.append((row, list(localities)))
        elif groups:
            groups[-1][1].append(row)
    return [(body, total) for total, body in groups]


def cell_of(page, table, label, column=0):
    row = next(r for r in page.tables[table] if r["label"].startswith(label))
    return row["cells"][column]["text"]


# --- who sees which dashboard ---------------------------------------------------------------


@pytest.mark.parametrize(
    "role, unit_attr",
    [
        ("ministry_officer", "ministry"),
        ("department_officer", "dept_a"),
        ("commune_officer", "commune_a"),
        ("counselor", "school_a"),
        ("school_lead", "school_a"),
    ],
)
def test_home_opens_the_users_highest_unit(small, login, role, unit_attr):
    response = login(small.users[role]).get(reverse("dashboard_home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard_unit", args=[getattr(small, unit_attr).pk])


@pytest.mark.parametrize("role", ["teacher", "partner_staff", "system_admin"])
def test_home_and_history_refuse_roles_without_dashboards(small, login, role):
    client = login(small.users[role])
    assert client.get(reverse("dashboard_home")).status_code == 403
    assert client.get(reverse("dashboard_history")).status_code == 403


@pytest.mark.parametrize(
    "role, unit_attr, status",
    [
        ("ministry_officer", "school_b", 200),
        ("department_officer", "dept_a", 200),
        ("department_officer", "school_a3", 200),
        ("department_officer", "dept_b", 404),
        ("department_officer", "school_b", 404),
        ("department_officer_b", "school_a", 404),
        ("commune_officer", "school_a2", 200),
        ("commune_officer", "school_a3", 404),
        ("counselor", "school_a", 200),
        ("counselor", "commune_a", 404),
        ("counselor_b", "school_a", 404),
        ("school_lead", "school_a", 200),
        ("teacher", "school_a", 403),
        ("partner_staff", "school_a", 404),
        ("partner_staff", "provider_a", 404),
        ("system_admin", "school_a", 403),
    ],
)
def test_unit_dashboard_access(small, login, role, unit_attr, status):
    client = login(small.users[role])
    assert client.get(url(getattr(small, unit_attr))).status_code == status


def test_refusals_are_audited_and_bad_ids_are_404(small, login):
    client = login(small.users["department_officer"])
    assert client.get(url(small.school_b)).status_code == 404
    event = AuditEvent.objects.filter(action="reporting.refused").latest("seq")
    assert event.extra["status"] == 404 and event.org_unit_id == small.school_b.pk
    assert client.get("/dashboards/unit/99999999999999999999/").status_code == 404
    assert client.post(url(small.dept_a)).status_code == 405


# --- suppression ----------------------------------------------------------------------------


@pytest.mark.parametrize("unit_attr", ["ministry", "dept_a", "commune_a", "school_a", "school_a3"])
@pytest.mark.parametrize(
    "query",
    [
        {},
        {"indicator": "help_requests", "compare": "none"},
        {"section": "students_counseled", "indicator": "days_to_first_contact"},
        {"section": "funding_planned"},
        {"compare": HK1, "borders": "today"},
    ],
)
def test_an_officer_never_sees_a_count_from_1_to_4(small, login, unit_attr, query):
    role = "ministry_officer" if unit_attr == "ministry" else "department_officer"
    page = read(login(small.users[role]).get(url(getattr(small, unit_attr), **query)))
    assert_protected(page)
    if unit_attr != "ministry" and "section" not in query:
        assert any(td["text"] == "<5" for td in page.tds)  # there was something to hide


def test_what_the_department_sees(small, login):
    page = read(login(small.users["department_officer"]).get(url(small.dept_a)))
    assert cell_of(page, "headline", "Yêu cầu hỗ trợ đã nhận") == "22"
    assert cell_of(page, "drilldown", "Phường Đống Đa") == "10"
    assert cell_of(page, "drilldown", "Trường THPT Minh Phú") == "12"
    assert cell_of(page, "drilldown", "Tổng") == "22"
    assert cell_of(page, "dim-channel", "Giáo viên báo") == "<5"  # 1 + 2
    assert cell_of(page, "dim-channel", "Tổng") == "22"
    assert cell_of(page, "dim-urgency", "Gấp") == "5"
    assert [r["cells"][0]["text"] for r in page.tables["trend"]][:3] == ["15", "7", "0"]
    drill = next(c for c in page.charts if c["id"] == "chart-drilldown")
    assert drill["series"][0]["data"] == [10.0, 12.0]
    # Amounts and counts that are not about children are shown as they are.
    assert cell_of(page, "headline", indicator_name(_ind("funding_spent"))) == "1.500.000"
    assert cell_of(page, "headline", indicator_name(_ind("staff_trained"))) == "2"
    # The drill-down links each unit to its own dashboard with the same choices.
    row_link = reverse("dashboard_unit", args=[small.commune_a.pk])
    assert f'href="{row_link}?period={HK1}&amp;compare=&amp;borders=then' in (
        login(small.users["department_officer"]).get(url(small.dept_a)).content.decode()
    )


def _ind(code):
    return next(i for i in all_indicators() if i.code == code)


def test_a_small_cell_takes_a_partner_and_charts_carry_the_hidden_cells_as_null(small, login):
    page = read(login(small.users["department_officer"]).get(url(small.commune_a)))
    assert cell_of(page, "drilldown", "Trường THCS Lĩnh Nam") == "<5"
    assert cell_of(page, "drilldown", "Trường Tiểu học Trung Tự") == "×"
    assert cell_of(page, "drilldown", "Tổng") == "10"
    drill = next(c for c in page.charts if c["id"] == "chart-drilldown")
    assert drill["series"][0]["data"] == [None, None]
    trend = next(c for c in page.charts if c["id"] == "chart-trend")
    assert trend["series"][0]["data"][:2] == [None, None]
    assert cell_of(page, "dim-urgency", "Gấp") == "<5"
    assert cell_of(page, "dim-urgency", "Không gấp") == "×"
    content = response_text(login(small.users["department_officer"]).get(url(small.commune_a)))
    assert "được ẩn (&lt;5)" in content


def response_text(response) -> str:
    return response.content.decode()


def test_medians_are_hidden_when_their_n_is_small(small, login):
    client = login(small.users["department_officer"])
    query = {"section": "students_counseled", "indicator": "days_to_first_contact"}
    page = read(client.get(url(small.commune_a, **query)))
    label = indicator_name(_ind("days_to_first_contact"))
    assert cell_of(page, "headline", f"{label} — trung vị") == "2"  # n = 5
    row = next(r for r in page.tables["drilldown"] if r["label"] == "Trường THCS Lĩnh Nam")
    median, n = (c for c in row["cells"] if c["data-kind"] in ("median", "n"))
    assert (median["text"], n["text"]) == ("<5", "<5")
    page = read(client.get(url(small.school_a, **query)))
    assert cell_of(page, "headline", f"{label} — trung vị") == "<5"


def test_the_schools_own_staff_see_the_exact_small_numbers(small, login):
    for role in ("counselor", "school_lead"):
        client = login(small.users[role])
        page = read(client.get(url(small.school_a)))
        assert cell_of(page, "headline", "Yêu cầu hỗ trợ đã nhận") == "3"
        assert cell_of(page, "dim-channel", "Giáo viên báo") == "1"
        assert cell_of(page, "dim-urgency", "Gấp") == "1"
        assert page.tables["trend"][0]["cells"][0]["text"] == "3"
        assert "drilldown" not in page.tables
        assert not any(td["text"] in ("<5", "×") for td in page.tds)
        assert "suppression-note" not in response_text(client.get(url(small.school_a)))
    # The same school through a department officer's eyes.
    page = read(login(small.users["department_officer"]).get(url(small.school_a)))
    assert cell_of(page, "headline", "Yêu cầu hỗ trợ đã nhận") == "<5"


def test_comparison_shows_both_values_and_hides_the_change_when_a_side_is_hidden(small, login):
    previous = get_period(PeriodKind.SEMESTER, "2024-2025-HK2")
    _values(small.school_a3, previous, {"help_requests": 9})
    _values(small.school_a, previous, {"help_requests": 2})
    client = login(small.users["department_officer"])
    page = read(client.get(url(small.dept_a, compare=previous.code)))
    row = next(r for r in page.tables["headline"] if r["label"].startswith("Yêu cầu hỗ trợ"))
    assert [c["text"] for c in row["cells"]] == ["22", "11", "+11"]
    page = read(client.get(url(small.school_a3, compare=previous.code)))
    row = next(r for r in page.tables["headline"] if r["label"].startswith("Yêu cầu hỗ trợ"))
    assert [c["text"] for c in row["cells"]] == ["12", "9", "+3"]
    page = read(client.get(url(small.school_a, compare=previous.code)))
    row = next(r for r in page.tables["headline"] if r["label"].startswith("Yêu cầu hỗ trợ"))
    assert [c["text"] for c in row["cells"]] == ["<5", "<5", ""]


def test_bad_choices_give_a_vietnamese_message_not_an_error(small, login):
    client = login(small.users["department_officer"])
    for query in (
        "period=2025-13",
        "period=program-999",
        "period=%E2%80%94x",
        "compare=xyz",
        "borders=yesterday",
        "section=abc",
        "indicator=zzz",
    ):
        response = client.get(reverse("dashboard_unit", args=[small.dept_a.pk]) + "?" + query)
        assert response.status_code == 200, query
        assert 'class="alert alert-danger' in response.content.decode(), query


def test_a_month_has_no_trend_and_a_school_year_has_twelve_months(small, login):
    client = login(small.users["department_officer"])
    assert "trend" not in read(client.get(url(small.dept_a, period="2025-10"))).tables
    page = read(client.get(url(small.dept_a, period="2025-2026")))
    assert len(page.tables["trend"]) >= 12  # September to August (future empty months dropped)


# --- freshness and "update now" -----------------------------------------------------------


def test_freshness_line_and_refresh(small, login):
    StaleUnit.objects.create(org_unit=small.school_a, since=small.hk1.starts_on)
    StaleUnit.objects.create(org_unit=small.school_b, since=small.hk1.starts_on)
    client = login(small.users["department_officer"])
    content = response_text(client.get(url(small.dept_a)))
    assert "Số liệu tính lúc" in content
    assert "1 đơn vị có số liệu mới chưa tính" in content
    refresh = reverse("dashboard_refresh", args=[small.dept_a.pk])
    form = {"once": "a" * 32, "period": HK1, "section": "help_requests"}
    response = client.post(refresh, form)
    assert response.status_code == 302 and f"period={HK1}" in response["Location"]
    # Only the province's own stale school was recomputed; Thanh Hóa's mark is not theirs.
    assert list(StaleUnit.objects.values_list("org_unit_id", flat=True)) == [small.school_b.pk]
    assert AuditEvent.objects.filter(action="reporting.dashboard_refresh").count() == 1
    # The same form sent again: nothing is run twice.
    response = client.post(refresh, form, follow=True)
    assert "đã được thực hiện" in response.content.decode()
    assert AuditEvent.objects.filter(action="reporting.dashboard_refresh").count() == 1
    # A new click with nothing stale: told so, nothing recorded.
    response = client.post(refresh, {"once": "b" * 32}, follow=True)
    assert "Số liệu đã mới nhất" in response.content.decode()


def test_refresh_is_for_dashboard_roles_of_the_unit(small, login):
    StaleUnit.objects.create(org_unit=small.school_a, since=small.hk1.starts_on)
    refresh = reverse("dashboard_refresh", args=[small.school_a.pk])
    assert login(small.users["teacher"]).post(refresh).status_code == 403
    assert login(small.users["department_officer_b"]).post(refresh).status_code == 404
    assert login(small.users["teacher"]).get(refresh).status_code == 405
    assert StaleUnit.objects.filter(org_unit=small.school_a).exists()
    assert login(small.users["counselor"]).post(refresh).status_code == 302
    assert not StaleUnit.objects.filter(org_unit=small.school_a).exists()


# --- xlsx -----------------------------------------------------------------------------------


def _export(client, target, table, **params):
    before = ExportJob.objects.count()
    response = client.post(target, {"table": table, "once": "", **params})
    assert ExportJob.objects.count() == before + 1, response
    job = ExportJob.objects.latest("created_at")
    assert response.status_code == 302
    assert response["Location"] == reverse("export_job", args=[job.pk])
    job = exports.run(job.pk)
    assert job.status == ExportStatus.DONE, job.error
    book = openpyxl.load_workbook(io.BytesIO(uploads.storage().open(job.stored_name).read()))
    return job, list(book.active.iter_rows(values_only=True))


def _body(rows, header):
    start = next(i for i, row in enumerate(rows) if row[0] == header)
    return rows[start + 1 :]


@pytest.mark.parametrize("unit_attr", ["dept_a", "commune_a", "school_a"])
def test_xlsx_of_every_table_has_the_pages_cells(small, login, unit_attr):
    client = login(small.users["department_officer"])
    unit = getattr(small, unit_attr)
    page = read(client.get(url(unit)))
    sensitive_counts = {
        indicator_name(i) for i in all_indicators() if i.sensitive and i.kind == Kind.COUNT
    }
    target = reverse("dashboard_export", args=[unit.pk])
    for key, html_rows in page.tables.items():
        job, rows = _export(client, target, key, period=HK1)
        assert job.params["table"] == key and job.params["pk"] == unit.pk
        assert rows[0][0].endswith(unit.name)
        assert rows[1][0].startswith("Kỳ: Học kỳ I năm học 2025-2026")
        assert rows[2][0].startswith("Số liệu dưới 5 được ẩn (<5); × là ô ẩn thêm")
        assert re.search(r"Ngày xuất: \d\d/\d\d/\d{4}", rows[3][0])
        body = [r for r in _body(rows, _first_header(rows)) if any(v is not None for v in r[1:])]
        # Same rows, same cells: the totals of the file are the totals of the page.
        assert [r[0].strip() for r in body] == [r["label"] for r in html_rows], key
        for xlsx_row, html_row in zip(body, html_rows, strict=True):
            for value, cell in zip(xlsx_row[1:], html_row["cells"], strict=False):
                text = cell["text"]
                if text in ("<5", "×", "—", "") or cell["data-kind"] == "delta":
                    assert (value or "") == text, (key, xlsx_row, text)
                elif cell["data-kind"] in ("count", "n", "amount"):
                    assert value == _number(text), (key, xlsx_row, text)
                if cell.get("data-sensitive") and isinstance(value, int | float):
                    assert not 1 <= value <= 4, (key, xlsx_row)
            if key == "headline" and xlsx_row[0] in sensitive_counts:
                numbers = [v for v in xlsx_row[1:] if isinstance(v, int | float)]
                assert not any(1 <= v <= 4 for v in numbers), xlsx_row


def _first_header(rows):
    empty = next(i for i, row in enumerate(rows) if all(v is None for v in row))
    return rows[empty + 1][0]


def test_exact_readers_get_exact_files(small, login):
    client = login(small.users["counselor"])
    _job, rows = _export(
        client, reverse("dashboard_export", args=[small.school_a.pk]), "headline", period=HK1
    )
    assert rows[2][0] == "Số liệu đầy đủ của trường (không ẩn)."
    row = next(r for r in rows if r[0] == "Yêu cầu hỗ trợ đã nhận")
    assert row[1] == 3


def test_export_refusals(small, login):
    target = reverse("dashboard_export", args=[small.dept_a.pk])
    assert (
        login(small.users["department_officer_b"]).post(target, {"table": "headline"}).status_code
        == 404
    )
    assert (
        login(small.users["teacher"])
        .post(reverse("dashboard_export", args=[small.school_a.pk]), {"table": "headline"})
        .status_code
        == 403
    )
    response = login(small.users["department_officer"]).post(
        target, {"table": "nope", "period": HK1}
    )
    assert response.status_code == 302 and "dashboard" in response["Location"]
    assert not ExportJob.objects.exists()
    # The same form twice: one job.
    client = login(small.users["department_officer"])
    form = {"table": "headline", "period": HK1, "once": "c" * 32}
    client.post(target, form)
    client.post(target, form)
    assert ExportJob.objects.count() == 1


def test_the_export_job_checks_access_again_when_it_runs(small, login):
    client = login(small.users["department_officer"])
    client.post(
        reverse("dashboard_export", args=[small.dept_a.pk]), {"table": "drilldown", "period": HK1}
    )
    job = ExportJob.objects.get()
    Membership.objects.filter(user=small.users["department_officer"]).delete()
    job = exports.run(job.pk)
    assert job.status == ExportStatus.FAILED
    assert job.error == "Bạn không còn quyền xem dữ liệu này."


# --- the program view -----------------------------------------------------------------------


@pytest.fixture
def program(small):
    w = small
    program = Program.objects.create(
        owner=w.ministry,
        code="thi-diem",
        title="Thí điểm tư vấn học đường",
        starts_on=w.hk1.starts_on,
        ends_on=w.hk1.ends_on,
        created_by=w.users["ministry_officer"],
    )
    for locality in (w.dept_a, w.dept_b):
        ProgramLocality.objects.create(program=program, unit=locality)
    for school, locality in (
        (w.school_a, w.dept_a),
        (w.school_a2, w.dept_a),
        (w.school_a3, w.dept_a),
        (w.school_b, w.dept_b),
    ):
        Enrolment.objects.create(
            program=program, school=school, locality=locality, enrolled_on=w.hk1.starts_on
        )
    period = program_period(program)
    for school in (w.school_a, w.school_a2, w.school_a3, w.school_b):
        for row in IndicatorValue.objects.filter(org_unit=school, period=w.hk1):
            IndicatorValue.objects.create(
                org_unit=school,
                period=period,
                indicator=row.indicator,
                disaggregation=row.disaggregation,
                value=row.value,
            )
    w.program = program
    return w


def program_url(w, **query):
    base = reverse("dashboard_program", args=[w.program.pk])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_program_view_for_the_ministry(program, login):
    w = program
    page = read(login(w.users["ministry_officer"]).get(program_url(w)))
    assert_protected(page)
    labels = [r["label"] for r in page.tables["program"]]
    assert labels == [
        w.dept_a.name,
        w.school_a2.name,  # primary first, then lower and upper secondary
        w.school_a.name,
        w.school_a3.name,
        w.dept_b.name,
        w.school_b.name,
        "Toàn chương trình",
    ]
    assert cell_of(page, "program", w.dept_a.name) == "22"
    assert cell_of(page, "program", w.school_a.name) == "<5"
    assert cell_of(page, "program", w.school_a2.name) == "×"
    assert cell_of(page, "program", "Toàn chương trình") == "28"
    assert [c["id"] for c in page.charts] == [
        f"chart-locality-{w.dept_a.pk}",
        f"chart-locality-{w.dept_b.pk}",
    ]
    assert page.charts[0]["series"][0]["data"] == [None, None, 12.0]


def test_program_view_report_status(program, login):
    w = program
    Report.objects.create(
        kind="school_semester",
        org_unit=w.school_a,
        period=w.hk1,
        status="submitted",
        created_by=w.users["counselor"],
    )
    Report.objects.create(
        kind="school_semester",
        org_unit=w.school_a3,
        period=w.hk1,
        status="approved",
        created_by=w.users["counselor"],
    )
    response = login(w.users["ministry_officer"]).get(program_url(w, period=HK1))
    rows = {
        r[0]: r
        for r in re.findall(
            r'<a href="[^"]+">([^<]+)</a>.*?<td class="small">([^<]*)</td>',
            response.content.decode(),
            re.S,
        )
    }
    assert rows[w.school_a.name][1] == "Chờ duyệt"
    assert rows[w.school_a3.name][1] == "Đã duyệt"
    assert rows[w.school_a2.name][1] == "Chưa có"


def test_program_view_for_a_locality_a_school_and_outsiders(program, login):
    w = program
    page = read(login(w.users["department_officer"]).get(program_url(w)))
    labels = [r["label"] for r in page.tables["program"]]
    assert w.school_b.name not in labels and "Toàn chương trình" not in labels
    assert_protected(page)
    page = read(login(w.users["counselor"]).get(program_url(w)))
    assert [r["label"] for r in page.tables["program"]] == [w.school_a.name]
    assert cell_of(page, "program", w.school_a.name) == "3"  # their own school, exactly
    page = read(login(w.users["commune_officer"]).get(program_url(w)))
    assert [r["label"] for r in page.tables["program"]] == [w.school_a2.name, w.school_a.name]
    assert cell_of(page, "program", w.school_a.name) == "<5"
    assert_protected(page)
    for role, status in (("teacher", 403), ("system_admin", 403), ("partner_staff", 404)):
        assert login(w.users[role]).get(program_url(w)).status_code == status, role
    outsider_unit = org_services.org_unit_create(
        actor=None, kind=OrgKind.DEPARTMENT, name="Sở GD&ĐT Đà Nẵng", code="48", parent=w.ministry
    )
    outsider = account_services.user_create(
        actor=None, username="so.dn", full_name="Đà Nẵng", password="x-123456789"
    )
    account_services.membership_grant(
        actor=None, user=outsider, org_unit=outsider_unit, role=Role.DEPARTMENT_OFFICER
    )
    assert login(outsider).get(program_url(w)).status_code == 404
    assert login(outsider).get("/dashboards/program/99999/").status_code == 404


def test_program_view_any_period_and_export(program, login):
    w = program
    client = login(w.users["ministry_officer"])
    page = read(client.get(program_url(w, period="2025-09")))
    # September: 3 + 0 + 12 in province A; the 12 is hidden too, or 15 − 12 gives the 3.
    assert [cell_of(page, "program", s.name) for s in (w.school_a2, w.school_a, w.school_a3)] == [
        "0",
        "<5",
        "×",
    ]
    assert cell_of(page, "program", w.dept_a.name) == "15"
    assert_protected(page)
    response = client.get(program_url(w, period="bogus"))
    assert "Không có kỳ báo cáo" in response.content.decode()
    page = read(client.get(program_url(w)))
    job, rows = _export(client, reverse("dashboard_program_export", args=[w.program.pk]), "program")
    assert job.params["view"] == "program"
    totals = next(r for r in rows if r[0] == "Toàn chương trình")
    assert totals[1] == 28
    assert next(r for r in rows if (r[0] or "").strip() == w.school_a.name)[1] == "<5"
    assert (
        login(w.users["teacher"])
        .post(reverse("dashboard_program_export", args=[w.program.pk]), {"table": "program"})
        .status_code
        == 403
    )


# --- bounded queries on the demo (kept last: the demo stays loaded for the module) -------------


@pytest.mark.usefixtures("seeded_demo")
def test_national_dashboard_and_pilot_view_have_bounded_queries(
    client, django_assert_max_num_queries
):
    from diemtua.accounts.models import User

    client.force_login(User.objects.get(username="bo.vu"))
    ministry = OrgUnit.objects.get(kind=OrgKind.MINISTRY)
    with django_assert_max_num_queries(45):
        page = read(client.get(reverse("dashboard_unit", args=[ministry.pk])))
    assert len(page.tables["drilldown"]) > 1
    assert_protected(page)
    # A school year: twelve months, and the 2024 tree with the pilot's six moved schools. The
    # first view creates the periods it names (months of both years); count the next one.
    year = reverse("dashboard_unit", args=[ministry.pk]) + "?period=2024-2025"
    read(client.get(year))
    with django_assert_max_num_queries(75):
        read(client.get(year))
    pilot = Program.objects.get(code="thi-diem-2024")
    with django_assert_max_num_queries(25):
        page = read(
            client.get(reverse("dashboard_program", args=[pilot.pk]) + "?section=cases_opened")
        )
    assert len([r for r in page.tables["program"] if not r["total"]]) == 18
    assert_protected(page)
