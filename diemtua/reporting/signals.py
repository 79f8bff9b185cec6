"""Mark a unit's indicators stale when the records they count change (debounced refresh).

Every save or delete of a source record registers, after the transaction commits, a StaleUnit
mark (unit, earliest affected day). The first mark in a quiet spell schedules
`reporting.refresh_stale` DIEMTUA_INDICATORS_DEBOUNCE_SECONDS later, so a counselor's busy
hour costs one recomputation, not one per click. Without a Celery worker (the embedded
`make demo` set-up, DIEMTUA_INDICATORS_AUTO_REFRESH off) the marks wait for
`manage.py refresh_indicators --stale` or the dashboard's "Cập nhật ngay" button.

SOURCES says, for each model an indicator reads, which unit and which day a record touches.
"""

import datetime
from contextlib import contextmanager
from contextvars import ContextVar

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

SCHEDULED_KEY = "reporting:refresh-scheduled"
_paused: ContextVar[bool] = ContextVar("reporting_signals_paused", default=False)


def _day(value) -> datetime.date | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


def _upto_today(day) -> datetime.date | None:
    """A future day (a deadline, next year's budget) still changes the current school year
    and semester: mark from today, or the refresh would find no period to recompute."""
    day = _day(day)
    return None if day is None else min(day, timezone.localdate())


def _fiscal_year(line) -> datetime.date:
    # Fiscal year = calendar year; every period overlapping it ends on or after 01/01.
    return _upto_today(datetime.date(line.fiscal_year, 1, 1))


# model label → function(instance) → (unit id, day), a list of them, or None. The day is the
# earliest one whose
# values the record can change, given how reporting/indicators counts it: a stock (cases open
# at a period's end, schools with a team) changes from the record's first day on.
# Known limit: a record whose date moves later leaves its old period to the nightly refresh.
SOURCES = {
    "cases.HelpRequest": lambda r: (r.school_id, _day(r.created_at)),
    # Opened, closed (through its stage changes) and open at every period end since it opened.
    "cases.Case": lambda c: (c.school_id, c.opened_on),
    "cases.StageChange": lambda s: (s.case.school_id, s.case.opened_on),
    # Its students (M2M) are set in the same transaction as the save that marks it.
    "cases.Session": lambda s: (s.school_id, _day(s.held_at)),
    # Counted by the day raised; report_due_at and the acknowledgement come later.
    "cases.SafeguardingAlert": lambda a: (a.school_id, _day(a.raised_at)),
    "cases.ChildProtectionReport": lambda r: (r.alert.school_id, _day(r.alert.raised_at)),
    # Sent first; accepted and closed later.
    "referrals.Referral": lambda r: (r.school_id, _day(r.sent_at)),
    "activities.Activity": lambda a: (a.org_unit_id, _upto_today(a.held_on)),
    # Only class screenings (surveys of schools and staff have no administration).
    "screening.Response": lambda r: (
        (r.administration.school_id, _day(r.submitted_at)) if r.administration_id else None
    ),
    "programs.Enrolment": lambda e: (e.school_id, _upto_today(e.enrolled_on)),
    "programs.DesignatedStaff": lambda d: (d.enrolment.school_id, _upto_today(d.since)),
    "trainings.Participant": lambda p: (p.unit_id, _upto_today(p.training.starts_on)),
    # A visit's scores set the school's readiness for every period ending after it; its
    # follow-up actions fall due (and may be moved) after the visit day.
    "visits.Visit": lambda v: (v.school_id, _upto_today(v.visited_on)),
    "visits.VisitScore": lambda s: (s.visit.school_id, _upto_today(s.visit.visited_on)),
    "visits.FollowUpAction": lambda a: (a.visit.school_id, _upto_today(a.visit.visited_on)),
    "directives.Assignment": lambda a: (a.unit_id, _upto_today(a.task.deadline)),
    # A task's deadline moves every assignment's period (assignments are bulk-created, which
    # sends no signal, so the task's own save marks them).
    "directives.Task": lambda t: [
        (unit_id, _upto_today(t.deadline))
        for unit_id in t.assignments.values_list("unit_id", flat=True)
    ],
    # A training's hours or dates change every participant's unit.
    "trainings.Training": lambda t: [
        (unit_id, _upto_today(t.starts_on))
        for unit_id in t.participants.values_list("unit_id", flat=True).distinct()
    ],
    # A program's dates decide which designations and budget lines its period counts.
    "programs.Program": lambda p: [
        (school_id, _upto_today(p.starts_on))
        for school_id in p.enrolments.values_list("school_id", flat=True)
    ],
    "funding.BudgetLine": lambda b: (b.unit_id, _fiscal_year(b)),
}


