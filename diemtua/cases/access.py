"""Looking up requests, cases and sessions for a user (DESIGN.md, "Who may see what").

Case content is seen only at the student's school by its counselors, and a restricted case only
by its assigned counselors. Anyone with no role over the school gets 404, as for a case that
does not exist; a school lead, teacher or officer above the school gets 403. An unassigned
counselor gets 404 for a restricted case: even its existence is need-to-know. Refusals are
audited, so probing record numbers leaves a trace.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from diemtua.accounts import access
from diemtua.accounts.roles import STUDENT_DATA_ROLES
from diemtua.audit import services as audit

from .models import Case, Consent, HelpRequest, PlanAction, SafeguardingAlert, Session


def _refused(user, refusal, object_type: str, pk, request) -> None:
    audit.record(
        actor=user,
        action="cases.access_refused",
        object_type=object_type,
        object_id=str(pk),
        request=request,
        extra={"answer": 404 if isinstance(refusal, Http404) else 403},
    )


def can_see_case(user, case: Case) -> bool:
    """For a user already known to be a counselor of the case's school."""
    if not case.restricted:
        return True
    return any(c.pk == user.pk for c in case.counselors.all())


def get_orphaned_case_for_user(user, pk: int, *, request=None) -> Case:
    """A restricted case whose assigned counselors have all left, for a counselor of its
    school to take over (selectors.orphaned_cases): its content stays hidden until then."""
    try:
        case = get_object_or_404(Case.objects.select_related("school"), pk=pk)
        access.require_roles_over(user, case.school_id, STUDENT_DATA_ROLES)
        from .selectors import has_active_assignee

        if not (case.restricted and not has_active_assignee(case)) and not can_see_case(user, case):
            raise Http404
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "cases.case", pk, request)
        raise
    return case


def _check_case(user, case: Case) -> None:
    access.require_roles_over(user, case.school_id, STUDENT_DATA_ROLES)
    if not can_see_case(user, case):
        raise Http404


def get_case_for_user(user, pk: int, *, request=None) -> Case:
    try:
        case = get_object_or_404(
            Case.objects.select_related("school", "student").prefetch_related("counselors"),
            pk=pk,
        )
        _check_case(user, case)
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "cases.case", pk, request)
        raise
    return case


def get_request_for_user(user, pk: int, *, request=None) -> HelpRequest:
    try:
        help_request = get_object_or_404(
            HelpRequest.objects.select_related("school", "student", "case", "referred_by"),
            pk=pk,
        )
        access.require_roles_over(user, help_request.school_id, STUDENT_DATA_ROLES)
        if help_request.case is not None and not can_see_case(user, help_request.case):
            raise Http404
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "cases.helprequest", pk, request)
        raise
    return help_request


def _get_case_child(model, user, pk: int, request, object_type: str):
    try:
        obj = get_object_or_404(model.objects.select_related("case", "case__student"), pk=pk)
        _check_case(user, obj.case)
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, object_type, pk, request)
        raise
    return obj


def get_session_for_user(user, pk: int, *, request=None) -> Session:
    return _get_case_child(Session, user, pk, request, "cases.session")


def get_action_for_user(user, pk: int, *, request=None) -> PlanAction:
    return _get_case_child(PlanAction, user, pk, request, "cases.planaction")


def get_consent_for_user(user, pk: int, *, request=None) -> Consent:
    return _get_case_child(Consent, user, pk, request, "cases.consent")


def get_alert_for_user(user, pk: int, *, request=None) -> SafeguardingAlert:
    """An alert of a school: its counselors and leadership, and at the Department's level the
    Department's officers too. Outsiders 404, other insiders 403 (alerts.ACK_ROLES)."""
    from .alerts import ACK_ROLES

    try:
        alert = get_object_or_404(SafeguardingAlert.objects.select_related("school"), pk=pk)
        access.require_roles_over(user, alert.school_id, ACK_ROLES[alert.level])
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "cases.safeguardingalert", pk, request)
        raise
    return alert
