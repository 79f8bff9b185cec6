"""Reads of activities, scoped to what the user may see (access.py): their school's, or every
activity in the subtree of the commune, department or Ministry where they are an officer."""

import calendar
import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from diemtua.accounts import access as account_access
from diemtua.core.text import fold
from diemtua.orgs.models import OrgKind, OrgUnit, OrgUnitAncestor

from .access import TOTALS_ROLES, VIEW_ROLES
from .models import CAMPAIGN_KINDS, KIND_FAMILIES, Activity

# How many activities a calendar day shows before "and N more" (a link to that day's list).
CALENDAR_DAY_LIMIT = 4


def _unit_ids(user, roles) -> list[int]:
    return [m.org_unit_id for m in account_access.memberships(user) if m.role in roles]


def _subtree(unit_ids) -> QuerySet:
    return OrgUnitAncestor.objects.filter(ancestor_id__in=list(unit_ids)).values("descendant_id")


def visible_activities(*, fetched_by) -> QuerySet[Activity]:
    """Every activity the user may see; no duplicates however many roles they hold."""
    return Activity.objects.filter(org_unit_id__in=_subtree(_unit_ids(fetched_by, VIEW_ROLES)))


def activities_for(
    *,
    fetched_by,
    kind: str = "",
    content_group=None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    unit: OrgUnit | None = None,
    query: str = "",
) -> QuerySet[Activity]:
    """The list, filtered. A period keeps the activities that overlap it (a campaign that
    started earlier and still runs is in it); `unit` keeps its whole subtree; `query` matches
    the title without diacritics ("bao luc hoc duong" finds "Bạo lực học đường")."""
    qs = visible_activities(fetched_by=fetched_by)
    if kind:
        qs = qs.filter(kind=kind)
    if content_group is not None:
        qs = qs.filter(content_groups=content_group)
    if date_from:
        qs = qs.filter(Q(end_on__gte=date_from) | Q(end_on__isnull=True, held_on__gte=date_from))
    if date_to:
        qs = qs.filter(held_on__lte=date_to)
    if unit is not None:
        qs = qs.filter(org_unit_id__in=_subtree([unit.pk]))
    folded = fold(query)
    if folded:
        qs = qs.filter(search_title__contains=folded)
    return (
        qs.select_related("org_unit")
        .annotate(attachment_count=Count("attachments", distinct=True))
        .order_by("-held_on", "-pk")
    )


def filter_units(*, fetched_by) -> QuerySet[OrgUnit]:
    """Units to filter the list by: the user's own, the provinces below them, and every unit
    that organised a visible activity (so the choice stays short even for the Ministry)."""
    own = _unit_ids(fetched_by, VIEW_ROLES)
    organisers = visible_activities(fetched_by=fetched_by).values("org_unit_id")
    provinces = OrgUnit.objects.filter(
        kind=OrgKind.DEPARTMENT, ancestor_links__ancestor_id__in=own
    ).values("pk")
    return OrgUnit.objects.filter(
        Q(pk__in=own) | Q(pk__in=organisers) | Q(pk__in=provinces)
    ).order_by("kind", "search_name")


def activity_detail(activity: Activity) -> dict:
    """What the detail page shows besides the activity (already checked by access.py)."""
    return {
        "content_groups": list(activity.content_groups.order_by("regulation", "position")),
        "partners": list(activity.partners.select_related("unit").order_by("unit__search_name")),
        "attachments": list(activity.attachments.select_related("uploaded_by")),
    }


# --- Calendar ---------------------------------------------------------------------------------


@dataclass
class Day:
    date: datetime.date
    in_month: bool
    activities: list = field(default_factory=list)
    more: int = 0


def calendar_month(*, fetched_by, year: int, month: int, **filters) -> dict:
    """A month as weeks of days (Monday first, as Vietnamese calendars are), each activity on
    the day it starts; those begun earlier and still running are listed as ongoing."""
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    first = datetime.date(year, month, 1)
    last = datetime.date(year, month, calendar.monthrange(year, month)[1])
    days = {d: Day(d, d.month == month) for week in weeks for d in week}
    ongoing = []
    for activity in activities_for(
        fetched_by=fetched_by, date_from=first, date_to=last, **filters
    ).order_by("held_on", "pk"):
        if activity.held_on < first:
            ongoing.append(activity)
            continue
        day = days[activity.held_on]
        if len(day.activities) < CALENDAR_DAY_LIMIT:
            day.activities.append(activity)
        else:
            day.more += 1
    return {
        "weeks": [[days[d] for d in week] for week in weeks],
        "ongoing": ongoing,
        "first": first,
        "last": last,
    }


# --- Per-school totals ------------------------------------------------------------------------

TOTAL_COLUMNS = [
    "total",
    *[code for code, _label, _kinds in KIND_FAMILIES],
    "male",
    "female",
    "participants",
    "reach",
]
SORT_KEYS = {"name", *TOTAL_COLUMNS}


def _aggregates() -> dict:
    values = {"total": Count("pk")}
    for code, _label, kinds in KIND_FAMILIES:
        values[code] = Count("pk", filter=Q(kind__in=kinds))
    values["male"] = Coalesce(Sum("male_count"), 0)
    values["female"] = Coalesce(Sum("female_count"), 0)
    values["reach"] = Coalesce(Sum("reach", filter=Q(kind__in=CAMPAIGN_KINDS)), 0)
    return values


def _empty_row() -> dict:
    return dict.fromkeys(TOTAL_COLUMNS, 0)


def school_totals(
    *, fetched_by, date_from: datetime.date, date_to: datetime.date, sort: str = "name"
) -> dict:
    """Per school of the user's subtree, the activities that started in the period: how many
    of each family of kinds, participants by gender, campaign reach; plus the activities the
    management levels (commune, department, Ministry) organised themselves, and the sum.

    Three queries whatever the number of schools. Schools that did nothing are listed too:
    for an officer they are the ones to follow up.
    """
    subtree = _subtree(_unit_ids(fetched_by, TOTALS_ROLES))
    in_period = Activity.objects.filter(
        org_unit_id__in=subtree, held_on__gte=date_from, held_on__lte=date_to
    )
    schools = (
        OrgUnit.objects.filter(pk__in=subtree, kind=OrgKind.SCHOOL)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=date_from))
        .select_related("parent")
        .order_by("search_name")
    )
    by_unit = {
        row.pop("org_unit_id"): row
        for row in in_period.filter(org_unit__kind=OrgKind.SCHOOL)
        .values("org_unit_id")
        .annotate(**_aggregates())
        .order_by()
    }
    rows = []
    for school in schools:
        row = {"school": school, **_empty_row(), **by_unit.get(school.pk, {})}
        row["participants"] = row["male"] + row["female"]
        rows.append(row)
    above = in_period.exclude(org_unit__kind=OrgKind.SCHOOL).aggregate(**_aggregates())
    above["participants"] = above["male"] + above["female"]
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in SORT_KEYS:
        key, descending = "name", False
    if key == "name":
        rows.sort(key=lambda r: r["school"].search_name, reverse=descending)
    else:
        rows.sort(key=lambda r: (r[key], r["school"].search_name), reverse=descending)
    overall = _empty_row()
    for row in [*rows, above]:
        for column in TOTAL_COLUMNS:
            overall[column] += row[column]
    for row in [*rows, above, overall]:
        row["cells"] = [row[column] for column in TOTAL_COLUMNS]
    return {
        "rows": rows,
        "above": above,
        "overall": overall,
        "sort": ("-" if descending else "") + key,
    }
