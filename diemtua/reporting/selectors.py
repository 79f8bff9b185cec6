"""Reads of reports for users: their lists, the periods they may start a report for, the
schools a unit answered for in a period, and the completeness and timeliness tracker.

Scopes come from the user's memberships (accounts.access); object access for one report is
reporting.access.get_report_for_user.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from diemtua.accounts import access as account_access
from diemtua.accounts.roles import Role
from diemtua.orgs.models import OrgKind, OrgUnit, OrgUnitAncestor

from . import access
from .aggregate import children_on
from .history import TreeOnDay, tree_on
from .models import Period, PeriodKind, Report, ReportEventKind, ReportKind, ReportStatus
from .periods import get_period, school_year_code, school_year_of, semester_code, semester_of

# The report each kind of unit writes.
KIND_FOR_UNIT = {
    OrgKind.SCHOOL: ReportKind.SCHOOL_SEMESTER,
    OrgKind.DEPARTMENT: ReportKind.PROVINCE,
    OrgKind.MINISTRY: ReportKind.PILOT_EVALUATION,
}
# The periods each kind of report is written for.
PERIOD_KINDS_FOR = {
    ReportKind.SCHOOL_SEMESTER: {PeriodKind.SEMESTER},
    ReportKind.PROVINCE: {PeriodKind.SEMESTER, PeriodKind.SCHOOL_YEAR},
    ReportKind.PILOT_EVALUATION: {PeriodKind.PROGRAM},
}
REPORT_LIST_LIMIT = 100


def _related(qs: QuerySet) -> QuerySet:
    return qs.select_related("org_unit", "period", "period__program")


def reports_for(*, fetched_by) -> QuerySet:
    """The reports of the units the user works at (their own unit's reports)."""
    units = {
        m.org_unit_id
        for m in account_access.memberships(fetched_by)
        if m.role in access.DASHBOARD_ROLES
    }
    return _related(Report.objects.filter(org_unit_id__in=units))[:REPORT_LIST_LIMIT]


def _deciding_filter(user) -> Q | None:
    query = None
    for m in account_access.memberships(user):
        if m.role in (Role.COMMUNE_OFFICER, Role.DEPARTMENT_OFFICER):
            part = Q(
                kind=ReportKind.SCHOOL_SEMESTER, org_unit__ancestor_links__ancestor=m.org_unit_id
            )
        elif m.role == Role.MINISTRY_OFFICER:
            part = Q(kind=ReportKind.PROVINCE, org_unit__ancestor_links__ancestor=m.org_unit_id)
        else:
            continue
        query = part if query is None else query | part
    return query


def waiting_for(*, fetched_by) -> QuerySet:
    """Submitted reports the user may approve or return (the level above them)."""
    query = _deciding_filter(fetched_by)
    if query is None:
        return Report.objects.none()
    return _related(
        Report.objects.filter(query, status=ReportStatus.SUBMITTED)
        .exclude(org_unit_id__in=[m.org_unit_id for m in account_access.memberships(fetched_by)])
        .distinct()
        .order_by("submitted_at")
    )[:REPORT_LIST_LIMIT]


def decided_recently(*, fetched_by) -> QuerySet:
    """Reports below the user that were returned or approved, newest first (drafts stay with
    the unit writing them)."""
    query = _deciding_filter(fetched_by)
    if query is None:
        return Report.objects.none()
    return _related(
        Report.objects.filter(query, status__in=[ReportStatus.RETURNED, ReportStatus.APPROVED])
        .distinct()
        .order_by("-decided_at")
    )[:20]


def events_of(report) -> list:
    return list(report.events.select_related("by").order_by("at", "pk"))


def last_return(report):
    """The comment the level above wrote when it last returned the report (shown to the unit)."""
    return report.events.filter(kind=ReportEventKind.RETURNED).select_related("by").last()


# --- periods -----------------------------------------------------------------------------------


def recent_semesters(today: datetime.date, count: int = 4) -> list[Period]:
    """The current semester (or, in the summer, the one that just ended) and those before."""
    code = semester_of(today) or semester_code(school_year_of(today), 2)
    year, number = int(code[:4]), int(code[-1])
    codes = []
    while len(codes) < count:
        codes.append(semester_code(year, number))
        year, number = (year, 1) if number == 2 else (year - 1, 2)
    # One query once they exist (this runs on every tracker and list page).
    found = {p.code: p for p in Period.objects.filter(code__in=codes)}
    return [found.get(c) or get_period(PeriodKind.SEMESTER, c) for c in codes]


def start_options(*, fetched_by, today: datetime.date | None = None) -> list[tuple]:
    """(unit, kind, [periods]) for every unit the user may write a report for."""
    from diemtua.programs.models import Program

    from .periods import program_period

    today = today or timezone.localdate()
    options = []
    seen = set()
    for m in account_access.memberships(fetched_by):
        unit = m.org_unit
        kind = KIND_FOR_UNIT.get(unit.kind)
        if kind is None or unit.pk in seen or not access.can_prepare(fetched_by, unit):
            continue
        seen.add(unit.pk)
        if kind == ReportKind.SCHOOL_SEMESTER:
            periods = recent_semesters(today)
        elif kind == ReportKind.PROVINCE:
            year = school_year_of(today)
            periods = recent_semesters(today) + [
                get_period(PeriodKind.SCHOOL_YEAR, school_year_code(year)),
                get_period(PeriodKind.SCHOOL_YEAR, school_year_code(year - 1)),
            ]
        else:
            periods = [program_period(p) for p in Program.objects.order_by("-starts_on")[:20]]
        options.append((unit, kind, periods))
    return options


def semesters_of(period: Period) -> list[Period]:
    """The school semesters a period covers: itself, or the two of a school year."""
    if period.kind == PeriodKind.SEMESTER:
        return [period]
    if period.kind == PeriodKind.SCHOOL_YEAR:
        return [get_period(PeriodKind.SEMESTER, f"{period.code}-HK{n}") for n in (1, 2)]
    return []


# --- schools a unit answered for ----------------------------------------------------------------


def _active_in(period: Period) -> Q:
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=period.ends_on)) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=period.starts_on)
    )


