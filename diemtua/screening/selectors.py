"""Every read of class screenings, scoped to what the user may see.

Surveys of schools and staff are read in survey_selectors.py.
"""

import datetime
from collections import Counter

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext

from diemtua.accounts import access
from diemtua.accounts.roles import Role
from diemtua.audit import services as audit
from diemtua.students.models import Gender, Student

from . import consent as consent_rules
from .models import (
    Administration,
    Audience,
    Instrument,
    InstrumentVersion,
    Participant,
    ParticipantStatus,
    Response,
    ScreeningConsent,
    localized,
)


def instruments(*, fetched_by) -> list[Instrument]:
    """The instrument library: definitions only, no answers; every staff role may read it.

    Each instrument carries `current`, its latest version, from one query for all of them
    (Instrument.current_version() asks the database once per instrument)."""
    rows = list(
        Instrument.objects.filter(is_active=True).prefetch_related(
            Prefetch("versions", queryset=InstrumentVersion.objects.order_by("-number"))
        )
    )
    for instrument in rows:
        versions = instrument.versions.all()
        instrument.current = versions[0] if versions else None
    return rows


def student_versions(*, fetched_by, school) -> QuerySet[InstrumentVersion]:
    """Current versions a counselor can give to a class."""
    access.require_roles_over(fetched_by, school.pk, {Role.COUNSELOR})
    latest = {
        instrument.pk: instrument.current_version().pk
        for instrument in Instrument.objects.filter(is_active=True, audience=Audience.STUDENT)
    }
    return InstrumentVersion.objects.filter(pk__in=latest.values()).select_related("instrument")


def administrations(*, fetched_by, school) -> QuerySet[Administration]:
    access.require_roles_over(fetched_by, school.pk, {Role.COUNSELOR})
    return (
        Administration.objects.filter(school=school)
        .select_related("version__instrument")
        .annotate(
            # distinct: two to-many joins multiply rows (participants × responses).
            invited=Count("participants", distinct=True),
            answered=Count(
                "participants",
                filter=Q(participants__status=ParticipantStatus.COMPLETED),
                distinct=True,
            ),
            flagged=Count("responses", filter=~Q(responses__flags=[]), distinct=True),
        )
        .order_by("-created_at")
    )


def participants(*, fetched_by, administration, request=None) -> list[Participant]:
    """Names and results of a class: counselors only; the read is audited."""
    access.require_roles_over(fetched_by, administration.school_id, {Role.COUNSELOR})
    rows = list(
        administration.participants.select_related("student", "response").order_by(
            "student__sort_name"
        )
    )
    audit.record(
        actor=fetched_by,
        action="screening.administration_view",
        obj=administration,
        org_unit=administration.school_id,
        request=request,
        extra={"students": len(rows)},
    )
    return rows


def class_summary(*, fetched_by, administration) -> dict:
    """Distributions only: how many answered in each band, overall and by gender.

    A group with fewer than DIEMTUA_SUPPRESS_BELOW answers (5, as on dashboards) is hidden, so
    a summary never lets a reader work out one child's result.
    """
    threshold = settings.DIEMTUA_SUPPRESS_BELOW
    access.require_roles_over(
        fetched_by, administration.school_id, {Role.COUNSELOR, Role.SCHOOL_LEAD}
    )
    definition = administration.version.definition
    bands = definition.get("bands", [])
    rows = list(
        Response.objects.filter(administration=administration).values_list(
            "band", "total", "participant__student__gender"
        )
    )
    invited = administration.participants.count()

    def group(label, members):
        hidden = len(members) < threshold
        counts = Counter(band for band, _total, _gender in members)
        totals = [total for _band, total, _gender in members if total is not None]
        return {
            "label": label,
            "n": len(members),
            "hidden": hidden,
            "bands": [] if hidden else [counts.get(b["code"], 0) for b in bands],
            "mean": None if hidden or not totals else round(sum(totals) / len(totals), 1),
        }

    groups = [group(gettext("Cả lớp"), rows)]
    if not administration.version.is_anonymous:
        by_gender = []
        for code, label in Gender.choices:
            members = [r for r in rows if r[2] == code]
            if members:  # an empty group says nothing worth a row
                by_gender.append(group(str(label), members))
        # Complementary suppression: with one group hidden, the class minus the groups shown
        # would give it back, so either every group shows or none does.
        if not any(g["hidden"] for g in by_gender):
            groups += by_gender
        else:
            groups += [group(g["label"], []) | {"n": g["n"], "hidden": True} for g in by_gender]
    return {
        "invited": invited,
        "answered": len(rows),
        "band_labels": [localized(b["label"]) for b in bands],
        "groups": groups,
        "small_group": threshold,
    }


def consent_sheet(
    *, fetched_by, school, class_name: str, on: datetime.date, request=None
) -> list[dict]:
    """Each student of the class with the screening consents in force and who is missing.

    Names and dates of birth of a class: the read is audited."""
    access.require_roles_over(fetched_by, school.pk, {Role.COUNSELOR})
    students = list(
        Student.objects.filter(school=school, class_name=class_name, is_active=True)
        .prefetch_related("guardians")
        .order_by("sort_name")
    )
    given = consent_rules.in_force(students, on, school.pk)
    audit.record(
        actor=fetched_by,
        action="screening.consent_sheet_view",
        object_type="students.class",
        object_id=class_name,
        org_unit=school,
        request=request,
        extra={"students": len(students)},
    )
    consents = {}
    for consent in ScreeningConsent.objects.filter(
        Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on),
        student__in=students,
        school=school,
        given_on__lte=on,
    ).order_by("given_on"):
        consents.setdefault(consent.student_id, []).append(consent)
    return [
        {
            "student": student,
            "needed": consent_rules.givers_needed(student, on),
            "given": given[student.pk],
            "consents": consents.get(student.pk, []),
            "missing": consent_rules.missing(student, given[student.pk], on),
        }
        for student in students
    ]
