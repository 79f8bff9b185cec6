"""reporting.tables: the reader's choices, and one visibility per total on a page."""

import datetime
from decimal import Decimal

import pytest

from diemtua.orgs.models import OrgUnit
from diemtua.reporting import tables
from diemtua.reporting.history import TreeOnDay
from diemtua.reporting.indicators import get
from diemtua.reporting.models import Period, PeriodKind
from diemtua.reporting.periods import get_period
from diemtua.reporting.suppression import COMPLEMENTARY, PRIMARY

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 25)


def parse(query, **extra):
    default = get_period(PeriodKind.SEMESTER, "2026-2027-HK1")
    return tables.parse_params(
        query, today=TODAY, programs=extra.get("programs", {}), default=default
    )


def test_defaults_are_the_current_semester_and_the_one_before():
    params = parse({})
    assert params.period.code == "2026-2027-HK1"
    assert params.compare.code == "2025-2026-HK2"
    assert params.borders == "then" and not params.as_today
    assert params.section.key == "help_requests" and params.indicator.code == "help_requests"
    assert params.errors == []


def test_summer_defaults_to_the_school_year_and_an_ended_unit_to_its_last_year():
    assert tables.default_period(datetime.date(2026, 7, 10)).code == "2025-2026"
    ended = OrgUnit(
        kind="department", name="Sở GD&ĐT Hà Giang", valid_to=datetime.date(2025, 6, 30)
    )
    assert tables.default_period(TODAY, ended).code == "2024-2025"


@pytest.mark.parametrize(
    "code",
    [
        "2026-13",
        "2026-00",
        "abc",
        "2026-2028",
        "2026-2027-HK3",
        "1999-2000",
        "2031-2032-HK1",
        "program-1",
        "program-99999999999999999999",
        "2026-2027-hk1",
        " ",
        "'; drop",
    ],
)
def test_unknown_period_codes_fall_back_with_a_vietnamese_message(code):
    params = parse({"period": code})
    assert params.period.code == "2026-2027-HK1"
    if code.strip():
        assert params.errors and "Không có kỳ báo cáo" in params.errors[0]
    assert not Period.objects.filter(code=code.strip()).exists()


def test_every_kind_of_code_is_accepted():
    assert parse({"period": "2026-10"}).period.kind == PeriodKind.MONTH
    assert parse({"period": "2024-2025"}).period.kind == PeriodKind.SCHOOL_YEAR
    params = parse({"period": "2025-2026-HK2", "compare": "2024-2025-HK2"})
    assert (params.period.code, params.compare.code, params.compare_choice) == (
        "2025-2026-HK2",
        "2024-2025-HK2",
        "2024-2025-HK2",
    )


def test_program_periods_only_for_programs_offered(world):
    from diemtua.programs.models import Program

    program = Program.objects.create(
        owner=world.ministry,
        code="thi-diem-2024",
        title="Thí điểm",
        starts_on=datetime.date(2024, 2, 1),
        ends_on=datetime.date(2024, 8, 31),
        created_by=world.users["ministry_officer"],
    )
    params = parse({"period": f"program-{program.pk}"}, programs={program.pk: program})
    assert params.period.kind == PeriodKind.PROGRAM and params.compare is None
    assert parse({"period": f"program-{program.pk}"}).errors


def test_comparison_can_be_switched_off_and_bad_choices_are_named():
    assert parse({"compare": "none"}).compare is None
    params = parse({"compare": "2026-99", "borders": "tomorrow", "section": "nope"})
    assert params.compare.code == "2025-2026-HK2"
    assert params.borders == "then"
    assert len(params.errors) == 3
    params = parse({"indicator": "nope"})
    assert params.indicator.code == "help_requests" and params.errors


def test_a_section_can_be_named_by_any_of_its_indicators():
    params = parse({"section": "cases_opened"})
    assert params.section.key == "students_counseled"
    assert params.indicator.code == "students_counseled"
    params = parse({"indicator": "referrals_accepted"})
    assert params.section.key == "referrals_sent" and params.indicator.code == "referrals_accepted"
    # An indicator of another section than the one chosen: the section's first one.
    params = parse({"section": "referrals_sent", "indicator": "help_requests"})
    assert params.indicator.code == "referrals_sent"


