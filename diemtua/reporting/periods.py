"""Reporting periods: month, semester, school year and program span.

The school year runs from 01/09 to 31/08 (so summer activities count somewhere); its two
semesters follow the Ministry's yearly calendar framework: học kỳ I from September to mid
January, học kỳ II from mid January to the end of May (e.g. Decision 2045/QĐ-BGDĐT for
2025-2026: semester I ends before 18/01, the year's teaching before 31/05). The exact
boundaries are constants here so a province with a different calendar changes one place.
"""

import datetime

from django.utils.translation import gettext_lazy as _

from .models import Period, PeriodKind

SCHOOL_YEAR_START = (9, 1)  # 01/09
SEMESTER_ONE_END = (1, 15)  # 15/01 of the next calendar year
SEMESTER_TWO_END = (5, 31)  # 31/05


def school_year_of(day: datetime.date) -> int:
    """The calendar year the school year containing `day` started in."""
    return day.year if (day.month, day.day) >= SCHOOL_YEAR_START else day.year - 1


def _month_bounds(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    first = datetime.date(year, month, 1)
    following = datetime.date(year + (month == 12), month % 12 + 1, 1)
    return first, following - datetime.timedelta(days=1)


def _bounds(kind: str, code: str) -> tuple[datetime.date, datetime.date]:
    if kind == PeriodKind.MONTH:
        year, month = (int(part) for part in code.split("-"))
        return _month_bounds(year, month)
    start_year = int(code[:4])
    if kind == PeriodKind.SCHOOL_YEAR:
        return datetime.date(start_year, 9, 1), datetime.date(start_year + 1, 8, 31)
    if code.endswith("HK1"):
        return datetime.date(start_year, 9, 1), datetime.date(start_year + 1, *SEMESTER_ONE_END)
    return (
        datetime.date(start_year + 1, *SEMESTER_ONE_END) + datetime.timedelta(days=1),
        datetime.date(start_year + 1, *SEMESTER_TWO_END),
    )


def month_code(day: datetime.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def school_year_code(start_year: int) -> str:
    return f"{start_year}-{start_year + 1}"


def semester_code(start_year: int, number: int) -> str:
    return f"{school_year_code(start_year)}-HK{number}"


def semester_of(day: datetime.date) -> str | None:
    """The semester containing `day`, or None in the summer break."""
    start_year = school_year_of(day)
    for number in (1, 2):
        code = semester_code(start_year, number)
        first, last = _bounds(PeriodKind.SEMESTER, code)
        if first <= day <= last:
            return code
    return None


def get_period(kind: str, code: str) -> Period:
    """The period with this code, created on first use."""
    first, last = _bounds(kind, code)
    period, _created = Period.objects.get_or_create(
        code=code, defaults={"kind": kind, "starts_on": first, "ends_on": last}
    )
    return period


def program_period(program) -> Period:
    period, created = Period.objects.get_or_create(
        code=f"program-{program.pk}",
        defaults={
            "kind": PeriodKind.PROGRAM,
            "starts_on": program.starts_on,
            "ends_on": program.ends_on,
            "program": program,
        },
    )
    if not created and (period.starts_on, period.ends_on) != (program.starts_on, program.ends_on):
        # The program's dates were corrected: the period follows them.
        period.starts_on, period.ends_on = program.starts_on, program.ends_on
        period.save(update_fields=["starts_on", "ends_on"])
    return period


def periods_touching(first: datetime.date, last: datetime.date) -> list[Period]:
    """Every month, semester and school year overlapping [first, last], created if missing.

    Program periods are added by the caller (reporting.rollup), which knows the programs.
    """
    periods = []
    day = datetime.date(first.year, first.month, 1)
    while day <= last:
        periods.append(get_period(PeriodKind.MONTH, month_code(day)))
        day = _month_bounds(day.year, day.month)[1] + datetime.timedelta(days=1)
    for start_year in range(school_year_of(first), school_year_of(last) + 1):
        periods.append(get_period(PeriodKind.SCHOOL_YEAR, school_year_code(start_year)))
        for number in (1, 2):
            code = semester_code(start_year, number)
            sem_first, sem_last = _bounds(PeriodKind.SEMESTER, code)
            if sem_first <= last and sem_last >= first:
                periods.append(get_period(PeriodKind.SEMESTER, code))
    return periods


def period_label(period: Period) -> str:
    """How people name the period: "Tháng 10/2026", "Học kỳ I năm học 2026-2027"…"""
    if period.kind == PeriodKind.MONTH:
        return _("Tháng %(month)s") % {"month": period.starts_on.strftime("%m/%Y")}
    if period.kind == PeriodKind.SCHOOL_YEAR:
        return _("Năm học %(year)s") % {"year": period.code}
    if period.kind == PeriodKind.SEMESTER:
        number = "I" if period.code.endswith("HK1") else "II"
        return _("Học kỳ %(number)s năm học %(year)s") % {
            "number": number,
            "year": period.code[:9],
        }
    return _("%(program)s (%(first)s–%(last)s)") % {
        "program": period.program.title if period.program_id else period.code,
        "first": period.starts_on.strftime("%d/%m/%Y"),
        "last": period.ends_on.strftime("%d/%m/%Y"),
    }


def previous_period(period: Period) -> Period | None:
    """The period of the same kind just before, for comparisons (none for programs)."""
    if period.kind == PeriodKind.PROGRAM:
        return None
    day = period.starts_on - datetime.timedelta(days=1)
    if period.kind == PeriodKind.MONTH:
        return get_period(PeriodKind.MONTH, month_code(day))
    if period.kind == PeriodKind.SCHOOL_YEAR:
        return get_period(PeriodKind.SCHOOL_YEAR, school_year_code(school_year_of(day)))
    start_year = int(period.code[:4])
    if period.code.endswith("HK2"):
        return get_period(PeriodKind.SEMESTER, semester_code(start_year, 1))
    return get_period(PeriodKind.SEMESTER, semester_code(start_year - 1, 2))


def current_periods(today: datetime.date) -> list[Period]:
    """The month, semester (if any) and school year containing today."""
    periods = [
        get_period(PeriodKind.MONTH, month_code(today)),
        get_period(PeriodKind.SCHOOL_YEAR, school_year_code(school_year_of(today))),
    ]
    semester = semester_of(today)
    if semester:
        periods.insert(1, get_period(PeriodKind.SEMESTER, semester))
    return periods
