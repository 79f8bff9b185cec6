"""Reads of directives, scoped to what the user may see (access.py).

Statuses of an assignment (the tracker's words):
- on time (đúng hạn): first submitted on or before the deadline day;
- late (nộp muộn): first submitted after the deadline day;
- pending (chưa đến hạn): nothing yet, the deadline has not passed;
- missing (quá hạn, chưa nộp): nothing, and the deadline day is over.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diemtua.accounts import access as account_access
from diemtua.core.text import fold
from diemtua.orgs.models import OrgKind, OrgUnit, OrgUnitAncestor
from diemtua.programs.models import Program

from .access import MANAGE_ROLES, RECIPIENT_KINDS, VIEW_ROLES
from .models import Assignment, Directive, DirectiveStatus

ON_TIME, LATE, PENDING, MISSING = "on_time", "late", "pending", "missing"
STATUS_LABELS = {
    ON_TIME: _("Đã nộp đúng hạn"),
    LATE: _("Nộp muộn"),
    PENDING: _("Chưa đến hạn"),
    MISSING: _("Quá hạn, chưa nộp"),
}
STATUSES = tuple(STATUS_LABELS)
# Above this many units below the owner, the recipient picker lists only the units directly
# below it (a province has thousands of schools); "all schools" etc. reach the rest.
PICK_LIMIT = 300


def _unit_ids(user, roles) -> list[int]:
    return [m.org_unit_id for m in account_access.memberships(user) if m.role in roles]


def _subtree(unit_ids) -> QuerySet:
    return OrgUnitAncestor.objects.filter(ancestor_id__in=list(unit_ids)).values("descendant_id")


def with_status(qs: QuerySet[Assignment], today: datetime.date | None = None) -> QuerySet:
    today = today or timezone.localdate()
    return qs.annotate(
        status=Case(
            When(submitted_on__isnull=False, submitted_on__lte=F("task__deadline"), then=Value(ON_TIME)),  # noqa: E501
            When(submitted_on__isnull=False, then=Value(LATE)),
            When(task__deadline__gte=today, then=Value(PENDING)),
            default=Value(MISSING),
            output_field=CharField(),
        )
    )  # fmt: skip


def status_counts(qs: QuerySet[Assignment], today: datetime.date | None = None) -> dict:
    today = today or timezone.localdate()
    submitted = Q(submitted_on__isnull=False)
    counts = qs.aggregate(
        total=Count("pk"),
        on_time=Count("pk", filter=submitted & Q(submitted_on__lte=F("task__deadline"))),
        late=Count("pk", filter=submitted & Q(submitted_on__gt=F("task__deadline"))),
        pending=Count("pk", filter=Q(submitted_on__isnull=True, task__deadline__gte=today)),
        missing=Count("pk", filter=Q(submitted_on__isnull=True, task__deadline__lt=today)),
    )
    counts["submitted"] = counts["on_time"] + counts["late"]
    counts["percent"] = round(100 * counts["submitted"] / counts["total"]) if counts["total"] else 0
    return counts


# --- Lists ------------------------------------------------------------------------------------


def directives_managed(*, fetched_by, query: str = "") -> QuerySet[Directive]:
    """Directives issued by (or below) the units where the user is an officer, with counts."""
    qs = Directive.objects.filter(owner_id__in=_subtree(_unit_ids(fetched_by, MANAGE_ROLES)))
    folded = fold(query)
    if folded:
        qs = qs.filter(search_text__contains=folded)
    today = timezone.localdate()
    return (
        qs.select_related("owner")
        .annotate(
            n_assignments=Count("tasks__assignments"),
            n_submitted=Count(
                "tasks__assignments", filter=Q(tasks__assignments__submitted_on__isnull=False)
            ),
            n_missing=Count(
                "tasks__assignments",
                filter=Q(tasks__assignments__submitted_on__isnull=True, tasks__deadline__lt=today),
            ),
        )
        .order_by("-issued_on", "-pk")
    )


def assignments_for(*, fetched_by, status: str = "") -> QuerySet[Assignment]:
    """Tasks given to the user's units (a school's own; a commune's and its schools'), once the
    directive was sent, except those of directives the user tracks as issuer; a unit that
    merged away counts as its successor's."""
    reach = _subtree(_unit_ids(fetched_by, VIEW_ROLES))
    managed = _subtree(_unit_ids(fetched_by, MANAGE_ROLES))
    qs = Assignment.objects.filter(
        Q(unit_id__in=reach) | Q(unit__successor_id__in=reach),
        task__directive__status=DirectiveStatus.SENT,
    ).exclude(task__directive__owner_id__in=managed)
    qs = with_status(qs)
    if status in STATUSES:
        qs = qs.filter(status=status)
    return qs.select_related("task__directive__owner", "unit").order_by(
        "-task__deadline", "task_id", "unit__search_name"
    )


