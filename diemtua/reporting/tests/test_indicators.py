"""Every indicator against an independent count of the demo's raw records.

The expected values below are written on purpose unlike reporting/indicators: plain Python over
model instances (no GROUP BY, no helpers of base.py), so a wrong query and a wrong expectation
would have to be wrong in the same way for a test to pass.
"""

import datetime
import statistics
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from diemtua.activities.models import CAMPAIGN_KINDS, Activity
from diemtua.cases.models import (
    Case,
    HelpRequest,
    SafeguardingAlert,
    Session,
    Stage,
    StageChange,
)
from diemtua.directives.models import Assignment
from diemtua.funding.models import BudgetLine
from diemtua.orgs.models import OrgKind, OrgUnit
from diemtua.programs.models import DesignatedStaff, Program
from diemtua.referrals.models import Referral
from diemtua.reporting import rollup
from diemtua.reporting.indicators import DIMENSIONS, all_indicators, get
from diemtua.reporting.indicators.base import Kind, median_of_buckets
from diemtua.reporting.models import (
    IndicatorValue,
    PeriodKind,
    Report,
    ReportKind,
    ReportStatus,
    StaleUnit,
)
from diemtua.reporting.periods import current_periods, get_period, month_code, program_period
from diemtua.screening.models import Response
from diemtua.trainings.models import Participant
from diemtua.visits.models import FollowUpAction, Visit

pytestmark = pytest.mark.django_db

CODES = [
    "help_requests",
    "students_counseled",
    "sessions",
    "group_participants",
    "cases_opened",
    "cases_closed",
    "cases_open_at_start",
    "cases_open_at_end",
    "days_to_first_contact",
    "referrals_sent",
    "referrals_accepted",
    "referrals_completed",
    "referrals_successful",
    "safeguarding_alerts",
    "hours_to_acknowledge",
    "cp_reports_due",
    "cp_reports_on_time",
    "activities_held",
    "activity_participants",
    "campaign_reach",
    "screenings_done",
    "screening_flags",
    "staff_designated",
    "staff_trained",
    "training_hours",
    "schools_with_team",
    "schools_with_private_room",
    "schools_with_plan",
    "visits_held",
    "followups_due",
    "followups_resolved",
    "directive_tasks_due",
    "directive_tasks_on_time",
    "funding_planned",
    "funding_spent",
]


@pytest.fixture(scope="module")
def periods(seeded_demo, django_db_blocker):
    """The current school year, semester and month, and the 2024 pilot (and two months more),
    freshly refreshed."""
    with django_db_blocker.unblock():
        today = timezone.localdate()
        chosen = {p.kind: p for p in current_periods(today)}
        chosen["program"] = program_period(Program.objects.get(code="thi-diem-2024"))
        # Two more months, where the demo's cases open and close (stocks at month ends).
        previous = chosen["month"].starts_on - datetime.timedelta(days=1)
        chosen["previous_month"] = get_period(PeriodKind.MONTH, month_code(previous))
        chosen["pilot_month"] = get_period(PeriodKind.MONTH, "2024-04")
        for period in chosen.values():
            rollup.refresh_period(period)
        return chosen


def _all(periods):
    kinds = ("school_year", "semester", "month", "program", "previous_month", "pilot_month")
    return [periods[k] for k in kinds if k in periods]


# --- independent counts -----------------------------------------------------------------------


def _local(moment):
    return timezone.localdate(moment) if moment is not None else None


def _inside(day, period):
    return day is not None and period.starts_on <= day <= period.ends_on


class Tally:
    """{(unit, key): Decimal} built one record at a time."""

    def __init__(self):
        self.values = defaultdict(Decimal)

    def add(self, unit, amount=1, **dims):
        amount = Decimal(amount)
        if not amount:
            return
        self.values[(unit, "")] += amount
        for code, value in dims.items():
            self.values[(unit, f"{code}={value if value not in (None, '') else 'unknown'}")] += (
                amount
            )

    def result(self):
        return {key: value for key, value in self.values.items() if value}


