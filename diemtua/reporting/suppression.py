"""Small-count suppression for everything shown above the school (DESIGN.md, MISSION.md).

Primary suppression: a count from 1 to DIEMTUA_SUPPRESS_BELOW − 1 is shown as "<5".
Complementary suppression: in a group whose cells add up to a shown total (the schools of a
province; the genders of one indicator), a hidden cell must not be recoverable by subtraction.
After primary suppression we check, from the total and the visible cells, whether any hidden
small cell has only one possible value; while one does, the smallest visible non-zero cell is
hidden too (shown as "×"), and if no cell is left to hide, the total is. Zero is shown: it
identifies nobody. Amounts (money, hours) and counts that are not about children are never
suppressed.

Tables of one page (or one report) are not independent: the drill-down, each additive
disaggregation and the months all add up to the same total, and the four case counts are tied
by open at start + opened = closed + open at end. `Linked` checks them together: it works out,
from everything shown, the range a reader can still deduce for each hidden cell (bounds
propagation over the sums the reader knows), and hides more until no count from 1 to 4 is
pinned down. A relation is used only when it holds in the figures, so what a reader could
verify is what is checked.

Across pages: a unit of a drill-down whose own page hides its total is hidden in the
drill-down too (tables._hidden_on_own_pages; the program view does the same for its schools).
Known limits (docs/reporting.md): that check goes one level down; a "×" chosen on a parent's
page is not hidden on the child's own page; a month's page and the semester's or year's are
protected each on its own, so combining them could narrow a hidden cell.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

PRIMARY = "<5"
COMPLEMENTARY = "×"


@dataclass
class Cell:
    value: Decimal | None  # None when hidden
    marker: str = ""  # PRIMARY, COMPLEMENTARY or ""

    @property
    def hidden(self) -> bool:
        return bool(self.marker)

    def display(self) -> str:
        if self.marker:
            return PRIMARY if self.marker == PRIMARY else COMPLEMENTARY
        if self.value is None:
            return "—"
        return (
            f"{self.value:,.0f}".replace(",", ".")
            if self.value == int(self.value)
            else (f"{self.value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", "."))
        )


def threshold() -> int:
    return settings.DIEMTUA_SUPPRESS_BELOW


def is_small(value: Decimal | int | None) -> bool:
    return value is not None and 0 < value < threshold()


def deducible_ranges(values, markers, total):
    """For each hidden cell, the (low, high) range an attacker can still deduce."""
    limit = threshold()
    hidden = [i for i, m in enumerate(markers) if m]
    visible_sum = sum(values[i] for i, m in enumerate(markers) if not m)
    rest = total - visible_sum
    bounds = {
        i: (Decimal(1), Decimal(limit - 1)) if markers[i] == PRIMARY else (Decimal(limit), None)
        for i in hidden
    }
    ranges = {}
    for i in hidden:
        others_low = sum(bounds[j][0] for j in hidden if j != i)
        others_high = [bounds[j][1] for j in hidden if j != i]
        low, high = bounds[i]
        high_from_total = rest - others_low
        high = high_from_total if high is None else min(high, high_from_total)
        if None not in others_high:
            low = max(low, rest - sum(others_high))
        ranges[i] = (low, high)
    return ranges


def _revealing(values, markers, total) -> bool:
    for i, (low, high) in deducible_ranges(values, markers, total).items():
        if markers[i] == PRIMARY and low == high:
            return True
    return False


def protect(values: list, total=None, *, additive: bool = True) -> tuple[list[Cell], Cell | None]:
    """Suppress a group of counts and its total. `values` may hold None (no data: "—")."""
    numbers = [Decimal(v) if v is not None else Decimal(0) for v in values]
    markers = [PRIMARY if is_small(v) else "" for v in numbers]
    total_marker = ""
    if total is not None:
        total = Decimal(total)
        if is_small(total):
            total_marker = PRIMARY
        elif additive and any(markers):
            while _revealing(numbers, markers, total):
                candidates = [i for i, m in enumerate(markers) if not m and numbers[i] > 0]
                if not candidates:
                    total_marker = COMPLEMENTARY
                    break
                smallest = min(candidates, key=lambda i: numbers[i])
                markers[smallest] = COMPLEMENTARY
    cells = [
        Cell(None, m) if m else Cell(None if v is None else Decimal(v))
        for v, m in zip(values, markers, strict=True)
    ]
    total_cell = None
    if total is not None:
        total_cell = Cell(None, total_marker) if total_marker else Cell(total)
    return cells, total_cell


def single(value) -> Cell:
    """One count shown alone (a headline figure)."""
    if value is None:
        return Cell(None)
    return Cell(None, PRIMARY) if is_small(value) else Cell(Decimal(value))


def exact(value) -> Cell:
    return Cell(None if value is None else Decimal(value))


INF = float("inf")


class Linked:
    """Hidden cells of one page checked together (security review, issue 8: "nor a total that
    reveals one").

    Each table protected on its own can still be undone with another table of the same page:
    a province's total hidden to protect its schools, then found again as the sum of a fully
    shown month trend, pins every school's "<5". Here the cells of a page are variables,
    every sum the reader knows is a relation, and `settle()` hides further cells (smallest
    first, the nearest relations first) until no hidden small cell has only one possible
    value. What the reader is assumed to know: shown values, "<5" is 1 to threshold − 1,
    "×" is at least the threshold (zero is never hidden).
    """

    def __init__(self):
        self.values: list[int] = []
        self.markers: list[str] = []
        self.ranks: list[int] = []
        self.relations: list[tuple[bool, tuple[int, ...], tuple[int, ...]]] = []
        self._touching: dict[int, list[int]] = {}
        self.stuck: set[int] = set()
        self.fixed: set[int] = set()
        self.kept: set[int] = set()

    def cell(
        self, value, marker: str = "", *, rank: int = 0, can_hide: bool = True, keep=False
    ) -> int:
        """A shown or hidden count; `rank` orders the extra hiding (cells before totals);
        `can_hide=False` for a figure shown whatever happens (a school's own, to its staff);
        `keep`: a hidden cell that must stay unknown like a small one (it is hidden on
        another page, where it protects small cells)."""
        self.values.append(int(value or 0))
        self.markers.append(marker)
        self.ranks.append(rank)
        index = len(self.values) - 1
        if not can_hide:
            self.fixed.add(index)
        if keep and marker:
            self.kept.add(index)
        return index

    def _relate(self, equal: bool, left, right) -> bool:
        left, right = tuple(left), tuple(right)
        index = len(self.relations)
        self.relations.append((equal, left, right))
        for var in (*left, *right):
            self._touching.setdefault(var, []).append(index)
        return True

    def equal(self, left, right) -> bool:
        """Σ left = Σ right, recorded when it holds in the figures."""
        if sum(self.values[i] for i in left) != sum(self.values[i] for i in right):
            return False
        return self._relate(True, left, right)

    def at_least(self, left, right) -> bool:
        """Σ left ≥ Σ right, recorded when it holds in the figures."""
        if sum(self.values[i] for i in left) < sum(self.values[i] for i in right):
            return False
        return self._relate(False, left, right)

    def _start(self, i: int):
        marker, limit = self.markers[i], threshold()
        if not marker:
            return self.values[i], self.values[i]
        if marker == PRIMARY:
            return 1, limit - 1
        return limit, INF

    def ranges(self) -> list[tuple]:
        """(low, high) each cell can still be, from what is shown and the relations."""
        bounds = [self._start(i) for i in range(len(self.values))]
        lo, hi = [b[0] for b in bounds], [b[1] for b in bounds]

        def tighten(side, other, both: bool, upper_only: bool):
            """Bounds of each var of `side` from Σ side (=, or ≥ when not `both`) Σ other."""
            changed = False
            other_lo = sum(lo[i] for i in other)
            other_hi = sum(hi[i] for i in other)
            side_lo = sum(lo[i] for i in side)
            open_ended = sum(1 for i in side if hi[i] == INF)
            finite_hi = sum(hi[i] for i in side if hi[i] != INF)
            for i in side:
                rest_lo = side_lo - lo[i]
                # Never INF − INF: count the open-ended bounds instead of subtracting them.
                if open_ended - (hi[i] == INF):
                    rest_hi = INF
                else:
                    rest_hi = finite_hi - (0 if hi[i] == INF else hi[i])
                if not upper_only:  # Σ side ≥ Σ other: a lower bound for each of side
                    new = max(lo[i], other_lo - rest_hi)
                    if new > lo[i]:
                        lo[i], changed = new, True
                if both or upper_only:  # Σ side ≤ Σ other: an upper bound
                    new = min(hi[i], other_hi - rest_lo)
                    if new < hi[i]:
                        hi[i], changed = new, True
            return changed

        for _round in range(200):
            changed = False
            for equal, left, right in self.relations:
                changed |= tighten(left, right, equal, False)
                if equal:
                    changed |= tighten(right, left, True, False)
                else:
                    changed |= tighten(right, left, False, True)
            if not changed:
                break
        return list(zip(lo, hi, strict=True))

    def pinned(self) -> list[int]:
        """Hidden small (or kept) cells a reader can work out exactly."""
        return [
            i
            for i, (low, high) in enumerate(self.ranges())
            if (self.markers[i] == PRIMARY or i in self.kept)
            and low == high
            and i not in self.stuck
        ]

    def _partner(self, var: int) -> int | None:
        """The shown non-zero cell to hide for `var`: in the relations nearest to it."""
        seen_relations: set[int] = set()
        frontier = {var}
        while frontier:
            relations = {
                r for v in frontier for r in self._touching.get(v, ()) if r not in seen_relations
            }
            if not relations:
                return None
            seen_relations |= relations
            members = {v for r in relations for v in (*self.relations[r][1], *self.relations[r][2])}
            candidates = [
                v
                for v in members
                if not self.markers[v] and self.values[v] > 0 and v not in self.fixed
            ]
            if candidates:
                return min(candidates, key=lambda v: (self.ranks[v], self.values[v], v))
            frontier = members
        return None

    def settle(self) -> None:
        """Hide more cells until no hidden small cell is pinned. A cell that stays pinned with
        everything around it hidden (four "<5" adding up to a "<5") is left as it is."""
        for _step in range(len(self.values) + 1):
            pins = self.pinned()
            if not pins:
                return
            partner = self._partner(pins[0])
            if partner is None:
                self.stuck.add(pins[0])
                continue
            self.markers[partner] = PRIMARY if is_small(self.values[partner]) else COMPLEMENTARY
