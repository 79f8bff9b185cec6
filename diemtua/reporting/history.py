"""The org tree as it was on a day (DESIGN.md: "history reports as it was").

The closure table holds today's tree. orgs.PastPlacement says where a unit sat before it
moved. For a period, the tree that counts is the one on the period's first day ("as it was"),
unless the reader asks for today's borders ("as today"), which maps old units to their
successors. Moves are rare (mergers), so the moved units are handled in Python and everything
else stays one indexed query through the closure table.
"""

import datetime
from dataclasses import dataclass, field

from diemtua.orgs.models import OrgUnit, OrgUnitAncestor, PastPlacement


@dataclass
class TreeOnDay:
    """Which units had moved since `day`, and where each sat on that day."""

    day: datetime.date | None
    parent_then: dict[int, int] = field(default_factory=dict)  # moved unit → its parent then
    moved_subtrees: dict[int, set[int]] = field(default_factory=dict)  # moved unit → subtree

    @property
    def is_today(self) -> bool:
        return not self.parent_then

    def moved_ids(self) -> set[int]:
        ids: set[int] = set()
        for subtree in self.moved_subtrees.values():
            ids |= subtree
        return ids

    def ancestors_then(self, unit_id: int) -> list[int]:
        """The chain above `unit_id` on `day`, nearest first (the unit itself not included)."""
        chain = []
        current = unit_id
        seen = set()
        while current is not None and current not in seen:
            seen.add(current)
            parent = self.parent_then.get(current)
            if parent is None:
                parent = _parent_today(current)
            if parent is not None:
                chain.append(parent)
            current = parent
        return chain

    def moved_units_under(self, ancestor_id: int) -> dict[int, int]:
        """Moved units that sat under `ancestor_id` on `day` → the child of `ancestor_id` on
        their path then (the unit itself when it sat directly under it)."""
        found = {}
        for moved in self.parent_then:
            path = [moved, *self.ancestors_then(moved)]
            if ancestor_id in path[1:]:
                index = path.index(ancestor_id)
                found[moved] = path[index - 1]
        return found


_parents: dict[int, int | None] = {}


def _parent_today(unit_id: int) -> int | None:
    if unit_id not in _parents:
        _parents[unit_id] = (
            OrgUnit.objects.filter(pk=unit_id).values_list("parent_id", flat=True).first()
        )
    return _parents[unit_id]


def tree_on(day: datetime.date | None) -> TreeOnDay:
    """The tree on `day`; None means today's tree (today's borders)."""
    _parents.clear()
    tree = TreeOnDay(day=day)
    if day is None:
        return tree
    placements = PastPlacement.objects.filter(until__gte=day).order_by("unit_id", "until")
    for placement in placements:
        # The earliest placement still in force on `day` is where the unit was then.
        tree.parent_then.setdefault(placement.unit_id, placement.parent_id)
    if tree.parent_then:
        links = OrgUnitAncestor.objects.filter(ancestor_id__in=tree.parent_then).values_list(
            "ancestor_id", "descendant_id"
        )
        for ancestor_id, descendant_id in links:
            tree.moved_subtrees.setdefault(ancestor_id, set()).add(descendant_id)
    return tree


def successor_chain(unit: OrgUnit) -> list[OrgUnit]:
    """The units that carried on an ended unit's work, oldest first (Hà Giang → Tuyên Quang)."""
    chain = []
    current = unit
    seen = {unit.pk}
    while current.successor_id and current.successor_id not in seen:
        current = OrgUnit.objects.get(pk=current.successor_id)
        seen.add(current.pk)
        chain.append(current)
    return chain