def test_period_select_lists_labels_without_creating_periods():
    before = Period.objects.count()
    options = dict(tables.period_options(TODAY))
    assert Period.objects.count() == before
    semesters = [code for code, _label in options["Học kỳ"]]
    assert semesters[0] == "2026-2027-HK1" and semesters[-1] == "2023-2024-HK1"
    assert "2026-2027-HK2" not in semesters  # not started yet
    assert [c for c, _l in options["Năm học"]] == [
        "2026-2027",
        "2025-2026",
        "2024-2025",
        "2023-2024",
    ]
    months = [code for code, _label in options["Tháng"]]
    assert months[0] == "2026-11" and months[-1] == "2025-09"
    assert dict(options["Tháng"])["2026-10"] == "Tháng 10/2026"


def test_months_of_a_semester():
    hk1 = get_period(PeriodKind.SEMESTER, "2026-2027-HK1")
    assert [m.code for m in tables.months_of(hk1)] == [
        "2026-09",
        "2026-10",
        "2026-11",
        "2026-12",
        "2027-01",
    ]
    assert tables.months_of(get_period(PeriodKind.MONTH, "2026-10")) == []


def _figures(totals, children=None, months=None):
    period = get_period(PeriodKind.SEMESTER, "2026-2027-HK1")
    unit = OrgUnit(pk=1, kind="department", name="Sở")
    kids = [
        OrgUnit(pk=10 + i, kind="school", name=f"Trường {i}") for i in range(len(children or []))
    ]
    figures = tables.Figures(
        unit=unit,
        period=period,
        tree=TreeOnDay(day=None),
        totals={k: Decimal(v) for k, v in totals.items()},
        children=kids,
        child_values={
            kid.pk: {k: Decimal(v) for k, v in values.items()}
            for kid, values in zip(kids, children or [], strict=True)
        },
    )
    for values in months or []:
        figures.months.append(period)
        figures.month_values.append({k: Decimal(v) for k, v in values.items()})
    return figures


def test_a_total_hidden_in_one_group_is_hidden_in_every_table_of_the_page():
    # Drill-down [1, 5] of 6 must hide its total; the channel table alone would show 6.
    key = ("help_requests", "")
    figures = _figures(
        {key: 6, ("help_requests", "channel=qr"): 6},
        children=[{key: 1}, {key: 5}],
    )
    protected = tables.protect_figures(figures, exact=False)["help_requests"]
    assert protected.total.marker == COMPLEMENTARY
    assert [c.marker for c in protected.children.values()] == [PRIMARY, COMPLEMENTARY]
    params = parse({"compare": "none"})
    current = tables.protect_figures(figures, exact=False)
    headline = tables.headline_table(params, current, None, figures, None, exact=False)
    row = next(r for r in headline.rows if r.label == "Yêu cầu hỗ trợ đã nhận")
    assert row.cells[0].text == "×" and row.cells[0].number is None
    dims = tables.disaggregation_tables(params, figures, None, current, None, exact=False)
    channel = next(t for t in dims if t.key == "dim-channel")
    # Security review: the channel's only row (6) would give the hidden total back, and with
    # it the "<5" school (6 − ×≥5 = 1); the page is checked as a whole, so it goes too.
    assert [r.cells[0].text for r in channel.rows] == ["×", "×"]


def test_the_trend_is_a_group_with_the_period_total():
    key = ("help_requests", "")
    figures = _figures({key: 13}, months=[{key: 3}, {key: 10}, {}])
    protected = tables.protect_figures(figures, exact=False)["help_requests"]
    assert [c.marker for c in protected.months] == [PRIMARY, COMPLEMENTARY, ""]
    assert protected.total.value == 13


