"""Vietnamese text folding for search.

Users type names without diacritics on phones and old keyboards ("nguyen van an"). We store a
folded copy of each searchable name and fold the query the same way, so the same search works on
SQLite and PostgreSQL and can use an ordinary index (no database extension needed).
"""

import unicodedata

# "đ" is a separate letter, not "d" plus a combining mark, so NFD does not split it.
_SPECIAL = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str | None) -> str:
    """Lower-case, strip Vietnamese diacritics, map đ→d and collapse whitespace."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.translate(_SPECIAL))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.casefold().split())
