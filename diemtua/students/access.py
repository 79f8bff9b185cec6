from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from diemtua.accounts import access
from diemtua.accounts.roles import STUDENT_DATA_ROLES
from diemtua.audit import services as audit

from .models import Student


def get_student_for_user(user, pk: int, *, request=None) -> Student:
    """A student of a school where the user is a counselor.

    Anyone without a role over the student's school gets 404 (as if the student did not exist);
    a school lead, teacher or officer above the school gets 403: identifiable data stays with
    the school's counselors (Circular 18/2025, confidentiality principle). Refusals are audited
    too, so someone probing record numbers leaves a trace.
    """
    try:
        student = get_object_or_404(Student.objects.select_related("school"), pk=pk)
        access.require_roles_over(user, student.school_id, STUDENT_DATA_ROLES)
    except (Http404, PermissionDenied) as refusal:
        audit.record(
            actor=user,
            action="students.access_refused",
            object_type="students.student",
            object_id=str(pk),
            request=request,
            extra={"answer": 404 if isinstance(refusal, Http404) else 403},
        )
        raise
    return student


def get_counselor_school(user, wanted: str = ""):
    """The school a counselor works on: theirs named by `wanted` (a pk), else their first.

    Returns (school, all their schools). 403 for anyone who is not a counselor; 404 when `wanted`
    names a school that is not theirs, as for every other object of another school.
    """
    schools = access.require_role(user, STUDENT_DATA_ROLES)
    if not wanted:
        return schools[0], schools
    for school in schools:
        if str(school.pk) == wanted:
            return school, schools
    raise Http404
