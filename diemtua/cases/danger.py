"""Does a help request's text suggest danger to life or abuse?

The list lives in data/danger_keywords.vi.txt. Matching folds diacritics and case and respects
word boundaries, so "tu tu" finds "tự tử" but "tuyệt" does not match "tu". When it matches, the
student sees 111 and 115 first and the request is urgent in the counselor's queue.
"""

import re
from functools import lru_cache
from pathlib import Path

from diemtua.core.text import fold

KEYWORDS_FILE = Path(__file__).resolve().parent / "data" / "danger_keywords.vi.txt"


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern:
    phrases = []
    for line in KEYWORDS_FILE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            phrases.append(re.escape(fold(line)).replace(r"\ ", r"\s+"))
    return re.compile(
        r"(?<!\w)(" + "|".join(sorted(set(phrases), key=len, reverse=True)) + r")(?!\w)"
    )


def danger_phrases(text: str | None) -> list[str]:
    """The listed phrases found in `text` (folded), in order of appearance."""
    return [match.group(1) for match in _pattern().finditer(fold(text))]


def suggests_danger(text: str | None) -> bool:
    return bool(danger_phrases(text))
