"""A small fixed-window rate limiter on Django's cache (Redis in CI and production).

`hit(scope, key, limit, window_seconds)` counts one event and says whether it is still within
the limit. The first event of a window creates the counter with `cache.add` (which only writes
when the key is absent) and the window's lifetime; later events use `cache.incr`, which is atomic
on Redis, so concurrent workers never lose a count. With the local-memory cache (make demo) the
count is per process, which is enough for one development server.

Keys are hashed, so neither client addresses nor tracking codes are stored in the cache in clear.

Client address: REMOTE_ADDR. Behind a reverse proxy, gunicorn's REMOTE_ADDR is the proxy's own
address, so every client would share one counter: there, set TRUST_X_FORWARDED_FOR=true and have
the proxy append the client's address to X-Forwarded-For (nginx: `proxy_set_header
X-Forwarded-For $proxy_add_x_forwarded_for`); the right-most entry, the one our proxy added, is
used. Never trust that header otherwise: a client can write any address into it.
"""

from dataclasses import dataclass
from hashlib import sha256

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache

PREFIX = "rl"


@dataclass(frozen=True)
class Rate:
    """At most `limit` events per `window` seconds."""

    limit: int
    window: int

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """'60/600' → 60 events per 600 seconds; refuses anything else."""
        try:
            limit, window = (int(part) for part in str(text).split("/"))
        except ValueError:
            raise ValueError(f"a rate is 'COUNT/SECONDS', got {text!r}") from None
        if limit < 1 or window < 1:
            raise ValueError(f"a rate needs a positive count and window, got {text!r}")
        return cls(limit, window)


def _cache_key(scope: str, key: str) -> str:
    digest = sha256(f"{scope}\x00{key}".encode()).hexdigest()[:32]
    return f"{PREFIX}:{scope}:{digest}"


def _redis_hit(cache_key: str, window_seconds: int) -> int | None:
    """Count one event in one round trip on Redis; None on another cache backend.

    Django's generic add() + incr() costs three round trips on Redis (incr checks that the key
    exists first): six per help-page submission, a tenth of its time in a burst (issue 9).
    MULTI/EXEC makes "create with the window's lifetime unless present, then add one" atomic,
    so a window can never end between the two and leave a counter that never expires.
    """
    current = caches[DEFAULT_CACHE_ALIAS]
    if not isinstance(current, RedisCache):
        return None
    redis_key = current.make_and_validate_key(cache_key)
    pipeline = current._cache.get_client(redis_key, write=True).pipeline(transaction=True)
    pipeline.set(redis_key, 0, ex=window_seconds, nx=True)
    pipeline.incr(redis_key)
    return int(pipeline.execute()[-1])


def hit(scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one event for (scope, key); True while the count is within `limit`."""
    cache_key = _cache_key(scope, key)
    events = _redis_hit(cache_key, window_seconds)
    if events is not None:
        return events <= limit
    if cache.add(cache_key, 1, timeout=window_seconds):
        events = 1
    else:
        try:
            events = cache.incr(cache_key)
        except ValueError:
            # The window ended between add() and incr(): this event opens a new one.
            cache.add(cache_key, 1, timeout=window_seconds)
            events = 1
    return events <= limit


def count(scope: str, key: str) -> int:
    """Events counted for (scope, key) in the current window (0 when none)."""
    return int(cache.get(_cache_key(scope, key)) or 0)


def exceeded(scope: str, key: str, limit: int) -> bool:
    """True when (scope, key) has already used up its `limit` in this window."""
    return count(scope, key) >= limit


def reset(scope: str, key: str) -> None:
    cache.delete(_cache_key(scope, key))


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or our proxy's X-Forwarded-For entry when trusted."""
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1][:64]
    return (request.META.get("REMOTE_ADDR") or "unknown")[:64]
