"""One save per rendered form: a double tap or a resent POST does not record a session twice.

The form carries a random token (`{% once_token %}`); the first POST with it claims it in the
cache (atomic `add`, shared by all workers through Redis in production). A refused save gives
the token back, so correcting the form and sending again works.
"""

import re

from django.core.cache import cache

TTL_SECONDS = 600
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _key(request) -> str | None:
    token = request.POST.get("once", "")
    if not _TOKEN.match(token):
        return None  # a form without a token (an API client, an old page): nothing to compare
    return f"once:{request.user.pk}:{token}"


def claim(request) -> bool:
    """True for the first POST of this rendered form, False for a repeat."""
    key = _key(request)
    return key is None or cache.add(key, 1, TTL_SECONDS)


def release(request) -> None:
    key = _key(request)
    if key is not None:
        cache.delete(key)
