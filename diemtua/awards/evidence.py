"""Evidence the system already holds, shown next to the criteria when scoring.

"Drawing on visits, indicators and trainings where available" (issue 7, item 9): for a school,
the average result of its completed supervision visits (visits app) and how many of its
designated staff are trained (programs app); for a person, their training hours (trainings
app). These are suggestions for the evaluator, never scores by themselves.

The visits and trainings apps are separate and may not hold data (or their models) yet: each
function reads them lazily and answers None when there is nothing to show, so awards works
alone.
"""

import logging
from decimal import Decimal

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db import DatabaseError
from django.db.models import Avg, Case, DecimalField, F, Sum, Value, When

log = logging.getLogger(__name__)

_MISSING = (LookupError, ImportError, FieldError, FieldDoesNotExist, AttributeError, ValueError)


def _model(app_label: str, *names: str):
    for name in names:
        try:
            return apps.get_model(app_label, name)
        except LookupError:
            continue
    return None


def _field(model, *names: str) -> str | None:
    for name in names:
        try:
            model._meta.get_field(name)
            return name
        except FieldDoesNotExist:
            continue
    return None


def school_visit_average(school) -> Decimal | None:
    """Average percentage of the school's completed supervision visits, or None."""
    try:
        visit = _model("visits", "Visit", "SupervisionVisit")
        if visit is None:
            return None
        school_field = _field(visit, "school", "visited_unit", "unit")
        percent = _field(visit, "percentage", "percent", "score_percent", "total_percent")
        if school_field is None or percent is None:
            return None
        qs = visit.objects.filter(**{school_field: school})
        if _field(visit, "status"):
            qs = qs.filter(status="completed")
        value = qs.aggregate(avg=Avg(percent))["avg"]
    except (*_MISSING, DatabaseError):
        log.debug("visits evidence unavailable", exc_info=True)
        return None
    return None if value is None else Decimal(value).quantize(Decimal("0.1"))


def school_staff_trained(school, program=None) -> tuple[int, int] | None:
    """(trained, designated) staff of the school in its programs (or one program), or None."""
    try:
        staff = _model("programs", "DesignatedStaff")
        if staff is None:
            return None
        qs = staff.objects.filter(enrolment__school=school, until__isnull=True)
        if program is not None:
            qs = qs.filter(enrolment__program=program)
        designated = qs.count()
        if not designated:
            return None
        return qs.filter(trained=True).count(), designated
    except (*_MISSING, DatabaseError):
        log.debug("staff evidence unavailable", exc_info=True)
        return None


def person_training_hours(*, user=None, staff=None) -> Decimal | None:
    """Hours of training the person attended (trainings app), or None."""
    if user is None and staff is not None:
        user = getattr(staff, "user", None)
    if user is None:
        return None
    try:
        participant = _model("trainings", "Participant", "Participation", "TrainingParticipant")
        if participant is None:
            return None
        user_field = _field(participant, "user", "person", "staff_user")
        hours = _field(participant, "hours_attended", "attended_hours", "hours")
        if user_field is None or hours is None:
            return None
        rows = participant.objects.filter(**{user_field: user})
        if _field(participant, "attendance") and _field(participant, "training"):
            # Full attendance counts the training's hours, partial the hours recorded.
            credited = Case(
                When(attendance="attended", then=F("training__hours")),
                When(attendance="partial", then=F(hours)),
                default=Value(Decimal(0)),
                output_field=DecimalField(max_digits=8, decimal_places=1),
            )
            value = rows.aggregate(h=Sum(credited))["h"]
        else:
            value = rows.aggregate(h=Sum(hours))["h"]
    except (*_MISSING, DatabaseError):
        log.debug("training evidence unavailable", exc_info=True)
        return None
    return None if value is None else Decimal(value)


def for_subject(*, subject_unit=None, user=None, staff=None, program=None) -> dict:
    """What the scoring form shows: {"visits": …, "staff_trained": …, "training_hours": …}."""
    evidence = {}
    if subject_unit is not None and user is None and staff is None:
        evidence["visits"] = school_visit_average(subject_unit)
        evidence["staff_trained"] = school_staff_trained(subject_unit, program)
    if user is not None or staff is not None:
        evidence["training_hours"] = person_training_hours(user=user, staff=staff)
    return evidence
