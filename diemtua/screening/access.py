"""Looking up screenings for a user (DESIGN.md, "Who may see what").

Screening answers are identifiable health data about children: individual results are seen only
at the student's school by its counselors. The school's leadership sees the class summary
(distributions, small groups hidden), never a name. Anyone with no role over the school gets
404, as for a screening that does not exist; other insiders get 403. Refusals are audited.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from diemtua.accounts import access
from diemtua.accounts.roles import Role
from diemtua.audit import services as audit

from .models import Administration, Response, ScreeningConsent

COUNSELOR = {Role.COUNSELOR}
SUMMARY_ROLES = {Role.COUNSELOR, Role.SCHOOL_LEAD}


def _get(user, model, pk: int, school_of, allowed, request, **related):
    try:
        obj = get_object_or_404(model.objects.select_related(*related.get("with", ())), pk=pk)
        access.require_roles_over(user, school_of(obj), allowed)
    except (Http404, PermissionDenied) as refusal:
        audit.record(
            actor=user,
            action="screening.access_refused",
            object_type=model._meta.label_lower,
            object_id=str(pk),
            request=request,
            extra={"answer": 404 if isinstance(refusal, Http404) else 403},
        )
        raise
    return obj


def get_administration_for_user(user, pk: int, *, request=None) -> Administration:
    """Names, codes and scores of a class: the school's counselors only."""
    return _get(
        user,
        Administration,
        pk,
        lambda a: a.school_id,
        COUNSELOR,
        request,
        **{"with": ("version__instrument", "school")},
    )


def get_summary_for_user(user, pk: int, *, request=None) -> Administration:
    """The class summary (no names): counselors and the school's leadership."""
    return _get(
        user,
        Administration,
        pk,
        lambda a: a.school_id,
        SUMMARY_ROLES,
        request,
        **{"with": ("version__instrument", "school")},
    )


def get_response_for_user(user, pk: int, *, request=None) -> Response:
    """One student's answers; the read is audited (DESIGN.md: every read of student data)."""
    response = _get(
        user,
        Response,
        pk,
        lambda r: r.administration.school_id if r.administration_id else None,
        COUNSELOR,
        request,
        **{"with": ("administration__school", "participant__student", "version__instrument")},
    )
    if response.participant_id is None:  # an anonymous answer is read only in the summary
        raise Http404
    audit.record(
        actor=user,
        action="screening.response_view",
        obj=response,
        org_unit=response.administration.school_id,
        request=request,
    )
    return response


def get_consent_for_user(user, pk: int, *, request=None) -> ScreeningConsent:
    return _get(user, ScreeningConsent, pk, lambda c: c.school_id, COUNSELOR, request)