def _gender_of(student):
    return student.gender if student is not None else "unknown"


def exp_help_requests(period):
    t = Tally()
    for r in HelpRequest.objects.all():
        if _inside(_local(r.created_at), period):
            t.add(r.school_id, channel=r.channel, anonymous="yes" if r.is_anonymous else "no")
    return t.result()


def _sessions(period):
    return [
        s
        for s in Session.objects.select_related("case__student").prefetch_related("students")
        if _inside(_local(s.held_at), period)
    ]


def exp_students_counseled(period):
    people = defaultdict(dict)
    for s in _sessions(period):
        for student in s.students.all():
            people[s.school_id][("student", student.pk)] = student.gender
        if s.case.student is None:
            people[s.school_id][("case", s.case_id)] = "unknown"
    t = Tally()
    for school, found in people.items():
        for gender in found.values():
            t.add(school, gender=gender)
    return t.result()


def exp_sessions(period):
    t = Tally()
    for s in _sessions(period):
        t.add(s.school_id, form=s.form)
    return t.result()


def exp_group_participants(period):
    t = Tally()
    for s in _sessions(period):
        if s.form != "group":
            continue
        for student in s.students.all():
            t.add(s.school_id, gender=student.gender)
        if s.case.student is None:
            t.add(s.school_id, gender="unknown")
    return t.result()


def _cases():
    return list(Case.objects.select_related("student").prefetch_related("stage_changes"))


def exp_cases_opened(period):
    t = Tally()
    for c in _cases():
        if _inside(c.opened_on, period):
            t.add(c.school_id, gender=_gender_of(c.student))
    return t.result()


def exp_cases_closed(period):
    t = Tally()
    for c in _cases():
        if any(
            ch.to_stage == Stage.CLOSED and _inside(_local(ch.changed_at), period)
            for ch in c.stage_changes.all()
        ):
            t.add(c.school_id, gender=_gender_of(c.student), outcome=c.outcome)
    return t.result()


def _open_at(c, day):
    if c.opened_on > day:
        return False
    changes = sorted(c.stage_changes.all(), key=lambda ch: (ch.changed_at, ch.pk))
    until = [ch for ch in changes if _local(ch.changed_at) <= day]
    return (until[-1].to_stage if until else Stage.RECEIVED) != Stage.CLOSED


def exp_cases_open_at_start(period):
    t = Tally()
    for c in _cases():
        if _open_at(c, period.starts_on - datetime.timedelta(days=1)):
            t.add(c.school_id, gender=_gender_of(c.student))
    return t.result()


def exp_cases_open_at_end(period):
    t = Tally()
    for c in _cases():
        if _open_at(c, period.ends_on):
            t.add(c.school_id, gender=_gender_of(c.student))
    return t.result()


def raw_days_to_first_contact(period):
    measures = defaultdict(list)
    for r in HelpRequest.objects.all():
        if not _inside(_local(r.created_at), period):
            continue
        answered = [m for m in (r.handled_at, r.replied_at) if m is not None]
        if answered:
            measures[r.school_id].append(
                max((_local(min(answered)) - _local(r.created_at)).days, 0)
            )
    return measures