def schools_under(
    units: list[OrgUnit], period: Period, tree: TreeOnDay | None = None
) -> dict[int, list[OrgUnit]]:
    """{unit id: the schools under it during the period}, the tree as it was on the period's
    first day (orgs.PastPlacement): the 2024 Lũng Cú school belongs to Hà Giang's list for
    2024 although it sits under Tuyên Quang today. A few queries whatever the number of units."""
    tree = tree or tree_on(period.starts_on)
    moved = tree.moved_ids()
    unit_ids = [u.pk for u in units]
    result: dict[int, dict[int, OrgUnit]] = {pk: {} for pk in unit_ids}
    links = OrgUnitAncestor.objects.filter(
        ancestor_id__in=unit_ids, descendant__kind=OrgKind.SCHOOL
    ).select_related("descendant")
    links = links.filter(
        Q(descendant__valid_from__isnull=True) | Q(descendant__valid_from__lte=period.ends_on),
        Q(descendant__valid_to__isnull=True) | Q(descendant__valid_to__gte=period.starts_on),
    )
    for link in links:
        if link.descendant_id in moved and link.ancestor_id not in moved:
            continue  # it sat elsewhere then; added below where it was
        result[link.ancestor_id][link.descendant_id] = link.descendant
    wanted: dict[int, set[int]] = {}
    for pk in unit_ids:
        extra: set[int] = set()
        for moved_unit in tree.moved_units_under(pk):
            extra |= tree.moved_subtrees.get(moved_unit, {moved_unit})
        if extra:
            wanted[pk] = extra
    if wanted:
        every = set().union(*wanted.values())
        found = {
            s.pk: s
            for s in OrgUnit.objects.filter(_active_in(period), pk__in=every, kind=OrgKind.SCHOOL)
        }
        for pk, ids in wanted.items():
            for school_id in ids:
                if school_id in found:
                    result[pk][school_id] = found[school_id]
    return {
        pk: sorted(schools.values(), key=lambda s: s.search_name) for pk, schools in result.items()
    }


def pending_schools(report) -> list[OrgUnit]:
    """Schools under a province report's department whose semester report(s) for the period
    are not approved yet (bottom-up approval: the province waits for all of them)."""
    if report.kind != ReportKind.PROVINCE:
        return []
    pending: dict[int, OrgUnit] = {}
    for semester in semesters_of(report.period):
        schools = schools_under([report.org_unit], semester)[report.org_unit_id]
        approved = set(
            Report.objects.filter(
                kind=ReportKind.SCHOOL_SEMESTER,
                period=semester,
                status=ReportStatus.APPROVED,
                org_unit_id__in=[s.pk for s in schools],
            ).values_list("org_unit_id", flat=True)
        )
        for school in schools:
            if school.pk not in approved:
                pending[school.pk] = school
    return sorted(pending.values(), key=lambda s: s.search_name)


# --- the completeness and timeliness tracker ---------------------------------------------------


def due_on(period: Period) -> datetime.date:
    return period.ends_on + datetime.timedelta(days=settings.DIEMTUA_REPORT_DUE_DAYS)


