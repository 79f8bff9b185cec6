"""Small tasks of the platform itself."""

from celery import shared_task
from django.core.cache import cache

PING_TTL_SECONDS = 300


@shared_task(name="core.ping", ignore_result=True)
def ping(token: str) -> None:
    """Proves a worker is alive and shares the cache: leaves `token` in the cache.

    Idempotent (running it twice leaves the same key), so acks_late redelivery is harmless.
    """
    cache.set(f"worker-ping:{token}", "pong", PING_TTL_SECONDS)


def answered(token: str) -> bool:
    return cache.get(f"worker-ping:{token}") == "pong"