def raw_hours_to_acknowledge(period):
    measures = defaultdict(list)
    for a in SafeguardingAlert.objects.all():
        if a.acknowledged_at and _inside(_local(a.raised_at), period):
            hours = int((a.acknowledged_at - a.raised_at).total_seconds() // 3600)
            measures[a.school_id].append(max(hours, 0))
    return measures


def _buckets(raw):
    t = Tally()
    for unit, measures in raw.items():
        for m in measures:
            t.add(unit, bucket=m)
    return t.result()


def exp_days_to_first_contact(period):
    return _buckets(raw_days_to_first_contact(period))


def exp_hours_to_acknowledge(period):
    return _buckets(raw_hours_to_acknowledge(period))


def _referrals(period, moment, keep):
    t = Tally()
    for r in Referral.objects.all():
        if keep(r) and _inside(_local(getattr(r, moment)), period):
            t.add(r.school_id, referral_urgency=r.urgency)
    return t.result()


def exp_referrals_sent(period):
    return _referrals(period, "sent_at", lambda r: True)


def exp_referrals_accepted(period):
    return _referrals(period, "responded_at", lambda r: r.status in ("accepted", "closed"))


def exp_referrals_completed(period):
    return _referrals(period, "closed_at", lambda r: r.status == "closed")


def exp_referrals_successful(period):
    return _referrals(
        period, "closed_at", lambda r: r.status == "closed" and r.outcome == "successful"
    )


def exp_safeguarding_alerts(period):
    t = Tally()
    for a in SafeguardingAlert.objects.all():
        if _inside(_local(a.raised_at), period):
            t.add(a.school_id, alert_reason=a.reason)
    return t.result()


def exp_cp_reports_due(period):
    t = Tally()
    for a in SafeguardingAlert.objects.all():
        if _inside(_local(a.report_due_at), period):
            t.add(a.school_id)
    return t.result()


def exp_cp_reports_on_time(period):
    t = Tally()
    for a in SafeguardingAlert.objects.prefetch_related("reports"):
        if _inside(_local(a.report_due_at), period) and any(
            r.reported_at <= a.report_due_at for r in a.reports.all()
        ):
            t.add(a.school_id)
    return t.result()


def _activities(period):
    return [a for a in Activity.objects.all() if _inside(a.held_on, period)]


def exp_activities_held(period):
    t = Tally()
    for a in _activities(period):
        t.add(a.org_unit_id, activity_kind=a.kind)
    return t.result()


def exp_activity_participants(period):
    t = Tally()
    for a in _activities(period):
        t.add(a.org_unit_id, a.male_count, gender="male", activity_kind=a.kind)
        t.add(a.org_unit_id, a.female_count, gender="female", activity_kind=a.kind)
    return t.result()


def exp_campaign_reach(period):
    t = Tally()
    for a in _activities(period):
        if a.kind in CAMPAIGN_KINDS and a.reach:
            t.add(a.org_unit_id, a.reach, reach_measure=a.reach_measure)
    return t.result()


def _screenings(period):
    return [
        r
        for r in Response.objects.select_related(
            "administration", "version__instrument", "participant__student"
        )
        if r.administration is not None
        and r.version.instrument.kind == "screening"
        and _inside(_local(r.submitted_at), period)
    ]


def exp_screenings_done(period):
    t = Tally()
    for r in _screenings(period):
        student = r.participant.student if r.participant else None
        t.add(r.administration.school_id, gender=_gender_of(student))
    return t.result()


def exp_screening_flags(period):
    t = Tally()
    for r in _screenings(period):
        if r.flags:
            student = r.participant.student if r.participant else None
            t.add(r.administration.school_id, gender=_gender_of(student))
    return t.result()


def exp_staff_designated(period):
    people = defaultdict(dict)
    for d in DesignatedStaff.objects.select_related("enrolment__program"):
        e, program = d.enrolment, d.enrolment.program
        spans = [
            (d.since, d.until),
            (e.enrolled_on, e.left_on),
            (program.starts_on, program.ends_on),
        ]
        if not all(
            start <= period.ends_on and (end is None or end >= period.starts_on)
            for start, end in spans
        ):
            continue
        if period.kind == PeriodKind.PROGRAM and program.pk != period.program_id:
            continue
        who = d.user_id or d.full_name.strip().lower()
        previous = people[e.school_id].get(who)
        if previous is None or (d.since, d.pk) > (previous.since, previous.pk):
            people[e.school_id][who] = d
    t = Tally()
    for school, found in people.items():
        for d in found.values():
            t.add(school, employment=d.employment)
    return t.result()


def _participations(period):
    return [
        p
        for p in Participant.objects.select_related("training")
        if p.attendance in ("attended", "partial") and _inside(p.training.starts_on, period)
    ]


def exp_staff_trained(period):
    people = defaultdict(set)
    for p in _participations(period):
        people[p.unit_id].add(p.person_key)
    t = Tally()
    for unit, keys in people.items():
        t.add(unit, len(keys))
    return t.result()


def exp_training_hours(period):
    t = Tally()
    for p in _participations(period):
        t.add(p.unit_id, p.credited_hours(), training_mode=p.training.mode)
    return t.result()


def _readiness(criterion, period):
    t = Tally()
    visits = defaultdict(list)
    for v in Visit.objects.select_related("checklist", "school").prefetch_related("scores"):
        if v.status == "completed" and v.visited_on <= period.ends_on:
            scores = {s.criterion: s.score for s in v.scores.all()}
            if scores.get(criterion) is not None:
                visits[v.school].append(v)
    for school, found in visits.items():
        latest = max(found, key=lambda v: (v.visited_on, v.completed_at, v.pk))
        top = next(c["max_score"] for c in latest.checklist.criteria if c["code"] == criterion)
        if {s.criterion: s.score for s in latest.scores.all()}[criterion] == top:
            t.add(school.pk, school_level=school.school_level)
    return t.result()


def exp_schools_with_team(period):
    return _readiness("team", period)


def exp_schools_with_private_room(period):
    return _readiness("room", period)


def exp_schools_with_plan(period):
    return _readiness("plan", period)


def exp_visits_held(period):
    t = Tally()
    for v in Visit.objects.all():
        if v.status == "completed" and _inside(v.visited_on, period):
            t.add(v.school_id, visit_kind=v.kind)
    return t.result()


def _followups(period):
    return [
        a
        for a in FollowUpAction.objects.select_related("visit")
        if a.visit.status == "completed" and _inside(a.due_on, period)
    ]


def exp_followups_due(period):
    t = Tally()
    for a in _followups(period):
        t.add(a.visit.school_id)
    return t.result()


def exp_followups_resolved(period):
    t = Tally()
    for a in _followups(period):
        if a.status == "verified":
            t.add(a.visit.school_id)
    return t.result()


def _assignments(period):
    return [
        a
        for a in Assignment.objects.select_related("task__directive")
        if a.task.directive.status == "sent" and _inside(a.task.deadline, period)
    ]


def exp_directive_tasks_due(period):
    t = Tally()
    for a in _assignments(period):
        t.add(a.unit_id)
    return t.result()


def exp_directive_tasks_on_time(period):
    t = Tally()
    for a in _assignments(period):
        if a.submitted_on is not None and a.submitted_on <= a.task.deadline:
            t.add(a.unit_id)
    return t.result()


def _budget(period, field):
    t = Tally()
    if period.kind == PeriodKind.MONTH:
        return {}
    for line in BudgetLine.objects.all():
        year_first = datetime.date(line.fiscal_year, 1, 1)
        year_last = datetime.date(line.fiscal_year, 12, 31)
        if year_first > period.ends_on or year_last < period.starts_on:
            continue
        if period.kind == PeriodKind.PROGRAM and line.program_id != period.program_id:
            continue
        t.add(line.unit_id, getattr(line, field), funding_source=line.source)
    return t.result()


def exp_funding_planned(period):
    return _budget(period, "planned")


def exp_funding_spent(period):
    return _budget(period, "spent")


EXPECTED = {code: globals()[f"exp_{code}"] for code in CODES}


def _stored(period, code):
    return {
        (v.org_unit_id, v.disaggregation): v.value
        for v in IndicatorValue.objects.filter(period=period, indicator=code)
    }


def _compared(expected, stored):
    """The stored rows of the keys the independent count checks (its dimensions)."""
    prefixes = {key.split("=")[0] for _unit, key in expected if key}
    return {
        (unit, key): value
        for (unit, key), value in stored.items()
        if key == "" or key.split("=")[0] in prefixes
    }


# --- the tests ----------------------------------------------------------------------------------


def test_the_fixed_list_is_defined_once_in_order_with_vietnamese_texts():
    indicators = all_indicators()
    assert [i.code for i in indicators] == CODES
    sections = []
    for indicator in indicators:
        for text in (indicator.name, indicator.description, indicator.section):
            text = str(text)
            assert text.strip()
            # Vietnamese: every text carries the language's diacritics.
            assert any(ch.isalpha() and not ch.isascii() for ch in text), text
        assert len(str(indicator.description)) > 60, indicator.code
        for dimension in indicator.dimensions:
            assert dimension in DIMENSIONS
            assert str(DIMENSIONS[dimension].label)
            assert isinstance(DIMENSIONS[dimension].labels(), dict)
        assert indicator.kind in (Kind.COUNT, Kind.AMOUNT, Kind.DISTRIBUTION)
        if not sections or sections[-1] != str(indicator.section):
            sections.append(str(indicator.section))
    # Sections come in one block each, in the dashboard's order.
    assert len(sections) == len(set(sections)) == 11
    assert get("training_hours").kind == Kind.AMOUNT
    assert get("funding_spent").kind == get("funding_planned").kind == Kind.AMOUNT
    assert get("days_to_first_contact").kind == get("hours_to_acknowledge").kind
    assert get("hours_to_acknowledge").kind == Kind.DISTRIBUTION
    # Children and help-seeking are suppressed above the school; schools and staff are not.
    assert get("students_counseled").sensitive and get("cp_reports_due").sensitive
    assert not get("schools_with_team").sensitive and not get("staff_designated").sensitive
    assert not get("directive_tasks_due").sensitive and not get("visits_held").sensitive


@pytest.mark.parametrize("code", CODES)
def test_every_unit_matches_an_independent_count_of_the_raw_records(periods, code):
    checked = 0
    for period in _all(periods):
        expected = EXPECTED[code](period)
        stored = _stored(period, code)
        assert _compared(expected, stored) == expected, (code, period.code)
        checked += len(expected)
    # Every indicator has something to compare in one of the four periods of the demo, so a
    # compute that returns nothing cannot pass against an expectation that finds nothing.
    assert checked, code


def _at(day, hour, minute):
    tz = timezone.get_current_timezone()
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=tz)


