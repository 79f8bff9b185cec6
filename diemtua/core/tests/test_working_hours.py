"""The working-hour clock skips nights, weekends and Vietnam's public holidays."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from diemtua.core import working_hours

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(y, m, d, hh=0, mm=0):
    return datetime.datetime(y, m, d, hh, mm, tzinfo=VN)


@pytest.fixture
def cal(settings):
    settings.DIEMTUA_WORKING_HOURS = "07:30-11:30,13:30-17:30"
    settings.DIEMTUA_WORKING_DAYS = "0-4"
    return working_hours.calendar()


def test_twelve_working_hours_from_a_monday_morning_end_on_tuesday_at_eleven_thirty(cal):
    # Monday 02/11/2026 08:00: 3.5 h to noon, 4 h afternoon (7.5), Tuesday 4 h → 11.5, +0.5 h.
    assert cal.add(at(2026, 11, 2, 8), datetime.timedelta(hours=12)) == at(2026, 11, 3, 14)


def test_a_friday_evening_report_waits_for_monday(cal):
    # Friday 06/11/2026 20:00: nothing counts until Monday 07:30; 12 h → Tuesday 11:30.
    assert cal.add(at(2026, 11, 6, 20), datetime.timedelta(hours=12)) == at(2026, 11, 10, 11, 30)


def test_tet_and_its_weekend_do_not_count(cal):
    # Thursday 12/02/2026 16:30; Tết holidays Mon 16 – Fri 20/02/2026; the week-end before too.
    deadline = cal.add(at(2026, 2, 12, 16, 30), datetime.timedelta(hours=12))
    # Thu 1 h, Fri 13/02 8 h (9), then Mon 23/02: 3 h → 10:30.
    assert deadline == at(2026, 2, 23, 10, 30)
    assert not cal.is_working_day(datetime.date(2026, 2, 17))
    assert not cal.is_working_day(datetime.date(2026, 9, 2))  # National Day


def test_between_counts_only_working_time(cal):
    assert cal.between(at(2026, 11, 6, 17), at(2026, 11, 9, 8)) == datetime.timedelta(hours=1)
    assert cal.between(at(2026, 11, 9, 8), at(2026, 11, 6, 17)) == datetime.timedelta(0)
    assert cal.between(at(2026, 11, 9, 12), at(2026, 11, 9, 13)) == datetime.timedelta(0)


def test_the_deadline_is_configurable(settings, cal):
    settings.DIEMTUA_CHILD_PROTECTION_REPORT_HOURS = 4
    assert working_hours.child_protection_deadline(at(2026, 11, 2, 8)) == at(2026, 11, 2, 14)
    settings.DIEMTUA_WORKING_DAYS = "0-5"  # schools that work on Saturday
    saturday = working_hours.calendar().add(at(2026, 11, 6, 17), datetime.timedelta(hours=2))
    assert saturday == at(2026, 11, 7, 9)


@pytest.mark.parametrize(
    ("hours", "days"),
    [("7:30-11:30", "0-4"), ("11:30-07:30", "0-4"), ("07:00-12:00,11:00-13:00", "0-4"),
     ("07:30-11:30", "mon-fri"), ("07:30-11:30", "7")],
)  # fmt: skip
def test_bad_settings_are_refused_clearly(settings, hours, days):
    settings.DIEMTUA_WORKING_HOURS, settings.DIEMTUA_WORKING_DAYS = hours, days
    with pytest.raises(ImproperlyConfigured, match="DIEMTUA_WORKING"):
        working_hours.calendar()
