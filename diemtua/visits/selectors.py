"""Reads of visits and follow-up actions, scoped to what the user may see (access.py): the
visits of the units they visit from (and those below), drafts included; the completed visits of
the schools in their subtree (a school's own; every school below an officer's unit)."""

import datetime

from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When
from django.utils import timezone

from diemtua.accounts import access as account_access
from diemtua.core.text import fold
from diemtua.orgs.models import OrgKind, OrgUnit, OrgUnitAncestor
from diemtua.programs.models import Program

from .access import VIEW_ROLES, VISITOR_ROLE_AT
from .models import (
    PENDING_STATUSES,
    ActionStatus,
    ChecklistVersion,
    FollowUpAction,
    Visit,
    VisitStatus,
)


def _subtree(unit_ids) -> QuerySet:
    return OrgUnitAncestor.objects.filter(ancestor_id__in=list(unit_ids)).values("descendant_id")


def _visitor_unit_ids(user) -> list[int]:
    return [
        m.org_unit_id
        for m in account_access.memberships(user)
        if VISITOR_ROLE_AT.get(m.org_unit.kind) == m.role
    ]


def _view_unit_ids(user) -> list[int]:
    return [m.org_unit_id for m in account_access.memberships(user) if m.role in VIEW_ROLES]


def _visible_filter(user) -> Q:
    managed = Q(visiting_unit_id__in=_subtree(_visitor_unit_ids(user)))
    sent = Q(status=VisitStatus.COMPLETED, school_id__in=_subtree(_view_unit_ids(user)))
    return managed | sent


def visible_visits(*, fetched_by) -> QuerySet[Visit]:
    return Visit.objects.filter(_visible_filter(fetched_by))