def test_records_on_the_edges_of_a_period_count_in_it_and_not_next_door(periods):
    """Records moved onto the first and last day of a month (late at night, local time, when
    UTC is still the day before) count in that month only; stocks turn on the right day."""
    month = periods["previous_month"]
    first, last = month.starts_on, month.ends_on
    before = get_period(PeriodKind.MONTH, month_code(first - datetime.timedelta(days=1)))
    after = get_period(PeriodKind.MONTH, month_code(last + datetime.timedelta(days=1)))
    school = next(
        s
        for s in OrgUnit.objects.filter(kind=OrgKind.SCHOOL).order_by("pk")
        if s.cases.filter(opened_on__lt=first).count() > 1
    )
    closing, opening = list(Case.objects.filter(school=school, opened_on__lt=first))[:2]
    # One case's history becomes: received when it opened, closed at 23:30 on the last day.
    StageChange.objects.filter(case=closing).delete()
    for to_stage, moment in (
        (Stage.RECEIVED, _at(closing.opened_on, 8, 0)),
        (Stage.CLOSED, _at(last, 23, 30)),
    ):
        StageChange.objects.create(
            case=closing, to_stage=to_stage, changed_at=moment, changed_by=closing.opened_by
        )
    # Another opens on the first day, just after midnight.
    Case.objects.filter(pk=opening.pk).update(opened_on=first)
    StageChange.objects.filter(case=opening).update(changed_at=_at(first, 0, 10))
    request = HelpRequest.objects.filter(school=school).first()
    HelpRequest.objects.filter(pk=request.pk).update(
        created_at=_at(first, 0, 15), handled_at=_at(last, 23, 50), replied_at=None
    )
    session = Session.objects.filter(school=school).first()
    Session.objects.filter(pk=session.pk).update(held_at=_at(last, 23, 55))
    for period in (before, month, after):
        rollup.refresh_period(period, [school.pk])
    for period in (before, month, after):
        for code in CODES:
            expected = {k: v for k, v in EXPECTED[code](period).items() if k[0] == school.pk}
            stored = {k: v for k, v in _stored(period, code).items() if k[0] == school.pk}
            assert _compared(expected, stored) == expected, (code, period.code)
    # What the edges mean, said plainly.
    closed_in = {
        p.code for p in (before, month, after) if (school.pk, "") in _stored(p, "cases_closed")
    }
    assert month.code in closed_in
    opened = _stored(month, "cases_opened")[(school.pk, "")]
    assert opened == sum(
        1 for c in Case.objects.filter(school=school) if _inside(c.opened_on, month)
    )
    buckets = _stored(month, "days_to_first_contact")
    assert buckets[(school.pk, f"bucket={(last - first).days}")] >= 1


