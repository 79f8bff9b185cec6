"""Small-count suppression (reporting.suppression.protect and tables.protect_with_hidden).

The rule the reviewers check: a count from 1 to 4 is never shown above the school, and no
group lets a reader recover a hidden small cell by subtraction from what is shown. Besides
the named edge cases, `_recoverable` brute-forces every value a reader could still believe a
hidden cell holds, given the visible cells and the total.
"""

import itertools
import random
from decimal import Decimal

import pytest

from diemtua.reporting.suppression import COMPLEMENTARY, PRIMARY, Cell, exact, protect, single
from diemtua.reporting.tables import protect_with_hidden


def shown(cells: list[Cell], total: Cell | None = None) -> list[str]:
    texts = [c.display() for c in cells]
    return texts + ([total.display()] if total is not None else [])


def _recoverable(cells: list[Cell], total: Cell, limit: int = 30) -> set[int]:
    """Indexes of hidden small cells whose value a reader can pin down (one possible value).

    What the reader knows: visible values, the total when visible, that "<5" is 1–4 and "×"
    is at least 5 (smaller cells are hidden as "<5" already), as suppression.py assumes."""
    hidden = [i for i, c in enumerate(cells) if c.hidden]
    if not hidden or total.hidden:
        return set()
    rest = total.value - sum(c.value or 0 for c in cells if not c.hidden)
    ranges = [range(1, 5) if cells[i].marker == PRIMARY else range(5, limit) for i in hidden]
    possible: dict[int, set] = {i: set() for i in hidden}
    for combo in itertools.product(*ranges):
        if sum(combo) == rest:
            for i, value in zip(hidden, combo, strict=True):
                possible[i].add(value)
    return {i for i in hidden if cells[i].marker == PRIMARY and len(possible[i]) <= 1}


def test_single_small_cell_needs_a_second_hidden_cell():
    cells, total = protect([3, 10, 12], 25)
    assert shown(cells, total) == [PRIMARY, COMPLEMENTARY, "12", "25"]
    assert not _recoverable(cells, total)


def test_a_group_of_one_small_cell_hides_its_total_too():
    cells, total = protect([3], 3)
    assert shown(cells, total) == [PRIMARY, PRIMARY]


def test_two_ones_summing_to_two_are_revealed_so_one_more_cell_is_hidden():
    # 12 − 10 = 2 and each hidden cell is at least 1: both would be 1 without extra hiding.
    cells, total = protect([1, 1, 10], 12)
    assert shown(cells, total) == [PRIMARY, PRIMARY, COMPLEMENTARY, "12"]
    assert not _recoverable(cells, total)


def test_four_and_four_reveal_each_other_so_the_total_goes():
    # Total 8 with two cells of at most 4: both must be 4. Nothing visible left to hide.
    cells, total = protect([4, 4], 8)
    assert shown(cells, total) == [PRIMARY, PRIMARY, COMPLEMENTARY]


def test_one_and_five_total_six_hides_everything():
    # Hiding the 5 is not enough: a "×" of at least 5 and a "<5" of at least 1 in a total of 6
    # still leave only 1 + 5, so the total is hidden as well.
    cells, total = protect([1, 5], 6)
    assert shown(cells, total) == [PRIMARY, COMPLEMENTARY, COMPLEMENTARY]


def test_zeros_are_shown_and_never_used_as_complementary_cells():
    cells, total = protect([0, 3, 8, 0], 11)
    assert shown(cells, total) == ["0", PRIMARY, COMPLEMENTARY, "0", "11"]
    cells, total = protect([0, 0, 7], 7)
    assert shown(cells, total) == ["0", "0", "7", "7"]
    cells, total = protect([0, 0], 0)
    assert shown(cells, total) == ["0", "0", "0"]


def test_non_additive_groups_hide_only_the_small_cells():
    # A request may touch several content groups: no subtraction works, no extra hiding.
    cells, total = protect([3, 10], 11, additive=False)
    assert shown(cells, total) == [PRIMARY, "10", "11"]


def test_a_small_total_is_hidden_and_nothing_else_is_needed():
    cells, total = protect([2, 0, 2], 4)
    assert shown(cells, total) == [PRIMARY, "0", PRIMARY, PRIMARY]


def test_missing_values_show_a_dash_and_five_is_not_small():
    cells, total = protect([None, 5], 5)
    assert shown(cells, total) == ["—", "5", "5"]


def test_single_and_exact_cells():
    assert single(0).display() == "0"
    assert single(4).display() == PRIMARY
    assert single(5).display() == "5"
    assert single(None).display() == "—"
    assert exact(3).display() == "3"
    assert exact(Decimal("1234567")).display() == "1.234.567"
    assert exact(Decimal("2.5")).display() == "2,5"


def test_threshold_follows_the_setting(settings):
    settings.DIEMTUA_SUPPRESS_BELOW = 3
    cells, total = protect([2, 3, 9], 14)
    assert [c.marker for c in cells] == [PRIMARY, COMPLEMENTARY, ""]
    assert total.value == 14
    assert single(3).display() == "3"


@pytest.mark.parametrize("seed", range(40))
def test_no_small_cell_can_be_recovered_in_random_groups(seed):
    rng = random.Random(seed)
    values = [rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 7, 9, 12]) for _ in range(rng.randint(1, 4))]
    cells, total = protect(values, sum(values))
    assert not _recoverable(cells, total), (values, shown(cells, total))
    for value, cell in zip(values, cells, strict=True):
        # Never a count from 1 to 4 in view; a shown cell shows its own value.
        assert cell.hidden or cell.value == value
        assert not (cell.value is not None and 1 <= cell.value <= 4)


def test_forced_hidden_cells_get_a_partner_when_they_would_be_recovered():
    # The 7 is hidden in another table (a locality whose own group hid its subtotal). Alone
    # among visible cells it would be 30 − 3 − 20 = 7; with the small 3 both must stay unknown.
    cells, total = protect_with_hidden([7, 3, 20], 30, {0})
    assert cells[0].hidden and cells[1].marker == PRIMARY
    assert not _recoverable(cells, total)
    assert sum(1 for c in cells if c.hidden) >= 2 or total.hidden


def test_forced_hidden_cell_alone_hides_another_cell_or_the_total():
    # Nothing small in the group, but a forced "×" alone would be recovered exactly.
    cells, total = protect_with_hidden([8, 12, 20], 40, {0})
    hidden = [c for c in cells if c.hidden]
    assert len(hidden) >= 2 or total.hidden
    cells, total = protect_with_hidden([8], 8, {0})
    assert total.hidden


def test_forced_hidden_with_nothing_to_force_is_plain_protect():
    assert shown(*protect_with_hidden([3, 10, 12], 25, set())) == shown(*protect([3, 10, 12], 25))


@pytest.mark.parametrize("seed", range(30))
def test_forced_cells_and_small_cells_stay_unknown_in_random_groups(seed):
    rng = random.Random(1000 + seed)
    values = [rng.choice([0, 1, 3, 5, 6, 8, 11]) for _ in range(rng.randint(1, 4))]
    forced = {i for i, v in enumerate(values) if v and rng.random() < 0.4}
    cells, total = protect_with_hidden(values, sum(values), forced)
    assert all(cells[i].hidden for i in forced)
    assert not _recoverable(cells, total), (values, forced, shown(cells, total))
    if not total.hidden and forced:
        # A forced cell must not be pinned either: at least one other hidden cell beside it.
        assert sum(1 for c in cells if c.hidden) >= 2, (values, forced, shown(cells, total))
