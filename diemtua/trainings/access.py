"""Who may see and change trainings, exchanges and library documents (docs/trainings.md).

A training (or exchange) lives at its organising unit — the Ministry, a Department, a commune —
and reaches down to the schools whose staff take part:
- seeing: officers at the organising unit or above it see the whole training; the people of a
  participating school (its lead and counselors) and the officers above that school see the
  training with only their own staff on it;
- changing (details, invitations, attendance, scores, certificates): the officers of the
  organising unit itself; officers above it read only, as for activities.
Anyone with no role at or above the organising unit and none above a participating school gets
404, like a training that does not exist: another province's officer never learns of a
provincial training. An insider without the right (a teacher, a system administrator, an officer
above the organiser trying to edit) gets 403. Refusals are audited.

Library documents are seen by scope: national (every staff member), the owner's subtree (its
people and those above it), or a program's participants (those at or above an enrolled school,
and those at or above the owner). Only the owner unit's officers change them.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from diemtua.accounts import access
from diemtua.accounts.roles import Role
from diemtua.audit import services as audit
from diemtua.orgs.models import OrgKind, OrgUnitAncestor

from .models import (
    Certificate,
    Exchange,
    LibraryDocument,
    LibraryVersion,
    Participant,
    Training,
    Visibility,
)

OFFICER_ROLES = frozenset({Role.COMMUNE_OFFICER, Role.DEPARTMENT_OFFICER, Role.MINISTRY_OFFICER})
# Trainings and exchanges: a school's leadership and counselors, and the officers above.
VIEW_ROLES = OFFICER_ROLES | {Role.COUNSELOR, Role.SCHOOL_LEAD}
# Staff hours: the same people (a school sees its own staff; officers their subtree).
HOURS_ROLES = VIEW_ROLES
# The library is reading for every staff member, teachers too.
LIBRARY_ROLES = VIEW_ROLES | {Role.TEACHER}
MANAGE_ROLES = OFFICER_ROLES
# Units that organise trainings and exchanges and own library documents.
OWNER_KINDS = frozenset({OrgKind.MINISTRY, OrgKind.DEPARTMENT, OrgKind.COMMUNE})


def roles_at(user, unit_id: int) -> set[str]:
    """Roles held at exactly this unit: who belongs to the organising unit."""
    return {m.role for m in access.memberships(user) if m.org_unit_id == unit_id}


def owner_units(user) -> list:
    """Units where the user may organise trainings and exchanges and post documents."""
    seen, units = set(), []
    for m in access.memberships(user):
        if (
            m.role in MANAGE_ROLES
            and m.org_unit.kind in OWNER_KINDS
            and m.org_unit.is_current
            and m.org_unit_id not in seen
        ):
            seen.add(m.org_unit_id)
            units.append(m.org_unit)
    return units


def can_manage(user, owner_id: int) -> bool:
    return bool(roles_at(user, owner_id) & MANAGE_ROLES)


def _roles_above_any(user, unit_ids) -> set[str]:
    """Roles the user holds at a unit that is at or above one of `unit_ids` (a queryset or a
    list). One query, bounded by the user's own memberships."""
    mine = access.memberships(user)
    if not mine:
        return set()
    found = set(
        OrgUnitAncestor.objects.filter(
            ancestor_id__in={m.org_unit_id for m in mine}, descendant_id__in=unit_ids
        ).values_list("ancestor_id", flat=True)
    )
    return {m.role for m in mine if m.org_unit_id in found}


def _refused(user, refusal, object_type: str, pk, request) -> None:
    audit.record(
        actor=user,
        action="trainings.access_refused",
        object_type=object_type,
        object_id=str(pk),
        request=request,
        extra={"answer": 404 if isinstance(refusal, Http404) else 403},
    )


def _require(roles: set[str], allowed) -> None:
    if not roles:
        raise Http404
    if not roles & set(allowed):
        raise PermissionDenied


def _training_roles(user, training: Training) -> tuple[set[str], set[str]]:
    """(roles at or above the organiser, roles above a participating school)."""
    above = access.roles_over(user, training.owner_id)
    below = _roles_above_any(user, Participant.objects.filter(training=training).values("unit_id"))
    return above, below


def _check_training(user, training: Training, *, manage: bool) -> None:
    above, below = _training_roles(user, training)
    _require(above | below, VIEW_ROLES)
    if manage and not can_manage(user, training.owner_id):
        raise PermissionDenied
    # Officers at or above the organiser see every participant; the others their own staff.
    training.sees_all = bool(above & VIEW_ROLES)
    training.editable = can_manage(user, training.owner_id)


