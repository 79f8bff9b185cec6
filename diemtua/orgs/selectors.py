"""Reads of the organisation tree, scoped to what a user may browse."""

from django.db.models import Count, Q, QuerySet

from .models import OrgKind, OrgUnit


def units_under(unit: OrgUnit, *, include_self: bool = True) -> QuerySet[OrgUnit]:
    """Every unit in the subtree of `unit`: one indexed query through the closure table."""
    qs = OrgUnit.objects.filter(ancestor_links__ancestor=unit)
    if not include_self:
        qs = qs.exclude(pk=unit.pk)
    return qs


def ancestors_of(unit: OrgUnit) -> QuerySet[OrgUnit]:
    """The chain from the top of the tree down to `unit` (inclusive), root first."""
    return OrgUnit.objects.filter(descendant_links__descendant=unit).order_by(
        "-descendant_links__depth"
    )


def schools_under(unit: OrgUnit, *, current_only: bool = True) -> QuerySet[OrgUnit]:
    qs = units_under(unit).filter(kind=OrgKind.SCHOOL)
    if current_only:
        qs = qs.filter(valid_to__isnull=True)
    return qs


def current_provinces() -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(kind=OrgKind.DEPARTMENT, valid_to__isnull=True)


def browsable_roots(*, fetched_by) -> QuerySet[OrgUnit]:
    """The units at the top of what this user may browse (their memberships' units)."""
    from diemtua.accounts.roles import BROWSE_ROLES

    return OrgUnit.objects.filter(
        memberships__user=fetched_by, memberships__role__in=BROWSE_ROLES
    ).distinct()


def children_of(unit: OrgUnit) -> QuerySet[OrgUnit]:
    """Direct children with their own child counts, for the org browser."""
    return (
        unit.children.all()
        .select_related("successor")
        .annotate(child_count=Count("children", distinct=True))
        .order_by("kind", "valid_to", "search_name")
    )


def predecessors_of(unit: OrgUnit) -> QuerySet[OrgUnit]:
    return unit.predecessors.all().order_by("search_name")


def search_units(*, fetched_by, query: str) -> QuerySet[OrgUnit]:
    """Units whose name or code matches, inside the user's browsable subtrees."""
    from diemtua.core.text import fold

    roots = list(browsable_roots(fetched_by=fetched_by).values_list("pk", flat=True))
    folded = fold(query)
    return (
        OrgUnit.objects.filter(ancestor_links__ancestor_id__in=roots)
        .filter(Q(search_name__contains=folded) | Q(code=query))
        .select_related("parent")
        .distinct()
        .order_by("kind", "search_name")
    )


def visible_ancestors(*, fetched_by, unit: OrgUnit) -> list[OrgUnit]:
    """The breadcrumb: ancestors of `unit`, starting at the highest one the user may browse."""
    chain = list(ancestors_of(unit))
    roots = set(browsable_roots(fetched_by=fetched_by).values_list("pk", flat=True))
    for index, ancestor in enumerate(chain):
        if ancestor.pk in roots:
            return chain[index:]
    return chain[-1:]
