"""Who reaches a survey, and who answers for a recipient (DESIGN.md, "Who may see what").

A survey lives at two places: its owner unit (the commune, department or Ministry that sent it)
and the units it was sent to. Anyone with a role over either is an insider; everyone else gets
404, as for a survey that does not exist (an officer of another province, a school it was not
sent to). Among insiders:
- managing it (completion, reminders, closing) and reading its results is for the officers of
  the owner unit and of the units above it; other insiders get 403;
- answering for a school is for that school's leadership and counselors; answering a staff
  survey is for the one person it was sent to. Other insiders get 403.
Refusals are audited, so probing survey numbers leaves a trace.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from diemtua.accounts import access
from diemtua.accounts.roles import Role
from diemtua.audit import services as audit
from diemtua.orgs.models import OrgKind, OrgUnitAncestor

from .models import Survey, SurveyRecipient

# Officers who send surveys, each from the kind of unit their role is held at.
OWNER_ROLE_AT = {
    OrgKind.COMMUNE: Role.COMMUNE_OFFICER,
    OrgKind.DEPARTMENT: Role.DEPARTMENT_OFFICER,
    OrgKind.MINISTRY: Role.MINISTRY_OFFICER,
}
SURVEY_OFFICER_ROLES = frozenset(OWNER_ROLE_AT.values())
# A school's answer is given by its leadership or a counselor (one answer per school).
SCHOOL_ANSWER_ROLES = frozenset({Role.COUNSELOR, Role.SCHOOL_LEAD})
# Staff surveys go to counselors, and when the sender chooses, to school leads and teachers.
STAFF_ROLES = (Role.COUNSELOR, Role.SCHOOL_LEAD, Role.TEACHER)
# The survey list: people who may be asked (school staff) and people who ask (officers).
SURVEY_LIST_ROLES = SURVEY_OFFICER_ROLES | frozenset(STAFF_ROLES)

_PK_MAX = 2**63 - 1


def _refused(user, refusal, object_type: str, pk, request) -> None:
    audit.record(
        actor=user,
        action="screening.survey_access_refused",
        object_type=object_type,
        object_id=str(pk),
        request=request,
        extra={"answer": 404 if isinstance(refusal, Http404) else 403},
    )


def _check_pk(pk) -> int:
    # SQLite raises OverflowError (a 500) for a key beyond 64 bits; it cannot exist anyway.
    if not 0 < int(pk) <= _PK_MAX:
        raise Http404
    return int(pk)


def _inside_a_recipient(user, survey_id: int) -> bool:
    """Does the user hold a role at (or above) one of the units the survey was sent to?"""
    unit_ids = [m.org_unit_id for m in access.memberships(user)]
    if not unit_ids:
        return False
    return OrgUnitAncestor.objects.filter(
        ancestor_id__in=unit_ids,
        descendant_id__in=SurveyRecipient.objects.filter(survey_id=survey_id).values("unit_id"),
    ).exists()


def can_manage(user, survey: Survey) -> bool:
    return bool(access.roles_over(user, survey.owner_id) & SURVEY_OFFICER_ROLES)


def get_survey_to_manage(user, pk, *, request=None) -> Survey:
    """A survey for its owner's officers (and those above): insiders 403, outsiders 404."""
    try:
        survey = get_object_or_404(
            Survey.objects.select_related("owner", "version__instrument", "created_by"),
            pk=_check_pk(pk),
        )
        if not can_manage(user, survey):
            if access.roles_over(user, survey.owner_id) or _inside_a_recipient(user, survey.pk):
                raise PermissionDenied
            raise Http404
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "screening.survey", pk, request)
        raise
    return survey


def may_answer(user, recipient: SurveyRecipient) -> bool:
    if recipient.user_id is not None:
        return recipient.user_id == user.pk
    return bool(access.roles_over(user, recipient.unit_id) & SCHOOL_ANSWER_ROLES)


def get_recipient_to_answer(user, pk, *, request=None) -> SurveyRecipient:
    """A recipient row the user answers for (or whose answer they see once given).

    School surveys: the school's leadership and counselors. Staff surveys: only the person it
    was sent to — a colleague at the same school is an insider (403), not a respondent.
    """
    try:
        recipient = get_object_or_404(
            SurveyRecipient.objects.select_related(
                "survey__owner", "survey__version__instrument", "unit", "user", "responded_by"
            ),
            pk=_check_pk(pk),
        )
        if not may_answer(user, recipient):
            if access.roles_over(user, recipient.unit_id) or access.roles_over(
                user, recipient.survey.owner_id
            ):
                raise PermissionDenied
            raise Http404
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "screening.surveyrecipient", pk, request)
        raise
    return recipient


def get_owner_unit(user, pk=None):
    """The unit a new survey is sent from: one where the user is the officer of its kind.

    With several such units (rare), `pk` chooses; without it, the highest one. A unit where
    the user is no such officer is a 404 when they are outside it, 403 otherwise.
    """
    units = owner_units(user)
    if not units:
        raise PermissionDenied
    if pk in (None, ""):
        return units[0]
    try:
        wanted = _check_pk(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    for unit in units:
        if unit.pk == wanted:
            return unit
    if access.roles_over(user, wanted):
        raise PermissionDenied
    raise Http404


def owner_units(user) -> list:
    """Current units where the user is the officer who may send surveys, highest first."""
    order = [OrgKind.MINISTRY, OrgKind.DEPARTMENT, OrgKind.COMMUNE]
    units = {
        m.org_unit.pk: m.org_unit
        for m in access.memberships(user)
        if m.org_unit.is_current and OWNER_ROLE_AT.get(m.org_unit.kind) == m.role
    }
    return sorted(units.values(), key=lambda u: (order.index(u.kind), u.search_name))
