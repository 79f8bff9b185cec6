from .access import memberships, roles_of
from .roles import BROWSE_ROLES


def roles(request):
    """Expose the user's roles to templates so the menu shows only what they may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"my_roles": set(), "my_memberships": [], "can_browse_orgs": False}
    mine = roles_of(user)
    return {
        "my_roles": mine,
        "my_memberships": memberships(user),
        "can_browse_orgs": bool(mine & BROWSE_ROLES),
    }
