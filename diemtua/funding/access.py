"""Who may see and record budget lines (docs/funding.md).

- seeing: a school's lead sees the school's lines; commune, department and Ministry officers
  see every line of their subtree. Counselors and teachers are insiders without the right
  (403): budget is leadership's business, and nothing in it helps their casework.
- recording and changing: the people of the unit that holds the money — its officers, or a
  school's lead for the school — and nobody above it (an officer above a school reads it).
- a unit closed by a merger (Hà Giang, Hòa Bình on 01/07/2025) passes its lines to its
  successor: the successor's people reach them as their own, so the 2024 pilot's lines stay
  in reach of today's Department.
Anyone with no role at or above the unit gets 404, as for a line that does not exist; refusals
are audited.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from diemtua.accounts import access
from diemtua.accounts.roles import Role
from diemtua.audit import services as audit

from .models import BudgetAttachment, BudgetLine

VIEW_ROLES = frozenset(
    {Role.SCHOOL_LEAD, Role.COMMUNE_OFFICER, Role.DEPARTMENT_OFFICER, Role.MINISTRY_OFFICER}
)
MANAGE_ROLES = VIEW_ROLES


def _units(unit) -> list[int]:
    """The unit and, when it was merged, the unit that carries on its records."""
    ids = [unit.pk]
    if unit.successor_id:
        ids.append(unit.successor_id)
    return ids


def roles_reaching(user, unit) -> set[str]:
    roles: set[str] = set()
    for unit_id in _units(unit):
        roles |= access.roles_over(user, unit_id)
    return roles


def can_manage(user, unit) -> bool:
    own = set(_units(unit))
    return any(m.role in MANAGE_ROLES and m.org_unit_id in own for m in access.memberships(user))


def managing_units(user) -> list:
    """Units whose lines the user records: where they hold a managing role."""
    seen, units = set(), []
    for m in access.memberships(user):
        if m.role in MANAGE_ROLES and m.org_unit_id not in seen and m.org_unit.is_current:
            seen.add(m.org_unit_id)
            units.append(m.org_unit)
    return units


def _refused(user, refusal, object_type: str, pk, request) -> None:
    audit.record(
        actor=user,
        action="funding.access_refused",
        object_type=object_type,
        object_id=str(pk),
        request=request,
        extra={"answer": 404 if isinstance(refusal, Http404) else 403},
    )


def _check(user, line: BudgetLine, *, edit: bool) -> None:
    roles = roles_reaching(user, line.unit)
    if not roles:
        raise Http404
    if not roles & VIEW_ROLES:
        raise PermissionDenied
    if edit and not can_manage(user, line.unit):
        raise PermissionDenied


def get_line_for_user(user, pk: int, *, request=None, edit: bool = False) -> BudgetLine:
    """A line the user may see (`edit`: may change); 404 outside, 403 without the right."""
    try:
        line = get_object_or_404(
            BudgetLine.objects.select_related("unit", "unit__successor", "program", "created_by"),
            pk=pk,
        )
        _check(user, line, edit=edit)
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "funding.budgetline", pk, request)
        raise
    line.editable = edit or can_manage(user, line.unit)
    return line


def get_attachment_for_user(user, pk: int, *, request=None, edit: bool = False) -> BudgetAttachment:
    """An attachment, reached only as its line is."""
    try:
        attachment = get_object_or_404(
            BudgetAttachment.objects.select_related("line", "line__unit"), pk=pk
        )
        _check(user, attachment.line, edit=edit)
    except (Http404, PermissionDenied) as refusal:
        _refused(user, refusal, "funding.budgetattachment", pk, request)
        raise
    return attachment