def test_every_demo_school_is_compared(periods):
    """The comparison above covers each school: a school with no stored row for an indicator
    has no record either (both sides are empty), and some schools have values."""
    schools = set(OrgUnit.objects.filter(kind=OrgKind.SCHOOL).values_list("pk", flat=True))
    year = periods["school_year"]
    with_values = set(
        IndicatorValue.objects.filter(period=year, org_unit_id__in=schools).values_list(
            "org_unit_id", flat=True
        )
    )
    assert len(with_values) >= 18


def test_additive_dimensions_add_up_to_the_total(periods):
    for period in _all(periods):
        for indicator in all_indicators():
            if indicator.kind == Kind.DISTRIBUTION:
                continue
            stored = _stored(period, indicator.code)
            for dimension in indicator.dimensions:
                if not DIMENSIONS[dimension].additive:
                    continue
                sums = defaultdict(Decimal)
                for (unit, key), value in stored.items():
                    if key.startswith(f"{dimension}="):
                        sums[unit] += value
                totals = {unit: v for (unit, key), v in stored.items() if key == ""}
                assert dict(sums) == totals, (indicator.code, dimension, period.code)


def test_medians_of_buckets_equal_the_median_of_the_raw_measures(periods):
    raws = {
        "days_to_first_contact": raw_days_to_first_contact,
        "hours_to_acknowledge": raw_hours_to_acknowledge,
    }
    compared = 0
    for code, raw_of in raws.items():
        for period in _all(periods):
            raw = raw_of(period)
            stored = _stored(period, code)
            everywhere = defaultdict(Decimal)
            for unit, measures in raw.items():
                buckets = {
                    int(key.split("=")[1]): value
                    for (u, key), value in stored.items()
                    if u == unit and key.startswith("bucket=")
                }
                assert median_of_buckets(buckets) == Decimal(str(statistics.median(measures)))
                for measure, count in buckets.items():
                    everywhere[measure] += count
                compared += 1
            # Summed over every school (what a province or the nation shows).
            all_measures = [m for measures in raw.values() for m in measures]
            if all_measures:
                assert median_of_buckets(everywhere) == Decimal(
                    str(statistics.median(all_measures))
                )
    assert compared


