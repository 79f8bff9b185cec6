"""Reads of trainings, participations, staff hours, exchanges and library documents, scoped to
what the user may see (access.py)."""

import datetime
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from diemtua.accounts import access as account_access
from diemtua.core.text import fold
from diemtua.orgs.models import OrgUnit, OrgUnitAncestor

from .access import HOURS_ROLES, LIBRARY_ROLES, VIEW_ROLES
from .models import (
    Attendance,
    Exchange,
    LibraryDocument,
    LibraryVersion,
    Participant,
    Training,
    Visibility,
)

ZERO = Decimal("0")
HOURS_FIELD = DecimalField(max_digits=9, decimal_places=1)
# Hours one participation adds (models.Participant.credited_hours, in SQL).
CREDITED = Case(
    When(attendance=Attendance.ATTENDED, then=F("training__hours")),
    When(attendance=Attendance.PARTIAL, then=F("hours_attended")),
    default=Value(ZERO),
    output_field=HOURS_FIELD,
)
COUNTED = Q(attendance__in=[Attendance.ATTENDED, Attendance.PARTIAL])


def school_year_of(day: datetime.date) -> int:
    """The first calendar year of the school year containing `day` (September → August)."""
    return day.year if day.month >= 9 else day.year - 1


def school_year_bounds(start_year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(start_year, 9, 1), datetime.date(start_year + 1, 8, 31)


def school_year_label(start_year: int) -> str:
    return f"{start_year}–{start_year + 1}"


def _unit_ids(user, roles) -> list[int]:
    return sorted({m.org_unit_id for m in account_access.memberships(user) if m.role in roles})


def _subtree(unit_ids) -> QuerySet:
    return OrgUnitAncestor.objects.filter(ancestor_id__in=list(unit_ids)).values("descendant_id")


def _above(unit_ids) -> QuerySet:
    return OrgUnitAncestor.objects.filter(descendant_id__in=list(unit_ids)).values("ancestor_id")


def _match(queryset, field_name: str, query: str):
    for word in fold(query).split()[:8]:
        queryset = queryset.filter(**{f"{field_name}__contains": word})
    return queryset


# --- Trainings --------------------------------------------------------------------------------


def visible_trainings(*, fetched_by) -> QuerySet[Training]:
    """Trainings organised in the user's subtree, and those their subtree's staff attend."""
    units = _unit_ids(fetched_by, VIEW_ROLES)
    subtree = _subtree(units)
    attending = Participant.objects.filter(unit_id__in=subtree).values("training_id")
    return Training.objects.filter(Q(owner_id__in=subtree) | Q(pk__in=attending))


def trainings_for(
    *, fetched_by, query: str = "", year: int | None = None, program=None
) -> QuerySet[Training]:
    rows = visible_trainings(fetched_by=fetched_by)
    if query:
        rows = _match(rows, "search_title", query)
    if year is not None:
        start, end = school_year_bounds(year)
        rows = rows.filter(starts_on__gte=start, starts_on__lte=end)
    if program is not None:
        rows = rows.filter(program=program)
    return rows.select_related("owner", "program")


def training_participants(*, fetched_by, training: Training) -> QuerySet[Participant]:
    """Everyone invited for the organiser and the officers above it (training.sees_all, set by
    access.py); only their own staff for a school and the officers above that school."""
    rows = training.participants.select_related("unit", "user", "certificate")
    if not getattr(training, "sees_all", False):
        rows = rows.filter(unit_id__in=_subtree(_unit_ids(fetched_by, VIEW_ROLES)))
    return rows.order_by("search_name", "pk")


@dataclass
class TrainingSummary:
    invited: int = 0
    attended: int = 0
    partial: int = 0
    absent: int = 0
    certificates: int = 0
    pre_mean: Decimal | None = None
    post_mean: Decimal | None = None
    hours: Decimal = ZERO


def summarise(participants, training: Training) -> TrainingSummary:
    """Counts and mean scores of the participants shown (already loaded)."""
    summary = TrainingSummary()
    pre, post = [], []
    for p in participants:
        summary.invited += 1
        if p.attendance == Attendance.ATTENDED:
            summary.attended += 1
        elif p.attendance == Attendance.PARTIAL:
            summary.partial += 1
        elif p.attendance == Attendance.ABSENT:
            summary.absent += 1
        if getattr(p, "certificate", None) is not None and p.certificate.is_valid:
            summary.certificates += 1
        if p.pre_score is not None:
            pre.append(p.pre_score)
        if p.post_score is not None:
            post.append(p.post_score)
        summary.hours += p.credited_hours(training)
    if pre:
        summary.pre_mean = (sum(pre) / len(pre)).quantize(Decimal("0.01"))
    if post:
        summary.post_mean = (sum(post) / len(post)).quantize(Decimal("0.01"))
    return summary


# --- Hours per staff member -------------------------------------------------------------------


def visible_participations(*, fetched_by) -> QuerySet[Participant]:
    """Participations of staff working in the user's subtree (a school: its own staff)."""
    return Participant.objects.filter(unit_id__in=_subtree(_unit_ids(fetched_by, HOURS_ROLES)))


def _in_year(rows, year: int | None):
    if year is None:
        return rows
    start, end = school_year_bounds(year)
    return rows.filter(training__starts_on__gte=start, training__starts_on__lte=end)


def staff_hours(
    *, fetched_by, year: int | None = None, unit: OrgUnit | None = None, query: str = ""
):
    """One row per person: name, unit, trainings attended and hours, most hours first.

    Grouped in the database by `person_key`, so the page costs the same for 18 people or
    40,000; `anchor` is one participation of the person, for the link to their page."""
    rows = _in_year(visible_participations(fetched_by=fetched_by), year)
    if unit is not None:
        rows = rows.filter(unit_id__in=_subtree([unit.pk]))
    if query:
        rows = _match(rows, "search_name", query)
    return (
        rows.values("person_key")
        .annotate(
            full_name=Max("full_name"),
            unit_name=Max("unit__name"),
            anchor=Max("pk"),
            trainings=Count("pk", filter=COUNTED),
            invited=Count("pk"),
            hours=Coalesce(Sum(CREDITED), Value(ZERO), output_field=HOURS_FIELD),
        )
        .order_by("-hours", "full_name", "person_key")
    )


def unit_hours(*, fetched_by, year: int | None = None, unit: OrgUnit | None = None):
    """One row per unit (school or office) of the staff: people, participations, hours."""
    rows = _in_year(visible_participations(fetched_by=fetched_by), year)
    if unit is not None:
        rows = rows.filter(unit_id__in=_subtree([unit.pk]))
    return (
        rows.values("unit_id", "unit__name", "unit__code")
        .annotate(
            people=Count("person_key", distinct=True),
            trained=Count("person_key", distinct=True, filter=COUNTED),
            participations=Count("pk", filter=COUNTED),
            hours=Coalesce(Sum(CREDITED), Value(ZERO), output_field=HOURS_FIELD),
        )
        .order_by("unit__name", "unit_id")
    )


@dataclass
class YearHours:
    start_year: int
    label: str
    hours: Decimal = ZERO
    rows: list = field(default_factory=list)


def person_hours(*, fetched_by, participant: Participant) -> list[YearHours]:
    """The person's participations the user may see, by school year (newest first), with the
    hours each adds and the year's total."""
    units = _unit_ids(fetched_by, HOURS_ROLES)
    organised = [
        m.org_unit_id for m in account_access.memberships(fetched_by) if m.role in VIEW_ROLES
    ]
    visible = Q(unit_id__in=_subtree(units)) | Q(training__owner_id__in=organised)
    if participant.user_id == fetched_by.pk:
        visible = Q()
    rows = (
        Participant.objects.filter(visible, person_key=participant.person_key)
        .select_related("training", "training__owner", "unit", "certificate")
        .annotate(credited=CREDITED)
        .order_by("-training__starts_on", "-pk")
    )
    years: OrderedDict[int, YearHours] = OrderedDict()
    for row in rows:
        start = school_year_of(row.training.starts_on)
        year = years.setdefault(start, YearHours(start, school_year_label(start)))
        year.rows.append(row)
        year.hours += row.credited or ZERO
    return list(years.values())


def year_choices(today: datetime.date, back: int = 6) -> list[tuple[int, str]]:
    current = school_year_of(today)
    return [(y, school_year_label(y)) for y in range(current, current - back - 1, -1)]


def hour_filter_units(*, fetched_by) -> QuerySet[OrgUnit]:
    """Units offered in the hours filter: the user's own and the units directly below them."""
    units = _unit_ids(fetched_by, HOURS_ROLES)
    return OrgUnit.objects.filter(Q(pk__in=units) | Q(parent_id__in=units)).order_by(
        "kind", "search_name"
    )


# --- Exchanges --------------------------------------------------------------------------------


def visible_exchanges(*, fetched_by) -> QuerySet[Exchange]:
    subtree = _subtree(_unit_ids(fetched_by, VIEW_ROLES))
    joined = Exchange.schools.through.objects.filter(orgunit_id__in=subtree).values("exchange_id")
    return Exchange.objects.filter(Q(owner_id__in=subtree) | Q(pk__in=joined))


def exchanges_for(*, fetched_by, query: str = "", year: int | None = None) -> QuerySet[Exchange]:
    rows = visible_exchanges(fetched_by=fetched_by)
    if query:
        rows = _match(rows, "search_title", query)
    if year is not None:
        start, end = school_year_bounds(year)
        rows = rows.filter(held_on__gte=start, held_on__lte=end)
    return (
        rows.select_related("owner", "program")
        .annotate(school_count=Count("schools", distinct=True))
        .order_by("-held_on", "-pk")
    )


def exchange_detail(*, fetched_by, exchange: Exchange) -> dict:
    return {
        "schools": list(exchange.schools.order_by("search_name")),
        "materials": list(
            library_documents(fetched_by=fetched_by).filter(exchange=exchange).order_by("title")
        ),
    }


# --- Library ----------------------------------------------------------------------------------


def library_documents(
    *, fetched_by, query: str = "", category: str = ""
) -> QuerySet[LibraryDocument]:
    """Documents in scope for the user: national ones; those of a unit they are at, above or
    below; those of a program a school at or below them is enrolled in."""
    from diemtua.programs.models import Enrolment

    units = _unit_ids(fetched_by, LIBRARY_ROLES)
    if not units:
        return LibraryDocument.objects.none()
    subtree, above = _subtree(units), _above(units)
    programs = Enrolment.objects.filter(school_id__in=subtree).values("program_id")
    rows = LibraryDocument.objects.filter(
        Q(visibility=Visibility.NATIONAL)
        | Q(visibility=Visibility.SUBTREE, owner_id__in=subtree)
        | Q(visibility=Visibility.SUBTREE, owner_id__in=above)
        | Q(visibility=Visibility.PROGRAM, owner_id__in=subtree)
        | Q(visibility=Visibility.PROGRAM, program_id__in=programs)
    )
    if query:
        rows = _match(rows, "search_title", query)
    if category:
        rows = rows.filter(category=category)
    newest = LibraryVersion.objects.filter(document=OuterRef("pk")).order_by("-number")
    return rows.select_related("owner", "program").annotate(
        current_number=Subquery(newest.values("number")[:1]),
        current_id=Subquery(newest.values("pk")[:1]),
        current_name=Subquery(newest.values("original_name")[:1], output_field=CharField()),
    )


def document_versions(document: LibraryDocument) -> list[LibraryVersion]:
    return list(document.versions.select_related("uploaded_by").order_by("-number"))


# --- Certificates -----------------------------------------------------------------------------


def certificate_by_code(code: str):
    """The certificate with this code, for the public check (no user: the code is the key)."""
    from .models import Certificate

    if not code:
        return None
    return (
        Certificate.objects.select_related(
            "participant", "participant__training", "participant__training__owner"
        )
        .filter(code=code)
        .first()
    )