@dataclass
class TrackerRow:
    unit: OrgUnit
    report: Report | None
    first_submitted: datetime.datetime | None
    due: datetime.date
    today: datetime.date
    # For a province row (the Ministry's view): its schools' counts.
    schools: int = 0
    submitted: int = 0
    on_time_count: int = 0
    approved: int = 0

    @property
    def status_label(self) -> str:
        from django.utils.translation import gettext as _

        if self.report is None:
            return _("Chưa lập")
        return self.report.get_status_display()

    @property
    def status(self) -> str:
        return self.report.status if self.report else ""

    @property
    def on_time(self) -> bool | None:
        """True: first sent by the due date; False: sent late, or not sent and overdue;
        None: not sent and not due yet."""
        if self.first_submitted is not None:
            return timezone.localtime(self.first_submitted).date() <= self.due
        return False if self.today > self.due else None

    def percent(self, count: int) -> int | None:
        return round(100 * count / self.schools) if self.schools else None


@dataclass
class Tracker:
    unit: OrgUnit
    period: Period
    due: datetime.date
    rows: list[TrackerRow] = field(default_factory=list)
    provinces: list[TrackerRow] = field(default_factory=list)
    schools: int = 0
    submitted: int = 0
    on_time: int = 0
    approved: int = 0
    predecessors: list[OrgUnit] = field(default_factory=list)

    def percent(self, count: int) -> int | None:
        return round(100 * count / self.schools) if self.schools else None

    @property
    def percent_submitted(self):
        return self.percent(self.submitted)

    @property
    def percent_on_time(self):
        return self.percent(self.on_time)

    @property
    def percent_approved(self):
        return self.percent(self.approved)


def _with_first_submission(qs: QuerySet) -> QuerySet:
    return qs.annotate(
        first_submitted=Min("events__at", filter=Q(events__kind=ReportEventKind.SUBMITTED))
    )


def tracker(*, fetched_by, unit: OrgUnit, period: Period, today=None) -> Tracker:
    """Each school under `unit` with its semester report's status, first submission and
    whether it came on time; for the Ministry, each province with its own report and its
    schools' counts. The number of queries does not grow with the number of schools."""
    today = today or timezone.localdate()
    due = due_on(period)
    result = Tracker(unit=unit, period=period, due=due)
    result.predecessors = list(unit.predecessors.all())
    tree = tree_on(period.starts_on)
    if unit.kind == OrgKind.MINISTRY:
        provinces = [c for c in children_on(unit, period, tree) if c.kind == OrgKind.DEPARTMENT]
        by_unit = schools_under(provinces, period, tree)
    else:
        provinces = []
        by_unit = schools_under([unit], period, tree)
    every_school = {s.pk: s for schools in by_unit.values() for s in schools}
    reports = {
        r.org_unit_id: r
        for r in _with_first_submission(
            Report.objects.filter(
                kind=ReportKind.SCHOOL_SEMESTER, period=period, org_unit_id__in=list(every_school)
            )
        )
    }

    def school_row(school):
        report = reports.get(school.pk)
        return TrackerRow(
            unit=school,
            report=report,
            first_submitted=getattr(report, "first_submitted", None),
            due=due,
            today=today,
        )

    if unit.kind == OrgKind.MINISTRY:
        province_reports = {
            r.org_unit_id: r
            for r in _with_first_submission(
                Report.objects.filter(
                    kind=ReportKind.PROVINCE,
                    period=period,
                    org_unit_id__in=[p.pk for p in provinces],
                )
            )
        }
        for province in provinces:
            rows = [school_row(s) for s in by_unit[province.pk]]
            report = province_reports.get(province.pk)
            row = TrackerRow(
                unit=province,
                report=report,
                first_submitted=getattr(report, "first_submitted", None),
                due=due,
                today=today,
                schools=len(rows),
                submitted=sum(r.first_submitted is not None for r in rows),
                on_time_count=sum(r.on_time is True for r in rows),
                approved=sum(r.status == ReportStatus.APPROVED for r in rows),
            )
            if row.schools or report is not None:
                result.provinces.append(row)
        school_rows = [school_row(s) for s in every_school.values()]
    else:
        school_rows = [school_row(s) for s in by_unit[unit.pk]]
        result.rows = school_rows
    result.schools = len(school_rows)
    result.submitted = sum(r.first_submitted is not None for r in school_rows)
    result.on_time = sum(r.on_time is True for r in school_rows)
    result.approved = sum(r.status == ReportStatus.APPROVED for r in school_rows)
    return result


def tracker_units(*, fetched_by) -> list[OrgUnit]:
    """The units whose tracker the user starts from (their commune, department, Ministry)."""
    return [
        m.org_unit for m in account_access.memberships(fetched_by) if m.role in access.OFFICER_ROLES
    ]