def test_exact_readers_and_unprotected_indicators_see_the_numbers():
    figures = _figures(
        {
            ("help_requests", ""): 3,
            ("staff_trained", ""): 2,
            ("funding_spent", ""): 3,
        }
    )
    exact = tables.protect_figures(figures, exact=True)
    assert exact["help_requests"].total.value == 3
    shielded = tables.protect_figures(figures, exact=False)
    assert shielded["help_requests"].total.marker == PRIMARY
    assert not get("staff_trained").sensitive
    assert shielded["staff_trained"].total.value == 2  # counts of staff, not of children
    assert shielded["funding_spent"].total.value == 3  # an amount


def test_medians_are_hidden_with_their_n():
    code = "days_to_first_contact"
    small = _figures({(code, ""): 3, (code, "bucket=1"): 2, (code, "bucket=4"): 1})
    cells = tables._value_cells(
        get(code), tables.protect_figures(small, False)[code], small.totals, exact=False
    )
    assert [c.text for c in cells] == ["<5", "<5"] and cells[0].kind == "median"
    cells = tables._value_cells(
        get(code), tables.protect_figures(small, True)[code], small.totals, exact=True
    )
    assert [c.text for c in cells] == ["1", "3"]
    big = _figures({(code, ""): 6, (code, "bucket=1"): 3, (code, "bucket=2"): 3})
    cells = tables._value_cells(
        get(code), tables.protect_figures(big, False)[code], big.totals, exact=False
    )
    assert [c.text for c in cells] == ["1,5", "6"]
    empty = _figures({})
    cells = tables._value_cells(
        get(code), tables.protect_figures(empty, False)[code], empty.totals, exact=False
    )
    assert [c.text for c in cells] == ["—", "0"]


def test_a_change_is_shown_only_between_two_shown_values():
    shown = tables.Shown("12", Decimal(12))
    assert tables._delta(shown, tables.Shown("9", Decimal(9))).text == "+3"
    assert tables._delta(tables.Shown("9", Decimal(9)), shown).text == "−3"
    assert tables._delta(shown, tables.Shown("<5", None, "<5")).text == ""
    assert tables._delta(tables.Shown("×", None, "×"), shown).text == ""


def test_month_totals_agree_with_aggregate_unit_totals(world):
    """tables.month_totals reads all months at once; it must add up exactly as
    aggregate.unit_totals does, also across a merger (the school counted where it sat)."""
    from diemtua.orgs import services as org_services
    from diemtua.reporting import aggregate
    from diemtua.reporting.models import IndicatorValue

    w = world
    old = org_services.org_unit_create(
        actor=None,
        kind="department",
        name="Sở GD&ĐT Hà Giang",
        code="02",
        parent=w.ministry,
        valid_to=datetime.date(2025, 6, 30),
    )
    org_services.past_placement_record(
        actor=None, unit=w.school_b, parent=old, until=datetime.date(2025, 6, 30)
    )
    year = get_period(PeriodKind.SCHOOL_YEAR, "2024-2025")
    months = tables.months_of(year)
    for i, month in enumerate(months):
        for unit, value in ((w.school_a, i + 1), (w.school_b, 2 * i + 3), (w.dept_a, 1)):
            IndicatorValue.objects.create(
                org_unit=unit, period=month, indicator="help_requests", value=value
            )
        IndicatorValue.objects.create(
            org_unit=w.school_b,
            period=month,
            indicator="days_to_first_contact",
            disaggregation="bucket=2",
            value=i,
        )
    for as_today in (False, True):
        tree = aggregate.tree_for(year, as_today=as_today)
        for unit in (w.ministry, w.dept_a, w.dept_b, old, w.commune_b, w.school_b):
            expected = [
                {k: v for k, v in aggregate.unit_totals(unit, m, tree=tree).items() if v}
                for m in months
            ]
            got = [
                {k: v for k, v in d.items() if v} for d in tables.month_totals(unit, months, tree)
            ]
            assert got == expected, (unit.name, as_today)
    assert tables.month_totals(old, months, aggregate.tree_for(year))[0][("help_requests", "")] == 3