# --- The tracker ------------------------------------------------------------------------------


@dataclass
class Tracker:
    counts: dict
    tasks: list = field(default_factory=list)  # each task with its own counts
    rows: QuerySet | None = None


def tracker(
    *, fetched_by, directive: Directive, status: str = "", task=None, query: str = ""
) -> Tracker:
    """Counts (all, and per task) and the filtered assignments of a directive (checked by
    access.get_directive_to_manage). A fixed number of queries whatever the size."""
    today = timezone.localdate()
    everything = Assignment.objects.filter(task__directive=directive)
    counts = status_counts(everything, today)
    per_task = {
        row["task_id"]: row
        for row in everything.values("task_id")
        .annotate(
            total=Count("pk"),
            submitted=Count("pk", filter=Q(submitted_on__isnull=False)),
            late=Count("pk", filter=Q(submitted_on__gt=F("task__deadline"))),
            missing=Count("pk", filter=Q(submitted_on__isnull=True, task__deadline__lt=today)),
        )
        .order_by()
    }
    tasks = list(directive.tasks.all())
    for t in tasks:
        t.counts = per_task.get(t.pk, {"total": 0, "submitted": 0, "late": 0, "missing": 0})
    rows = with_status(everything, today)
    if status in STATUSES:
        rows = rows.filter(status=status)
    if task is not None:
        rows = rows.filter(task=task)
    folded = fold(query)
    if folded:
        rows = rows.filter(unit__search_name__contains=folded)
    rows = rows.select_related(
        "unit", "task", "current__submitted_by", "current__file", "accepted_by"
    ).order_by("task__deadline", "task_id", "unit__search_name", "pk")
    return Tracker(counts=counts, tasks=tasks, rows=rows)


def recipients_of(directive: Directive) -> list[OrgUnit]:
    return list(
        OrgUnit.objects.filter(pk__in=directive.recipients.values("unit_id")).order_by(
            "kind", "search_name"
        )
    )


def assignment_history(assignment: Assignment) -> list:
    """Every submission of an assignment, newest first (corrections keep the earlier ones)."""
    return list(assignment.submissions.select_related("submitted_by", "file"))


# --- Choices for the forms --------------------------------------------------------------------


def recipient_choices(*, owner: OrgUnit) -> QuerySet[OrgUnit]:
    """Units a directive of `owner` may be sent to: schools, communes and departments below it
    (units that merged away too, for directives recorded from before the merger)."""
    below = OrgUnit.objects.filter(
        kind__in=list(RECIPIENT_KINDS), ancestor_links__ancestor=owner
    ).exclude(pk=owner.pk)
    if below.count() > PICK_LIMIT:
        below = below.filter(parent=owner)
    return below.order_by("kind", "valid_to", "search_name")


def units_by_kind(*, owner: OrgUnit, kind: str) -> QuerySet[OrgUnit]:
    """Every current unit of one kind below `owner` ("all schools", "all communes")."""
    return OrgUnit.objects.filter(
        kind=kind, ancestor_links__ancestor=owner, valid_to__isnull=True
    ).exclude(pk=owner.pk)


def program_choices(*, owner: OrgUnit) -> QuerySet[Program]:
    """Programs a directive of `owner` may belong to: those run by it or by a unit above it."""
    above = OrgUnitAncestor.objects.filter(descendant=owner).values("ancestor_id")
    return Program.objects.filter(owner_id__in=above).order_by("-starts_on", "title")


KIND_GROUPS = {
    OrgKind.SCHOOL: _("Tất cả các trường"),
    OrgKind.COMMUNE: _("Tất cả các xã/phường"),
    OrgKind.DEPARTMENT: _("Tất cả các Sở GD&ĐT"),
}
