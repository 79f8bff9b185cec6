"""Who may see and do what in evaluation and awards (docs/awards.md).

- The evaluating unit's officers (commune, Department, Ministry) write criteria sets, score,
  nominate and record decisions for their own unit; officers above the unit read them.
- A school's lead and counselors, and the officers above the school, see an evaluation about
  the school (or one of its staff) once its set's results are published, a nomination once it
  is decided, and a decision that names the school. Before that, the draft does not exist for
  them (404). Teachers, partners and system administrators never see awards: an insider
  without the right gets 403, an outsider 404. Refusals are audited.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from diemtua.accounts import access
from diemtua.accounts.roles import Role
from diemtua.audit import services as audit

from .models import (
    AwardDecision,
    CriteriaSet,
    DecisionDocument,
    Evaluation,
    Nomination,
    NominationStatus,
    SetStatus,
)

OFFICER_ROLES = frozenset({Role.COMMUNE_OFFICER, Role.DEPARTMENT_OFFICER, Role.MINISTRY_OFFICER})
SCHOOL_ROLES = frozenset({Role.SCHOOL_LEAD, Role.COUNSELOR})
VIEW_ROLES = OFFICER_ROLES | SCHOOL_ROLES


def officer_units(user) -> list:
    """The units whose awards work the user does: where they are an officer."""
    seen, units = set(), []
    for m in access.memberships(user):
        if m.role in OFFICER_ROLES and m.org_unit_id not in seen and m.org_unit.is_current:
            seen.add(m.org_unit_id)
            units.append(m.org_unit)
    return units


def is_officer_at(user, unit_id: int) -> bool:
    return any(
        m.role in OFFICER_ROLES and m.org_unit_id == unit_id for m in access.memberships(user)
    )


def _decide(user, *, owner_id: int, subjects=(), shown_to_subjects: bool = False) -> None:
    """Officers at or above the owner pass; the subjects' people pass once shown to them."""
    over_owner = access.roles_over(user, owner_id)
    if over_owner & OFFICER_ROLES:
        return
    if shown_to_subjects:
        roles: set[str] = set()
        for unit_id in set(subjects):
            roles |= access.roles_over(user, unit_id)
        if roles & VIEW_ROLES:
            return
        if roles:
            raise PermissionDenied
    if over_owner:
        raise PermissionDenied
    raise Http404


def _refused(user, refusal, object_type: str, pk, request) -> None:
    audit.record(
        actor=user,
        action="awards.access_refused",
        object_type=object_type,
        object_id=str(pk),
        request=request,
        extra={"answer": 404 if isinstance(refusal, Http404) else 403},
    )


def _guarded(user, object_type, pk, request, find):
    try:
        return find()
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, object_type, pk, request)
        raise


def get_criteria_set_for_user(user, pk: int, *, request=None, manage: bool = False):
    """A criteria set: officers at or above its unit; `manage`: officers of the unit itself."""

    def find():
        criteria_set = get_object_or_404(
            CriteriaSet.objects.select_related("owner", "program"), pk=pk
        )
        _decide(user, owner_id=criteria_set.owner_id)
        criteria_set.manageable = is_officer_at(user, criteria_set.owner_id)
        if manage and not criteria_set.manageable:
            raise PermissionDenied
        return criteria_set

    return _guarded(user, "awards.criteriaset", pk, request, find)


def get_evaluation_for_user(user, pk: int, *, request=None, manage: bool = False):
    def find():
        evaluation = get_object_or_404(
            Evaluation.objects.select_related(
                "criteria_set", "criteria_set__owner", "subject_unit", "evaluator"
            ),
            pk=pk,
        )
        criteria_set = evaluation.criteria_set
        _decide(
            user,
            owner_id=criteria_set.owner_id,
            subjects=[evaluation.subject_unit_id],
            shown_to_subjects=criteria_set.status == SetStatus.PUBLISHED,
        )
        evaluation.manageable = (
            is_officer_at(user, criteria_set.owner_id)
            and criteria_set.status != SetStatus.PUBLISHED
        )
        if manage and not evaluation.manageable:
            raise PermissionDenied
        return evaluation

    return _guarded(user, "awards.evaluation", pk, request, find)


def get_nomination_for_user(user, pk: int, *, request=None, manage: bool = False):
    """`manage` (refuse a proposal): officers at or above the nominating unit."""

    def find():
        nomination = get_object_or_404(
            Nomination.objects.select_related(
                "nominating_unit", "subject_unit", "nominated_by", "decision", "evaluation"
            ),
            pk=pk,
        )
        _decide(
            user,
            owner_id=nomination.nominating_unit_id,
            subjects=[nomination.subject_unit_id],
            shown_to_subjects=nomination.status != NominationStatus.PROPOSED,
        )
        officer = bool(access.roles_over(user, nomination.nominating_unit_id) & OFFICER_ROLES)
        nomination.manageable = officer and nomination.status == NominationStatus.PROPOSED
        if manage and not officer:
            raise PermissionDenied
        return nomination

    return _guarded(user, "awards.nomination", pk, request, find)


def _check_decision(user, decision: AwardDecision) -> None:
    units = set()
    for subject_id, nominating_id in decision.nominations.values_list(
        "subject_unit_id", "nominating_unit_id"
    ):
        units |= {subject_id, nominating_id}
    _decide(user, owner_id=decision.issuing_unit_id, subjects=units, shown_to_subjects=True)


def get_decision_for_user(user, pk: int, *, request=None):
    """A decision: its issuing unit's officers (and above), and the people of every unit it
    names (the subjects and the units that nominated them)."""

    def find():
        decision = get_object_or_404(
            AwardDecision.objects.select_related("issuing_unit", "created_by"), pk=pk
        )
        _check_decision(user, decision)
        return decision

    return _guarded(user, "awards.awarddecision", pk, request, find)


def get_document_for_user(user, pk: int, *, request=None):
    def find():
        document = get_object_or_404(DecisionDocument.objects.select_related("decision"), pk=pk)
        _check_decision(user, document.decision)
        return document

    return _guarded(user, "awards.decisiondocument", pk, request, find)
