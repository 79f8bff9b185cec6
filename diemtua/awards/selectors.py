"""Reads of awards, scoped as access.py decides, as querysets (a bounded number of queries
however many rows)."""

from django.db.models import Count, Q, QuerySet, prefetch_related_objects

from diemtua.accounts import access as account_access
from diemtua.orgs.models import OrgKind, OrgUnit, OrgUnitAncestor

from .access import OFFICER_ROLES, VIEW_ROLES
from .models import (
    AwardDecision,
    CriteriaSet,
    Evaluation,
    Nomination,
    NominationStatus,
    SetStatus,
)


def _subtree(user, roles) -> QuerySet:
    own = [m.org_unit_id for m in account_access.memberships(user) if m.role in roles]
    return OrgUnitAncestor.objects.filter(ancestor_id__in=own).values("descendant_id")


def criteria_sets_for(*, fetched_by) -> QuerySet[CriteriaSet]:
    return (
        CriteriaSet.objects.filter(owner_id__in=_subtree(fetched_by, OFFICER_ROLES))
        .select_related("owner", "program")
        .annotate(evaluation_count=Count("evaluations", distinct=True))
    )


def evaluations_for(*, fetched_by) -> QuerySet[Evaluation]:
    officer = _subtree(fetched_by, OFFICER_ROLES)
    seen = _subtree(fetched_by, VIEW_ROLES)
    return (
        Evaluation.objects.filter(
            Q(criteria_set__owner_id__in=officer)
            | Q(criteria_set__status=SetStatus.PUBLISHED, subject_unit_id__in=seen)
        )
        .select_related("criteria_set", "subject_unit")
        .order_by("-evaluated_on", "-pk")
    )


def nominations_for(*, fetched_by, status: str = "") -> QuerySet[Nomination]:
    officer = _subtree(fetched_by, OFFICER_ROLES)
    seen = _subtree(fetched_by, VIEW_ROLES)
    qs = Nomination.objects.filter(
        Q(nominating_unit_id__in=officer)
        | (~Q(status=NominationStatus.PROPOSED) & Q(subject_unit_id__in=seen))
    )
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("subject_unit", "nominating_unit", "decision")


def decisions_for(*, fetched_by) -> QuerySet[AwardDecision]:
    officer = _subtree(fetched_by, OFFICER_ROLES)
    seen = _subtree(fetched_by, VIEW_ROLES)
    named = Nomination.objects.filter(
        Q(subject_unit_id__in=seen) | Q(nominating_unit_id__in=seen), decision__isnull=False
    ).values("decision_id")
    return (
        AwardDecision.objects.filter(Q(issuing_unit_id__in=officer) | Q(pk__in=named))
        .select_related("issuing_unit")
        .annotate(approved=Count("nominations", distinct=True))
    )


def ranking(criteria_set: CriteriaSet) -> list[Evaluation]:
    """The set's evaluations, best first, ranked 1, 2, 2, 4 (equal totals share a rank)."""
    # Each ranked row shows its total out of the set's maximum (CriteriaSet.max_total, a sum
    # over the criteria): read the criteria once, not once per row.
    prefetch_related_objects([criteria_set], "criteria")
    rows = list(
        criteria_set.evaluations.select_related("subject_unit").order_by(
            "-total", "subject_unit__search_name", "person_key"
        )
    )
    previous, rank = None, 0
    for index, evaluation in enumerate(rows, start=1):
        if evaluation.total != previous:
            rank, previous = index, evaluation.total
        evaluation.rank = rank
    return rows


def rank_of(evaluation: Evaluation) -> tuple[int, int]:
    """(rank, how many were evaluated) within the set."""
    siblings = Evaluation.objects.filter(criteria_set_id=evaluation.criteria_set_id)
    better = siblings.filter(total__gt=evaluation.total).count()
    return better + 1, siblings.count()


def subject_schools(criteria_set: CriteriaSet) -> QuerySet[OrgUnit]:
    """Schools to pick from: the program's enrolled schools when the set has a program with
    enrolments, else None (the evaluator types a school's code, which scales to a province)."""
    program = criteria_set.program
    if program is None or not program.enrolments.exists():
        return OrgUnit.objects.none()
    # Only the set owner's own area: a Department scoring on a Ministry program must not list
    # (or read evidence about) another province's schools.
    return OrgUnit.objects.filter(
        pk__in=program.enrolments.values("school_id"),
        kind=OrgKind.SCHOOL,
        ancestor_links__ancestor_id=criteria_set.owner_id,
    ).order_by("search_name")


def proposals_for_decision(*, issuing_units) -> QuerySet[Nomination]:
    """Proposals an issuing unit may approve: those of the unit or a unit below it."""
    below = OrgUnitAncestor.objects.filter(ancestor_id__in=[u.pk for u in issuing_units]).values(
        "descendant_id"
    )
    return (
        Nomination.objects.filter(status=NominationStatus.PROPOSED, nominating_unit_id__in=below)
        .select_related("subject_unit", "nominating_unit")
        .order_by("award_title", "subject_unit__search_name", "person_name")
    )


def unit_by_code(*, within, code: str) -> OrgUnit | None:
    """A current unit with this code in `within`'s subtree (schools are found by their code)."""
    code = (code or "").strip()[:32]
    if not code:
        return None
    below = OrgUnitAncestor.objects.filter(ancestor=within).values("descendant_id")
    return (
        OrgUnit.objects.filter(code__iexact=code, pk__in=below)
        .exclude(kind=OrgKind.PROVIDER)
        .order_by("valid_to")
        .first()
    )