def _overdue(today: datetime.date) -> Case:
    return Case(
        When(status__in=PENDING_STATUSES, due_on__lt=today, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def visits_for(
    *,
    fetched_by,
    kind: str = "",
    status: str = "",
    school: OrgUnit | None = None,
    query: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[Visit]:
    """The visit list, filtered; `query` matches the school's name without diacritics."""
    qs = visible_visits(fetched_by=fetched_by)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if school is not None:
        qs = qs.filter(school=school)
    folded = fold(query)
    if folded:
        qs = qs.filter(Q(school__search_name__contains=folded) | Q(school__code__iexact=query))
    if date_from:
        qs = qs.filter(visited_on__gte=date_from)
    if date_to:
        qs = qs.filter(visited_on__lte=date_to)
    today = timezone.localdate()
    return (
        qs.select_related("visiting_unit", "school", "program")
        .annotate(
            action_count=Count("actions", distinct=True),
            overdue_count=Count(
                "actions",
                filter=Q(actions__status__in=PENDING_STATUSES, actions__due_on__lt=today),
                distinct=True,
            ),
        )
        .order_by("-visited_on", "-pk")
    )


ACTION_FILTERS = ("pending", "overdue", "answered", "verified", "all")


def actions_for(
    *, fetched_by, state: str = "pending", school: OrgUnit | None = None
) -> QuerySet[FollowUpAction]:
    """Actions of the sent visits the user sees, overdue first, then by deadline.

    `state`: pending (open, returned or answered: not yet verified), overdue, answered,
    verified, or all."""
    today = timezone.localdate()
    qs = FollowUpAction.objects.filter(
        visit__in=visible_visits(fetched_by=fetched_by).filter(status=VisitStatus.COMPLETED)
    )
    if state == "pending":
        qs = qs.exclude(status=ActionStatus.VERIFIED)
    elif state == "overdue":
        qs = qs.filter(status__in=PENDING_STATUSES, due_on__lt=today)
    elif state in (ActionStatus.ANSWERED, ActionStatus.VERIFIED):
        qs = qs.filter(status=state)
    if school is not None:
        qs = qs.filter(visit__school=school)
    return (
        qs.select_related("visit__school", "visit__visiting_unit")
        .annotate(overdue=_overdue(today))
        .order_by("-overdue", "due_on", "pk")
    )


def action_counts(*, fetched_by) -> dict:
    today = timezone.localdate()
    qs = FollowUpAction.objects.filter(
        visit__in=visible_visits(fetched_by=fetched_by).filter(status=VisitStatus.COMPLETED)
    )
    return qs.aggregate(
        pending=Count("pk", filter=~Q(status=ActionStatus.VERIFIED)),
        overdue=Count("pk", filter=Q(status__in=PENDING_STATUSES, due_on__lt=today)),
        answered=Count("pk", filter=Q(status=ActionStatus.ANSWERED)),
    )


def filter_schools(*, fetched_by) -> QuerySet[OrgUnit]:
    """Schools to filter the list by: those with a visible visit (a short list for anyone)."""
    return OrgUnit.objects.filter(
        pk__in=visible_visits(fetched_by=fetched_by).values("school_id")
    ).order_by("search_name")


def schools_to_visit(*, visiting_unit, limit: int = 500) -> list[OrgUnit]:
    """Current schools below the visiting unit, for the school field's suggestions; none when
    there are more than `limit` (the Ministry: the person types a code or name instead)."""
    qs = OrgUnit.objects.filter(
        kind=OrgKind.SCHOOL, valid_to__isnull=True, pk__in=_subtree([visiting_unit.pk])
    ).order_by("search_name")
    rows = list(qs[: limit + 1])
    return [] if len(rows) > limit else rows


def find_school(*, visiting_unit, text: str) -> list[OrgUnit]:
    """Schools below the visiting unit matching a code (exactly) or a name (without
    diacritics); "code — name" as the suggestions show it matches by its code."""
    text = (text or "").strip()[:255]
    if not text:
        return []
    below = OrgUnit.objects.filter(kind=OrgKind.SCHOOL, pk__in=_subtree([visiting_unit.pk]))
    code = text.split(" — ", 1)[0].strip()
    exact = list(below.filter(code__iexact=code).order_by("valid_to")[:2])
    if exact:
        return exact
    folded = fold(text)
    named = below.filter(search_name=folded).order_by("valid_to")
    if named.exists():
        return list(named[:6])
    return list(below.filter(search_name__contains=folded).order_by("search_name")[:6])


def programs_for(*, visiting_unit) -> QuerySet[Program]:
    """Programs a visit of this unit may belong to: those owned by the unit, by a unit above
    it, or by a unit below it (never another province's)."""
    above = OrgUnitAncestor.objects.filter(descendant_id=visiting_unit.pk).values("ancestor_id")
    return Program.objects.filter(
        Q(owner_id__in=above) | Q(owner_id__in=_subtree([visiting_unit.pk]))
    ).order_by("-starts_on", "title")


def checklist_versions() -> list[ChecklistVersion]:
    """The current version of each active checklist (the newest regulation first)."""
    latest = {}
    for version in (
        ChecklistVersion.objects.filter(checklist__is_active=True)
        .select_related("checklist")
        .order_by("checklist__code", "-number")
    ):
        latest.setdefault(version.checklist_id, version)
    return sorted(latest.values(), key=lambda v: v.definition.get("applies_from", ""), reverse=True)


def visit_detail(visit: Visit) -> dict:
    """Everything the visit page shows (the visit is already checked by access.py)."""
    scores = {row.criterion: row for row in visit.scores.all()}
    rows = []
    for criterion in visit.checklist.criteria:
        row = scores.get(criterion["code"])
        score = row.score if row else None
        rows.append(
            {
                "criterion": criterion,
                "text": _text(criterion.get("text")),
                "guidance": _text(criterion.get("guidance")),
                "score": score,
                "label": visit.checklist.scale_label(score) if score is not None else "",
                "max": criterion["max_score"],
                "weight": criterion.get("weight", 1),
                "note": row.note if row else "",
            }
        )
    today = timezone.localdate()
    actions = list(
        visit.actions.annotate(overdue=_overdue(today)).order_by("-overdue", "due_on", "pk")
    )
    return {
        "score_rows": rows,
        "photos": list(visit.photos.all()),
        "actions": actions,
        "amendments": list(visit.amendments.select_related("made_by")),
    }


def _text(texts) -> str:
    from .models import localized

    return localized(texts)


def action_detail(action: FollowUpAction) -> dict:
    events = list(action.events.select_related("made_by").prefetch_related("files"))
    return {"events": events}
