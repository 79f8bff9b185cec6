"""Who sees which dashboard and which report (DESIGN.md "Who may see what").

Dashboards:
- a school's counselors and leadership see their own school's figures exactly;
- commune, department and ministry officers see aggregates of their subtree, always through
  reporting.suppression (counts 1–4 hidden), down to each school;
- an officer of today's unit also sees the units it succeeded (Tuyên Quang sees Hà Giang's
  2024 figures), because the successor carries on the old unit's duties;
- teachers, partner staff and system administrators see no dashboard (403); a unit outside
  everything the user may see does not exist for them (404).
Reports:
- the reporting unit's staff (school: counselor and leadership; department: its officers;
  ministry: its officers) prepare and submit;
- the level above decides (approve or return): for a school, the officers of its commune or
  department; for a province report, the Ministry's officers.
Refusals are audited.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from diemtua.accounts import access
from diemtua.accounts.roles import Role
from diemtua.audit import services as audit
from diemtua.orgs.models import OrgKind, OrgUnit

from .models import Report, ReportKind, ReportStatus

SCHOOL_ROLES = frozenset({Role.COUNSELOR, Role.SCHOOL_LEAD})
OFFICER_ROLES = frozenset({Role.COMMUNE_OFFICER, Role.DEPARTMENT_OFFICER, Role.MINISTRY_OFFICER})
DASHBOARD_ROLES = SCHOOL_ROLES | OFFICER_ROLES
# Who prepares the report of each kind of unit.
PREPARER_ROLES = {
    OrgKind.SCHOOL: SCHOOL_ROLES,
    OrgKind.COMMUNE: frozenset({Role.COMMUNE_OFFICER}),
    OrgKind.DEPARTMENT: frozenset({Role.DEPARTMENT_OFFICER}),
    OrgKind.MINISTRY: frozenset({Role.MINISTRY_OFFICER}),
}

_PK_MAX = 2**63 - 1


def _check_pk(pk) -> int:
    # int() of a str that passed str.isdigit() can still fail ("²" is a digit to Python): a
    # bad id is a missing object, never a 500 (security review).
    try:
        value = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < value <= _PK_MAX:
        raise Http404
    return value


def _refuse(user, action: str, unit_id: int | None, status: int):
    audit.record(
        actor=user,
        action="reporting.refused",
        org_unit=unit_id,
        extra={"what": action, "status": status},
    )


def _roles_over_with_history(user, unit: OrgUnit) -> set[str]:
    """Roles over the unit, or over the unit that carries on its work after a merger."""
    roles = access.roles_over(user, unit.pk)
    current = unit
    seen = {unit.pk}
    while not roles and current.successor_id and current.successor_id not in seen:
        seen.add(current.successor_id)
        current = OrgUnit.objects.get(pk=current.successor_id)
        roles = access.roles_over(user, current.pk)
    return roles


def dashboard_roots(user) -> list[OrgUnit]:
    """Units whose dashboards the user starts from (403 without a dashboard role)."""
    return access.require_role(user, DASHBOARD_ROLES)


def get_unit_for_dashboard(user, pk) -> OrgUnit:
    unit = get_object_or_404(
        OrgUnit.objects.select_related("parent", "successor"), pk=_check_pk(pk)
    )
    if unit.kind == OrgKind.PROVIDER:
        raise Http404
    roles = _roles_over_with_history(user, unit)
    if not roles:
        _refuse(user, "dashboard", unit.pk, 404)
        raise Http404
    if not roles & DASHBOARD_ROLES:
        _refuse(user, "dashboard", unit.pk, 403)
        raise PermissionDenied
    return unit


def sees_exact(user, unit: OrgUnit) -> bool:
    """Only the school's own counselors and leadership see its unsuppressed figures."""
    if unit.kind != OrgKind.SCHOOL:
        return False
    return any(
        m.org_unit_id == unit.pk and m.role in SCHOOL_ROLES for m in access.memberships(user)
    )


def can_prepare(user, unit: OrgUnit) -> bool:
    wanted = PREPARER_ROLES.get(unit.kind, frozenset())
    return any(m.org_unit_id == unit.pk and m.role in wanted for m in access.memberships(user))


def sees_typed_text(user, report: Report) -> bool:
    """Whether the report's typed parts (narrative, difficulties, proposals, lessons) are shown.

    The unit's own preparers always see them. Anybody above sees them only once the report
    is sent (submitted or approved): the rule that no student is named in a report going up
    (validation "no_student_names") runs at submission, so a draft — or a returned report
    being corrected — may still name a child (security review)."""
    return report.status in {ReportStatus.SUBMITTED, ReportStatus.APPROVED} or can_prepare(
        user, report.org_unit
    )


def deciding_roles(report: Report) -> frozenset:
    if report.kind == ReportKind.SCHOOL_SEMESTER:
        return frozenset({Role.COMMUNE_OFFICER, Role.DEPARTMENT_OFFICER})
    if report.kind == ReportKind.PROVINCE:
        return frozenset({Role.MINISTRY_OFFICER})
    return frozenset()  # the pilot evaluation is the Ministry's own report: nobody above it


def can_decide(user, report: Report) -> bool:
    """Officers above the reporting unit (not at it) with the deciding role."""
    wanted = deciding_roles(report)
    if not wanted:
        return False
    roles_above = {
        m.role
        for m in access.memberships(user)
        if m.org_unit_id != report.org_unit_id and m.role in wanted
    } & access.roles_over(user, report.org_unit_id)
    return bool(roles_above)


def get_report_for_user(user, pk, *, action: str = "view") -> Report:
    """404 unless the user is at or above the reporting unit; 403 without a reporting role.

    action: "view", "edit" (prepare/submit) or "decide" (approve/return).
    """
    report = get_object_or_404(
        Report.objects.select_related("org_unit", "org_unit__parent", "period", "period__program"),
        pk=_check_pk(pk),
    )
    roles = _roles_over_with_history(user, report.org_unit)
    if not roles:
        _refuse(user, f"report_{action}", report.org_unit_id, 404)
        raise Http404
    allowed = {
        "view": bool(roles & DASHBOARD_ROLES),
        "edit": can_prepare(user, report.org_unit),
        "decide": can_decide(user, report),
    }[action]
    if not allowed:
        _refuse(user, f"report_{action}", report.org_unit_id, 403)
        raise PermissionDenied
    return report
