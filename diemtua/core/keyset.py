"""Keyset ("seek") pagination for lists that grow without end, such as the audit trail.

Page N of an OFFSET pagination makes the database read and throw away every row before it, and
the page count needs a COUNT(*) of the whole list: both grow with the table (an audit row per
page view is hundreds of millions of rows nationally). A keyset page asks for the rows just
before (or after) the last one shown, along a unique indexed column, so every page costs the
same. The price: no "page 7 of 9120", only newer/older.
"""

from dataclasses import dataclass

from django.db.models import QuerySet


@dataclass
class KeysetPage:
    rows: list
    newer: int | None = None  # cursor for the page above (rows after it), None on the first page
    older: int | None = None  # cursor for the page below (rows before it), None on the last page
    is_first: bool = True

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)


def _cursor(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def newest_first(qs: QuerySet, *, key: str, size: int, before=None, after=None) -> KeysetPage:
    """A page of `qs` ordered by `key` descending (newest first). `before`: rows older than
    that key (the "older" link); `after`: rows newer than it (the "newer" link). Bad cursors
    count as none, so a tampered address shows the first page instead of an error."""
    before, after = _cursor(before), _cursor(after)
    if after is not None:
        rows = list(qs.filter(**{f"{key}__gt": after}).order_by(key)[: size + 1])
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        if not rows:
            return newest_first(qs, key=key, size=size)
        return KeysetPage(
            rows,
            newer=getattr(rows[0], key) if more_newer else None,
            older=getattr(rows[-1], key),
            is_first=not more_newer,
        )
    if before is not None:
        qs = qs.filter(**{f"{key}__lt": before})
    rows = list(qs.order_by(f"-{key}")[: size + 1])
    more_older = len(rows) > size
    rows = rows[:size]
    return KeysetPage(
        rows,
        newer=getattr(rows[0], key) if before is not None and rows else None,
        older=getattr(rows[-1], key) if more_older else None,
        is_first=before is None,
    )
