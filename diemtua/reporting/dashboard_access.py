"""Who sees a program's dashboard (issue 8: "a program view — the pilot's 6 localities × 3
schools"). Built on programs.access.scope_for, which already knows a program's owner,
localities (with their successors after the 2025 mergers) and enrolled schools:
- officers at or above the owner unit see every locality and school (suppressed);
- officers of a locality, or of the unit that succeeded it (Tuyên Quang for Hà Giang), see
  that locality's schools (suppressed);
- staff of an enrolled school see only their own school's row, exactly (its counselors and
  leadership); a commune officer sees the enrolled schools below the commune (suppressed);
- anybody else who is an insider (a teacher, a system administrator at the Ministry) gets 403,
  everyone else 404, as for a program that does not exist. Refusals are audited.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from diemtua.audit import services as audit
from diemtua.programs import access as program_access
from diemtua.programs.models import Program

_PK_MAX = 2**63 - 1


def _refuse(user, program_id, status: int) -> None:
    audit.record(
        actor=user,
        action="reporting.refused",
        object_type="programs.program",
        object_id=str(program_id),
        extra={"what": "program_dashboard", "status": status},
    )


def get_program_for_dashboard(user, pk):
    """(program, scope) or 404/403."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < pk <= _PK_MAX:
        raise Http404
    program = get_object_or_404(Program.objects.select_related("owner"), pk=pk)
    scope = program_access.scope_for(user, program)
    if not scope.insider:
        _refuse(user, program.pk, 404)
        raise Http404
    if not scope.can_view or not (scope.full or scope.visible_localities or scope.school_ids):
        _refuse(user, program.pk, 403)
        raise PermissionDenied
    return program, scope