def test_each_compute_reads_grouped_rows_not_one_query_per_record(periods):
    """A national refresh touches 40,000 schools: the number of queries of an indicator must
    not grow with the number of schools or records (the demo has hundreds of them)."""
    for indicator in all_indicators():
        with CaptureQueriesContext(connection) as queries:
            list(indicator.compute(periods["school_year"], None))
        assert len(queries) <= 8, (indicator.code, len(queries))


def test_refresh_of_some_units_replaces_only_their_rows(periods):
    month = periods["month"]
    school_a, school_b = [
        s for s in OrgUnit.objects.filter(kind=OrgKind.SCHOOL).order_by("pk") if s.cases.exists()
    ][:2]
    for school in (school_a, school_b):
        IndicatorValue.objects.filter(org_unit=school, period=month, indicator="sessions").delete()
        IndicatorValue.objects.create(
            org_unit=school, period=month, indicator="sessions", value=999
        )
    rollup.refresh_period(month, [school_a.pk])
    expected_a = exp_sessions(month).get((school_a.pk, ""))
    stored = _stored(month, "sessions")
    assert stored.get((school_a.pk, "")) == expected_a
    assert stored[(school_b.pk, "")] == 999  # not refreshed: left as it was


def test_an_approved_report_locks_its_unit_and_period(periods):
    semester = periods["semester"]
    before = semester.starts_on
    school, other = [
        s
        for s in OrgUnit.objects.filter(kind=OrgKind.SCHOOL).order_by("pk")
        if s.cases.filter(opened_on__lt=before).exists()
    ][:2]
    Report.objects.create(
        kind=ReportKind.SCHOOL_SEMESTER,
        org_unit=school,
        period=semester,
        status=ReportStatus.APPROVED,
    )
    approved = _stored(semester, "cases_opened")
    # Records change after approval: an older case is redated into the semester at both.
    for unit in (school, other):
        case = Case.objects.filter(school=unit, opened_on__lt=before).first()
        Case.objects.filter(pk=case.pk).update(opened_on=before)
    assert exp_cases_opened(semester)[(school.pk, "")] == approved.get((school.pk, ""), 0) + 1
    IndicatorValue.objects.filter(org_unit=other, period=semester).update(value=777)
    rollup.refresh_period(semester)
    after = _stored(semester, "cases_opened")
    mine = {k: v for k, v in after.items() if k[0] == school.pk}
    assert mine == {k: v for k, v in approved.items() if k[0] == school.pk}
    # The other school is recomputed from its records (no 777 left, its new case counted).
    assert after[(other.pk, "")] == exp_cases_opened(semester)[(other.pk, "")]
    assert after[(other.pk, "")] == approved.get((other.pk, ""), 0) + 1


