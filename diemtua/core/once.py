"""One save per rendered form: a double tap or a resent POST does not record a session twice.

The form carries a random token (`{% once_token %}`); the first POST with it claims it in the
cache (atomic `add`, shared by all workers through Redis in production) as "pending", and marks
it "done" once the save has gone through. A second POST with the same token:
- after "done": is told the form was already saved, and nothing is saved again;
- while "pending": waits a few seconds for the first one to finish, then answers like above —
  or, when the first one was refused or failed (the token is released), is processed itself,
  so a refused form comes back with its messages and everything the person typed.
"""

import re
import time

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _

TTL_SECONDS = 600
WAIT_SECONDS = 5.0
_POLL_SECONDS = 0.1
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
PENDING, DONE = "pending", "done"


def _key(request) -> str | None:
    token = request.POST.get("once", "")
    if not _TOKEN.match(token):
        return None  # a form without a token (an API client, an old page): nothing to compare
    return f"once:{request.user.pk}:{token}"


def claim(request) -> bool:
    """True when this POST should be processed; False when the same form was already saved."""
    key = _key(request)
    if key is None:
        return True
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        if cache.add(key, PENDING, TTL_SECONDS):
            return True
        if cache.get(key) == DONE:
            return False
        if time.monotonic() >= deadline:
            # The first request is still running after several seconds: do not save twice.
            return False
        time.sleep(_POLL_SECONDS)


def done(request) -> None:
    key = _key(request)
    if key is not None:
        cache.set(key, DONE, TTL_SECONDS)


def release(request) -> None:
    """The save was refused or failed: the same form may be sent again."""
    key = _key(request)
    if key is not None:
        cache.delete(key)


REPEATED = object()


def save_once(request, form, save):
    """Run `save()` once per rendered form.

    Returns what `save` returned; None when the service refused (its messages are then on the
    form); REPEATED when the same form was already saved.
    """
    from .forms import add_service_errors

    if not claim(request):
        return REPEATED
    try:
        result = save()
    except ValidationError as error:
        release(request)
        add_service_errors(form, error)
        return None
    except Exception:
        release(request)  # a failed save must not look saved to the retry
        raise
    done(request)
    return result


def already_saved(request, url):
    """The answer to a form sent twice: nothing saved again, and the person is told so."""
    messages.info(request, _("Biểu mẫu này đã được lưu (gửi hai lần), nên không lưu thêm."))
    return redirect(url)