def get_training_for_user(user, pk: int, *, request=None, manage: bool = False) -> Training:
    try:
        training = get_object_or_404(
            Training.objects.select_related("owner", "program", "created_by"), pk=pk
        )
        _check_training(user, training, manage=manage)
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "trainings.training", pk, request)
        raise
    return training


def _check_participant(user, participant: Participant, *, manage: bool) -> None:
    """A participation is reached through its person's unit, or by the training's organiser;
    the person always reaches their own."""
    own = participant.user_id is not None and participant.user_id == user.pk
    roles = access.roles_over(user, participant.unit_id)
    training = participant.training
    organiser = roles_at(user, training.owner_id)
    if manage:
        above, below = _training_roles(user, training)
        _require(above | below | roles, VIEW_ROLES)
        if not can_manage(user, training.owner_id):
            raise PermissionDenied
        return
    if own or organiser & VIEW_ROLES:
        return
    _require(roles, HOURS_ROLES)


def get_participant_for_user(user, pk: int, *, request=None, manage: bool = False) -> Participant:
    try:
        participant = get_object_or_404(
            Participant.objects.select_related("training", "training__owner", "unit", "user"),
            pk=pk,
        )
        _check_participant(user, participant, manage=manage)
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "trainings.participant", pk, request)
        raise
    return participant


def get_certificate_for_user(user, pk: int, *, request=None, manage: bool = False) -> Certificate:
    try:
        certificate = get_object_or_404(
            Certificate.objects.select_related(
                "participant",
                "participant__unit",
                "participant__training",
                "participant__training__owner",
            ),
            pk=pk,
        )
        _check_participant(user, certificate.participant, manage=manage)
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "trainings.certificate", pk, request)
        raise
    return certificate


def _check_exchange(user, exchange: Exchange, *, manage: bool) -> None:
    above = access.roles_over(user, exchange.owner_id)
    below = _roles_above_any(user, exchange.schools.values("pk"))
    _require(above | below, VIEW_ROLES)
    exchange.editable = can_manage(user, exchange.owner_id)
    if manage and not exchange.editable:
        raise PermissionDenied


def get_exchange_for_user(user, pk: int, *, request=None, manage: bool = False) -> Exchange:
    try:
        exchange = get_object_or_404(
            Exchange.objects.select_related("owner", "program", "created_by"), pk=pk
        )
        _check_exchange(user, exchange, manage=manage)
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "trainings.exchange", pk, request)
        raise
    return exchange


def document_insider_roles(user, document: LibraryDocument) -> set[str]:
    """The user's roles that fall inside the document's scope (empty: it does not exist for
    them)."""
    from diemtua.programs.models import Enrolment

    above = access.roles_over(user, document.owner_id)
    if document.visibility == Visibility.NATIONAL:
        return access.roles_of(user)
    if document.visibility == Visibility.PROGRAM:
        schools = Enrolment.objects.filter(program_id=document.program_id).values("school_id")
        return above | _roles_above_any(user, schools)
    # The owner's subtree: its people and everyone below it, and those above it.
    mine = access.memberships(user)
    inside = set(
        OrgUnitAncestor.objects.filter(
            ancestor_id=document.owner_id, descendant_id__in={m.org_unit_id for m in mine}
        ).values_list("descendant_id", flat=True)
    )
    return above | {m.role for m in mine if m.org_unit_id in inside}


def _check_document(user, document: LibraryDocument, *, manage: bool) -> None:
    _require(document_insider_roles(user, document), LIBRARY_ROLES)
    document.editable = can_manage(user, document.owner_id)
    if manage and not document.editable:
        raise PermissionDenied


def get_document_for_user(user, pk: int, *, request=None, manage: bool = False) -> LibraryDocument:
    try:
        document = get_object_or_404(
            LibraryDocument.objects.select_related("owner", "program", "exchange", "created_by"),
            pk=pk,
        )
        _check_document(user, document, manage=manage)
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "trainings.librarydocument", pk, request)
        raise
    return document


def get_version_for_user(user, pk: int, *, request=None) -> LibraryVersion:
    """A file, reached only as its document is: the same rule for the download."""
    try:
        version = get_object_or_404(
            LibraryVersion.objects.select_related("document", "document__owner"), pk=pk
        )
        _check_document(user, version.document, manage=False)
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "trainings.libraryversion", pk, request)
        raise
    return version