@pytest.fixture
def marks(settings, django_capture_on_commit_callbacks):
    settings.DIEMTUA_INDICATORS_AUTO_REFRESH = False
    StaleUnit.objects.all().delete()

    def saved(instance):
        with django_capture_on_commit_callbacks(execute=True):
            instance.save()
        found = {m.org_unit_id: m.since for m in StaleUnit.objects.all()}
        StaleUnit.objects.all().delete()
        return found

    return saved


def test_writes_mark_the_unit_stale_from_the_earliest_day_they_change(periods, marks):
    today = timezone.localdate()
    old_case = Case.objects.filter(opened_on__lt=today - datetime.timedelta(days=60)).first()
    # Closing or reopening changes "open at period end" for every period since it opened.
    change = StageChange.objects.filter(case=old_case).last()
    assert marks(change) == {old_case.school_id: old_case.opened_on}
    assert marks(old_case) == {old_case.school_id: old_case.opened_on}

    session = Session.objects.first()
    assert marks(session) == {session.school_id: timezone.localdate(session.held_at)}

    activity = Activity.objects.exclude(org_unit__kind=OrgKind.SCHOOL).first()
    assert marks(activity) == {activity.org_unit_id: activity.held_on}

    # Next year's budget still changes the current school year: marked from today.
    line = BudgetLine.objects.first()
    line.fiscal_year = today.year + 1
    assert marks(line) == {line.unit_id: today}
    line.fiscal_year = 2024
    assert marks(line) == {line.unit_id: datetime.date(2024, 1, 1)}

    score = Visit.objects.filter(status="completed").first().scores.first()
    assert marks(score) == {score.visit.school_id: score.visit.visited_on}

    # A staff survey's answers are not a class screening: nothing to mark.
    survey_answer = Response.objects.filter(administration__isnull=True).first()
    assert marks(survey_answer) == {}


def test_the_stale_refresh_brings_a_change_into_the_values(periods, marks):
    """End to end: a new session marks its school; the stale refresh recomputes it."""
    month = periods["month"]
    session = next(s for s in Session.objects.all() if _inside(_local(s.held_at), month))
    before = _stored(month, "sessions")[(session.school_id, "")]
    session.pk = None
    assert marks(session) == {session.school_id: timezone.localdate(session.held_at)}
    StaleUnit.objects.create(
        org_unit_id=session.school_id, since=timezone.localdate(session.held_at)
    )
    rollup.refresh_stale()
    assert _stored(month, "sessions")[(session.school_id, "")] == before + 1
    assert not StaleUnit.objects.exists()
