"""Roles and the org-unit kind each role is held at (DESIGN.md, "Who may see what")."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from diemtua.orgs.models import OrgKind


class Role(models.TextChoices):
    TEACHER = "teacher", _("Giáo viên")
    COUNSELOR = "counselor", _("Cán bộ tư vấn/CTXH")
    SCHOOL_LEAD = "school_lead", _("Ban giám hiệu")
    COMMUNE_OFFICER = "commune_officer", _("Cán bộ xã/phường")
    DEPARTMENT_OFFICER = "department_officer", _("Chuyên viên Sở GD&ĐT")
    MINISTRY_OFFICER = "ministry_officer", _("Chuyên viên Bộ GD&ĐT")
    PARTNER_STAFF = "partner_staff", _("Cán bộ đơn vị phối hợp")
    SYSTEM_ADMIN = "system_admin", _("Quản trị hệ thống")


ROLE_UNIT_KIND = {
    Role.TEACHER: OrgKind.SCHOOL,
    Role.COUNSELOR: OrgKind.SCHOOL,
    Role.SCHOOL_LEAD: OrgKind.SCHOOL,
    Role.COMMUNE_OFFICER: OrgKind.COMMUNE,
    Role.DEPARTMENT_OFFICER: OrgKind.DEPARTMENT,
    Role.MINISTRY_OFFICER: OrgKind.MINISTRY,
    Role.PARTNER_STAFF: OrgKind.PROVIDER,
    Role.SYSTEM_ADMIN: OrgKind.MINISTRY,
}

# Identifiable student data is seen only at the student's school by its counselors.
STUDENT_DATA_ROLES = frozenset({Role.COUNSELOR})
# Roles that may browse the organisation tree below their unit.
BROWSE_ROLES = frozenset(
    {
        Role.COUNSELOR,
        Role.SCHOOL_LEAD,
        Role.COMMUNE_OFFICER,
        Role.DEPARTMENT_OFFICER,
        Role.MINISTRY_OFFICER,
        Role.SYSTEM_ADMIN,
    }
)
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN})
# Adding schools to a province: its department officers and system administrators.
SCHOOL_CREATE_ROLES = frozenset({Role.DEPARTMENT_OFFICER, Role.SYSTEM_ADMIN})
# Renaming and closing units (mergers) is an administrator's job.
UNIT_EDIT_ROLES = ADMIN_ROLES
