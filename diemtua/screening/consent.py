"""Who must agree before a student takes part in a screening, and whether they have.

Screening processes health data about a child, so the legal representative must agree, and
the child too from age 7 (Law 91/2025/QH15 on personal data protection; Decree 356/2025; the
same rule the cases app applies to its screening scope, see cases/consent.py). Silence is not
consent; a withdrawn consent covers nothing from the day it is withdrawn. Anonymous student
surveys (the satisfaction survey) collect no health data about a named child and need none.
"""

import datetime

from django.db.models import Q

from diemtua.cases.consent import CHILD_CONSENT_AGE, age_on  # noqa: F401 (age_on re-exported)

from .models import ConsentGiver, ScreeningConsent


def givers_needed(student, on: datetime.date) -> set[str]:
    needed = {ConsentGiver.GUARDIAN}
    if age_on(student.date_of_birth, on) >= CHILD_CONSENT_AGE:
        needed.add(ConsentGiver.STUDENT)
    return needed


def in_force(students, on: datetime.date, school_id: int) -> dict[int, set[str]]:
    """{student id: givers whose consent to screening at this school is in force on `on`}, in
    one query. A consent given at another school (before the student moved) does not count."""
    given: dict[int, set[str]] = {student.pk: set() for student in students}
    rows = ScreeningConsent.objects.filter(
        Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on),
        student_id__in=list(given),
        school_id=school_id,
        given_on__lte=on,
    ).values_list("student_id", "given_by")
    for student_id, giver in rows:
        given[student_id].add(giver)
    return given


def missing(student, given: set[str], on: datetime.date) -> list[str]:
    """Who still has to agree (labels), empty when the student may take part."""
    labels = dict(ConsentGiver.choices)
    return [str(labels[giver]) for giver in sorted(givers_needed(student, on) - given)]


def may_take_part(student, on: datetime.date, school_id: int) -> bool:
    return not missing(student, in_force([student], on, school_id)[student.pk], on)
