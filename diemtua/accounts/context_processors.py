from .access import memberships, roles_of
from .roles import BROWSE_ROLES, Role

# Who works on programs (programs, directives, visits, trainings, awards): school staff who
# run them and the officers above. Teachers see only the library and surveys.
PROGRAM_STAFF = {
    Role.COUNSELOR,
    Role.SCHOOL_LEAD,
    Role.COMMUNE_OFFICER,
    Role.DEPARTMENT_OFFICER,
    Role.MINISTRY_OFFICER,
}


def roles(request):
    """Expose the user's roles to templates so the menu shows only what they may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {
            "my_roles": set(),
            "my_memberships": [],
            "can_browse_orgs": False,
            "works_on_programs": False,
        }
    mine = roles_of(user)
    return {
        "my_roles": mine,
        "my_memberships": memberships(user),
        "can_browse_orgs": bool(mine & BROWSE_ROLES),
        "works_on_programs": bool(mine & PROGRAM_STAFF),
    }
