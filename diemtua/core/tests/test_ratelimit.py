"""The fixed-window rate limiter (on whatever cache the settings give: locmem, or Redis in CI)."""

import time
import uuid

import pytest
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from diemtua.core import ratelimit
from diemtua.core.ratelimit import Rate


@pytest.fixture
def key():
    """A key of its own per test, so counters never leak between tests or runs."""
    return f"test-{uuid.uuid4().hex}"


def test_hit_allows_up_to_the_limit_then_refuses(key):
    assert [ratelimit.hit("t", key, 3, 60) for _ in range(5)] == [True, True, True, False, False]
    assert ratelimit.count("t", key) == 5
    assert ratelimit.exceeded("t", key, 3)
    assert not ratelimit.exceeded("t", key, 6)


def test_scopes_and_keys_are_counted_apart(key):
    assert ratelimit.hit("a", key, 1, 60)
    assert not ratelimit.hit("a", key, 1, 60)
    assert ratelimit.hit("b", key, 1, 60)
    assert ratelimit.hit("a", key + "-other", 1, 60)


def test_the_window_ends(key):
    assert ratelimit.hit("t", key, 1, 1)
    assert not ratelimit.hit("t", key, 1, 1)
    time.sleep(1.2)
    assert ratelimit.count("t", key) == 0
    assert ratelimit.hit("t", key, 1, 1)


def test_reset_forgets_the_count(key):
    ratelimit.hit("t", key, 1, 60)
    ratelimit.reset("t", key)
    assert ratelimit.count("t", key) == 0
    assert ratelimit.hit("t", key, 1, 60)


def test_a_window_ending_between_add_and_incr_starts_a_new_one(key, monkeypatch):
    # The generic path (locmem and other caches); Redis counts in one MULTI/EXEC instead.
    monkeypatch.setattr(ratelimit, "_redis_hit", lambda cache_key, window: None)
    ratelimit.hit("t", key, 5, 60)

    def expired(cache_key, delta=1, version=None):
        cache.delete(cache_key)
        raise ValueError("Key not found")

    monkeypatch.setattr(cache, "incr", expired)
    assert ratelimit.hit("t", key, 5, 60)
    monkeypatch.undo()
    assert ratelimit.count("t", key) == 1


def test_on_redis_one_round_trip_counts_and_sets_the_windows_lifetime(key):
    current = caches[DEFAULT_CACHE_ALIAS]
    if not isinstance(current, RedisCache):
        pytest.skip("the cache is not Redis (REDIS_URL unset)")
    assert [ratelimit.hit("t", key, 2, 60) for _ in range(3)] == [True, True, False]
    assert ratelimit.count("t", key) == 3
    redis_key = current.make_and_validate_key(ratelimit._cache_key("t", key))
    ttl = current._cache.get_client(redis_key).ttl(redis_key)
    # The first hit set the window; later hits did not extend it.
    assert 0 < ttl <= 60


def test_keys_in_the_cache_do_not_show_the_address():
    cache_key = ratelimit._cache_key("help-address", "203.0.113.7")
    assert "203.0.113.7" not in cache_key and cache_key.startswith("rl:help-address:")


def test_client_address_is_remote_addr_and_ignores_forwarded_for(settings):
    settings.TRUST_X_FORWARDED_FOR = False
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert ratelimit.client_address(request) == "198.51.100.1"


def test_client_address_uses_our_proxys_entry_when_trusted(settings):
    settings.TRUST_X_FORWARDED_FOR = True
    # A client can write anything on the left; our proxy appends the address it saw.
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9"
    )
    assert ratelimit.client_address(request) == "198.51.100.9"
    assert ratelimit.client_address(RequestFactory().get("/", REMOTE_ADDR="10.0.0.2")) == (
        "10.0.0.2"
    )


@pytest.mark.parametrize(
    ("text", "rate"), [("60/600", Rate(60, 600)), ("5/900", Rate(5, 900)), ("1/1", Rate(1, 1))]
)
def test_rate_parse(text, rate):
    assert Rate.parse(text) == rate


@pytest.mark.parametrize("text", ["", "60", "0/600", "60/0", "a/b", "60/600/1", "-1/60"])
def test_rate_parse_refuses_nonsense(text):
    with pytest.raises(ValueError, match="COUNT/SECONDS|positive"):
        Rate.parse(text)


def test_settings_refuse_a_bad_rate(monkeypatch):
    from config.settings import env_rate

    monkeypatch.setenv("DIEMTUA_HELP_RATE_ADDRESS", "lots")
    with pytest.raises(ImproperlyConfigured, match="DIEMTUA_HELP_RATE_ADDRESS"):
        env_rate("DIEMTUA_HELP_RATE_ADDRESS", "100/600")
    monkeypatch.setenv("DIEMTUA_HELP_RATE_ADDRESS", "30/60")
    assert env_rate("DIEMTUA_HELP_RATE_ADDRESS", "100/600") == "30/60"
    monkeypatch.delenv("DIEMTUA_HELP_RATE_ADDRESS")
    assert env_rate("DIEMTUA_HELP_RATE_ADDRESS", "100/600") == "100/600"
