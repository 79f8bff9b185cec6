"""Rollup storage, the tree as it was (mergers), stale marks and the debounced refresh."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from diemtua.orgs import services as org_services
from diemtua.orgs.models import PastPlacement
from diemtua.reporting import aggregate, rollup, signals, subtree
from diemtua.reporting.models import IndicatorValue, Period, PeriodKind, StaleUnit, SubtreeTotal
from diemtua.reporting.periods import (
    get_period,
    period_label,
    periods_touching,
    previous_period,
    semester_of,
)

from .conftest import put_values

pytestmark = pytest.mark.django_db


@pytest.fixture
def merged(merged_world):
    put_values(merged_world, "sessions")
    return merged_world


def test_periods_follow_the_school_calendar():
    assert semester_of(datetime.date(2026, 11, 25)) == "2026-2027-HK1"
    assert semester_of(datetime.date(2027, 1, 15)) == "2026-2027-HK1"
    assert semester_of(datetime.date(2027, 1, 16)) == "2026-2027-HK2"
    assert semester_of(datetime.date(2027, 7, 1)) is None  # summer break
    hk2 = get_period(PeriodKind.SEMESTER, "2026-2027-HK2")
    assert (hk2.starts_on, hk2.ends_on) == (datetime.date(2027, 1, 16), datetime.date(2027, 5, 31))
    assert previous_period(hk2).code == "2026-2027-HK1"
    assert previous_period(previous_period(hk2)).code == "2025-2026-HK2"
    assert previous_period(get_period(PeriodKind.MONTH, "2026-01")).code == "2025-12"
    assert str(period_label(hk2)) == "Học kỳ II năm học 2026-2027"
    codes = {
        p.code for p in periods_touching(datetime.date(2026, 12, 30), datetime.date(2027, 1, 20))
    }
    assert codes == {"2026-12", "2027-01", "2026-2027", "2026-2027-HK1", "2026-2027-HK2"}


def test_2024_figures_report_under_the_old_province(merged):
    w = merged
    assert aggregate.unit_totals(w.old, w.y2024) == {("sessions", ""): Decimal(7)}
    assert aggregate.unit_totals(w.dept_b, w.y2024) == {("sessions", ""): Decimal(5)}
    assert aggregate.unit_totals(w.ministry, w.y2024) == {("sessions", ""): Decimal(12)}
    by_province = aggregate.child_totals(w.ministry, w.y2024, codes=["sessions"])
    assert by_province[w.old.pk] == {("sessions", ""): Decimal(7)}
    assert by_province[w.dept_b.pk] == {("sessions", ""): Decimal(5)}
    tree = aggregate.tree_for(w.y2024)
    assert w.old in aggregate.children_on(w.ministry, w.y2024, tree)
    assert w.school_old in aggregate.children_on(w.old, w.y2024, tree)


def test_todays_borders_map_old_units_to_their_successor(merged):
    w = merged
    assert aggregate.unit_totals(w.dept_b, w.y2024, as_today=True) == {
        ("sessions", ""): Decimal(12)
    }
    assert aggregate.unit_totals(w.old, w.y2024, as_today=True) == {}
    by_province = aggregate.child_totals(w.ministry, w.y2024, codes=["sessions"], as_today=True)
    assert w.old.pk not in by_province
    assert by_province[w.dept_b.pk] == {("sessions", ""): Decimal(12)}
    tree = aggregate.tree_for(w.y2024, as_today=True)
    assert w.old not in aggregate.children_on(w.ministry, w.y2024, tree)


def test_after_the_merger_the_school_reports_under_its_new_province(merged):
    w = merged
    assert aggregate.unit_totals(w.dept_b, w.y2025) == {("sessions", ""): Decimal(12)}
    assert aggregate.unit_totals(w.old, w.y2025) == {}
    tree = aggregate.tree_for(w.y2025)
    assert w.old not in aggregate.children_on(w.ministry, w.y2025, tree)
    by_commune = aggregate.child_totals(w.dept_b, w.y2025, codes=["sessions"])
    assert by_commune[w.commune_b.pk] == {("sessions", ""): Decimal(12)}


def test_moving_a_school_records_where_it_was(world):
    w = world
    org_services.org_unit_update(actor=None, unit=w.school_a, parent=w.dept_a)
    placement = PastPlacement.objects.get(unit=w.school_a)
    assert placement.parent == w.commune_a


def test_placement_cannot_put_a_unit_under_itself_or_a_wrong_kind(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        org_services.past_placement_record(
            actor=None,
            unit=world.commune_a,
            parent=world.school_a,
            until=datetime.date(2025, 6, 30),
        )
    with pytest.raises(ValidationError):
        org_services.past_placement_record(
            actor=None,
            unit=world.school_a,
            parent=world.provider_a,
            until=datetime.date(2025, 6, 30),
        )


def test_a_write_marks_its_school_stale_after_commit(world, django_capture_on_commit_callbacks):
    from diemtua.cases.models import HelpRequest

    with django_capture_on_commit_callbacks(execute=True):
        HelpRequest.objects.create(
            school=world.school_a, channel="qr", requester="student", tracking_code="T-1"
        )
    mark = StaleUnit.objects.get()
    assert mark.org_unit_id == world.school_a.pk


def test_paused_signals_mark_nothing(world, django_capture_on_commit_callbacks):
    from diemtua.cases.models import HelpRequest

    with django_capture_on_commit_callbacks(execute=True), signals.paused():
        HelpRequest.objects.create(
            school=world.school_a, channel="qr", requester="student", tracking_code="T-2"
        )
    assert not StaleUnit.objects.exists()


def test_marks_keep_the_earliest_day(world):
    signals.mark_stale(world.school_a.pk, datetime.date(2026, 10, 5))
    signals.mark_stale(world.school_a.pk, datetime.date(2026, 9, 7))
    signals.mark_stale(world.school_a.pk, datetime.date(2026, 11, 1))
    assert StaleUnit.objects.get().since == datetime.date(2026, 9, 7)


def test_a_burst_of_writes_writes_the_mark_once_until_a_refresh_starts(
    world, django_assert_max_num_queries
):
    """800 submissions of one assembly: one mark, not 800 updates of the same row; once a
    refresh starts, the next write touches the mark again so the refresh leaves it."""
    signals.new_refresh_generation()
    day = datetime.date(2026, 10, 5)
    signals.mark_stale(world.school_a.pk, day)
    first = StaleUnit.objects.get()
    with django_assert_max_num_queries(0):
        for _ in range(20):
            signals.mark_stale(world.school_a.pk, day)
    # An earlier day is news: written.
    signals.mark_stale(world.school_a.pk, datetime.date(2026, 9, 7))
    assert StaleUnit.objects.get().since == datetime.date(2026, 9, 7)
    # A refresh starts (and will delete marks older than its start): the next write touches it.
    signals.new_refresh_generation()
    started = timezone.now()
    signals.mark_stale(world.school_a.pk, day)
    mark = StaleUnit.objects.get()
    assert mark.marked_at >= started > first.marked_at
    StaleUnit.objects.filter(marked_at__lte=started).delete()
    assert StaleUnit.objects.filter(org_unit=world.school_a).exists()


def test_debounce_schedules_one_refresh_for_many_writes(world, settings, monkeypatch):
    from django.core.cache import cache

    from diemtua.reporting import tasks

    settings.DIEMTUA_INDICATORS_AUTO_REFRESH = True
    cache.delete(signals.SCHEDULED_KEY)
    scheduled = []
    monkeypatch.setattr(tasks.refresh_stale_task, "apply_async", lambda **kw: scheduled.append(kw))
    for day in (5, 6, 7):
        signals.mark_stale(world.school_a.pk, datetime.date(2026, 10, day))
    signals.mark_stale(world.school_b.pk, datetime.date(2026, 10, 9))
    assert scheduled == [{"countdown": settings.DIEMTUA_INDICATORS_DEBOUNCE_SECONDS}]
    cache.delete(signals.SCHEDULED_KEY)


def test_refresh_stale_recomputes_and_clears_the_marks(world):
    from diemtua.cases.models import HelpRequest

    request = HelpRequest.objects.create(
        school=world.school_a, channel="qr", requester="student", tracking_code="T-3"
    )
    signals.mark_stale(world.school_a.pk, request.created_at.date())
    result = rollup.refresh_stale()
    assert result["units"] == 1
    assert not StaleUnit.objects.exists()
    month = get_period(PeriodKind.MONTH, request.created_at.strftime("%Y-%m"))
    assert aggregate.unit_totals(world.dept_a, month, codes=["help_requests"])[
        ("help_requests", "")
    ] == Decimal(1)


def test_refresh_command_checks_its_dates(world):
    with pytest.raises(CommandError, match="dd/mm/yyyy"):
        call_command("refresh_indicators", "--from", "2026-09-01")
    with pytest.raises(CommandError, match="sau ngày bắt đầu"):
        call_command("refresh_indicators", "--from", "01/10/2026", "--to", "01/09/2026")


def test_moving_a_unit_drops_the_totals_then_rebuilds_them(world, settings):
    """A school changes commune: totals summed in the old tree must not be read again."""
    settings.DIEMTUA_INDICATORS_AUTO_REFRESH = False
    w = world
    period = get_period(PeriodKind.SCHOOL_YEAR, "2025-2026")
    IndicatorValue.objects.create(
        org_unit=w.school_a,
        period=period,
        indicator="sessions",
        value=Decimal(9),
        computed_at=timezone.now(),
    )
    subtree.refresh(period)
    assert aggregate.unit_totals(w.commune_a, _fresh(period))[("sessions", "")] == 9
    org_services.org_unit_update(actor=None, unit=w.school_a, parent=w.commune_b)
    period = _fresh(period)
    assert period.totals_at is None and not SubtreeTotal.objects.exists()
    # Meanwhile the dashboards add up the rows in today's tree.
    assert aggregate.unit_totals(w.commune_b, period, as_today=True)[("sessions", "")] == 9
    assert subtree.rebuild() == 1
    period = _fresh(period)
    assert period.totals_at is not None
    assert aggregate.unit_totals(w.commune_b, period, as_today=True)[("sessions", "")] == 9
    assert ("sessions", "") not in aggregate.unit_totals(w.commune_a, period, as_today=True)


def test_a_period_with_moved_units_never_reads_todays_totals(world):
    """The 2024 pilot adds up as it was: a school that moved since counts where it sat."""
    w = world
    period = get_period(PeriodKind.SCHOOL_YEAR, "2024-2025")
    IndicatorValue.objects.create(
        org_unit=w.school_a,
        period=period,
        indicator="sessions",
        value=Decimal(4),
        computed_at=timezone.now(),
    )
    org_services.past_placement_record(
        actor=None, unit=w.school_a, parent=w.commune_b, until=datetime.date(2025, 6, 30)
    )
    subtree.refresh(period)
    period = _fresh(period)
    tree = aggregate.tree_for(period)
    assert not subtree.usable([period], tree)
    assert aggregate.unit_totals(w.commune_b, period)[("sessions", "")] == 4
    assert ("sessions", "") not in aggregate.unit_totals(w.commune_a, period)


def _fresh(period: Period) -> Period:
    return Period.objects.get(pk=period.pk)
