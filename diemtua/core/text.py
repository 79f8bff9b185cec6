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


def name_sort_key(full_name: str | None) -> str:
    """Vietnamese lists sort by given name (the last word), then family and middle names.

    "Trần Văn An" comes before "Nguyễn Thị Bình": the key is "an tran van an".
    """
    folded = fold(full_name)
    if not folded:
        return ""
    return f"{folded.rsplit(' ', 1)[-1]} {folded}"