@contextmanager
def paused():
    """Bulk loaders (the demo seed, imports) pause marking and refresh once at the end."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


GENERATION_KEY = "reporting:refresh-generation"
MARKED_KEY = "reporting:marked:{}"


def new_refresh_generation() -> None:
    """Called by a refresh before it reads the marks: marks remembered from before it no longer
    prove anything (it will delete them), so the next write must touch its mark again."""
    from django.core.cache import cache

    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, timeout=None)


def mark_stale(unit_id: int, day: datetime.date) -> None:
    """Mark the unit stale from `day` on. Runs after the write's commit.

    A school's busy hour (an assembly sending 800 help requests) must not write the same mark
    800 times: each write was a transaction, a row lock every submission of the school queued on,
    and a WAL flush (issue 9). So a mark already written from this day or earlier is not written
    again while no refresh has started since: such a refresh reads the records after this write
    committed, so it counts them; once one starts (the generation moves), the next write touches
    the mark again so the refresh, which deletes marks older than its start, leaves it."""
    from django.core.cache import cache

    from .models import StaleUnit

    generation = cache.get(GENERATION_KEY)
    known = cache.get(MARKED_KEY.format(unit_id))
    if generation is not None and known is not None:
        known_since, known_generation = known
        if known_generation == generation and known_since <= day:
            _schedule()
            return
    mark, created = StaleUnit.objects.get_or_create(org_unit_id=unit_id, defaults={"since": day})
    since = day
    if not created:
        # Keep the earliest day; touch marked_at so a running refresh leaves the mark.
        since = min(mark.since, day)
        StaleUnit.objects.filter(pk=mark.pk).update(since=since, marked_at=timezone.now())
    if generation is not None:
        cache.set(MARKED_KEY.format(unit_id), (since, generation), timeout=24 * 3600)
    _schedule()


def _schedule() -> None:
    if not settings.DIEMTUA_INDICATORS_AUTO_REFRESH:
        return
    from django.core.cache import cache

    from .tasks import refresh_stale_task

    delay = settings.DIEMTUA_INDICATORS_DEBOUNCE_SECONDS
    if cache.add(SCHEDULED_KEY, 1, timeout=delay * 2):
        refresh_stale_task.apply_async(countdown=delay)


def _places(sender, instance) -> list[tuple[int, datetime.date]]:
    locate = SOURCES.get(sender._meta.label)
    try:
        found = locate(instance) if locate else None
    except Exception:  # a half-built instance (e.g. deleted parent) must never break a write
        found = None
    places = found if isinstance(found, list) else [found]
    return [p for p in places if p and p[0] is not None and p[1] is not None]


def _mark_all(places) -> None:
    for unit_id, day in places:
        mark_stale(unit_id, day)


def _saved(sender, instance, **kwargs) -> None:
    if _paused.get():
        return
    # Located after commit: rows written later in the same transaction (a task's bulk-created
    # assignments, a session's students) are there by then.
    transaction.on_commit(lambda: _mark_all(_places(sender, instance)))


def _deleted(sender, instance, **kwargs) -> None:
    if _paused.get():
        return
    places = _places(sender, instance)  # now: related rows may be gone after commit
    if places:
        transaction.on_commit(lambda: _mark_all(places))


def _tree_changed(sender, **kwargs) -> None:
    """A unit moved: subtree totals add up the old tree. Drop them in the same transaction
    (dashboards add up the rows themselves meanwhile) and rebuild them after the commit."""
    from . import subtree

    subtree.invalidate()
    if settings.DIEMTUA_INDICATORS_AUTO_REFRESH:
        from .tasks import rebuild_totals_task

        transaction.on_commit(rebuild_totals_task.delay)


def connect() -> None:
    from diemtua.orgs.signals import tree_changed

    tree_changed.connect(_tree_changed, dispatch_uid="reporting-subtree-totals")
    for label in SOURCES:
        model = apps.get_model(label)
        uid = f"reporting-stale-{label}"
        post_save.connect(_saved, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(_deleted, sender=model, dispatch_uid=uid + "-delete")
