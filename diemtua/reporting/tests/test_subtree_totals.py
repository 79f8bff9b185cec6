"""Subtree totals give dashboards exactly what adding up the school rows gives, and follow
every change: a refresh, an approval's frozen figures, a unit moving."""

from decimal import Decimal

import pytest
from django.utils import timezone

from diemtua.orgs.models import OrgKind, OrgUnit
from diemtua.reporting import aggregate, rollup, subtree, tables
from diemtua.reporting.models import IndicatorValue, Period, PeriodKind, SubtreeTotal
from diemtua.reporting.periods import get_period, school_year_code, school_year_of

pytestmark = pytest.mark.django_db


def _fresh(period: Period) -> Period:
    return Period.objects.get(pk=period.pk)


def _both_ways(read):
    """`read()` with the stored totals, then with them dropped (summing school rows)."""
    with_totals = read()
    Period.objects.update(totals_at=None)
    without = read()
    return with_totals, without


@pytest.fixture
def year(seeded_demo):
    today = timezone.localdate()
    return get_period(PeriodKind.SCHOOL_YEAR, school_year_code(school_year_of(today)))


def test_demo_refresh_stores_totals_for_every_unit(year):
    year = _fresh(year)
    assert year.totals_at is not None
    ministry = OrgUnit.objects.get(kind=OrgKind.MINISTRY, valid_to__isnull=True)
    assert SubtreeTotal.objects.filter(org_unit=ministry, period=year).exists()


def test_totals_equal_the_sum_of_school_rows_at_every_level(year):
    units = list(
        OrgUnit.objects.filter(kind__in=[OrgKind.MINISTRY, OrgKind.DEPARTMENT, OrgKind.COMMUNE])
    )
    tree = aggregate.tree_for(year, as_today=True)

    def read():
        period = _fresh(year)
        return [
            (
                aggregate.unit_totals(unit, period, tree=tree),
                aggregate.child_totals(unit, period, disaggregations=None, tree=tree),
            )
            for unit in units
        ]

    with_totals, without = _both_ways(read)
    assert with_totals == without
    assert any(totals for totals, _children in with_totals)


def test_months_and_grandchildren_agree_both_ways(year):
    ministry = OrgUnit.objects.get(kind=OrgKind.MINISTRY, valid_to__isnull=True)
    tree = aggregate.tree_for(year, as_today=True)

    def read():
        period = _fresh(year)
        months = [_fresh(m) for m in tables.months_of(period)]
        return (
            tables.month_totals(ministry, months, tree),
            tables.child_month_totals(ministry, months, tree),
            tables.grandchild_totals(ministry, period),
        )

    with_totals, without = _both_ways(read)
    assert with_totals == without
    assert any(with_totals[0])


def test_a_partial_refresh_updates_every_unit_above(year):
    period = _fresh(year)
    school = OrgUnit.objects.get(code="01-TRUNGTU")
    ministry = OrgUnit.objects.get(kind=OrgKind.MINISTRY, valid_to__isnull=True)
    before = aggregate.unit_totals(ministry, period)[("sessions", "")]
    IndicatorValue.objects.filter(
        org_unit=school, period=period, indicator="sessions", disaggregation=""
    ).update(value=Decimal(1000))
    subtree.refresh(period, [school.pk])
    own = aggregate.unit_totals(school, _fresh(period))[("sessions", "")]
    assert own == Decimal(1000)
    after = aggregate.unit_totals(ministry, _fresh(period))[("sessions", "")]
    assert after > before
    # And a full recompute from the records puts it back.
    rollup.refresh_period(period, [school.pk])
    assert aggregate.unit_totals(ministry, _fresh(period))[("sessions", "")] == before


def test_dashboard_figures_are_cached_until_the_totals_change(year):
    """A second view reuses the figures; a refresh makes the next view compute them again."""
    ministry = OrgUnit.objects.get(kind=OrgKind.MINISTRY, valid_to__isnull=True)
    today = timezone.localdate()

    def figures():
        return tables.protected_figures(ministry, _fresh(year), False, today, False)[0]

    first = figures()
    assert figures() is first
    rollup.refresh_period(_fresh(year))
    again = figures()
    assert again is not first
    assert again.totals == first.totals
    # Without totals (today's tree not summed yet) nothing is cached.
    Period.objects.update(totals_at=None)
    assert figures() is not figures()
