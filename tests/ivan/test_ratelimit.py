"""The providers' rate limit: a sliding-window counter, atomic on Redis."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

from ivan.ratelimit import parse_rate, rate_take

PERIOD = 60
START = 1_800_000_000 - 1_800_000_000 % PERIOD  # the start of a window


@pytest.fixture(params=["redis", "locmem"])
def cache(request):
    prefix = f"test-ratelimit-{uuid.uuid4().hex}"
    if request.param == "locmem":
        return LocMemCache(prefix, {})
    url = request.getfixturevalue("redis_url")
    return RedisCache(url, {"KEY_PREFIX": prefix})


def test_parse_rate():
    assert parse_rate("600/min") == (600, 60)
    assert parse_rate("10/s") == (10, 1)
    assert parse_rate("5000/day") == (5000, 86400)


def test_the_limit_holds_per_key_and_says_how_long_to_wait(cache):
    at = START + 10
    assert [rate_take("a", 3, PERIOD, now=at, cache=cache).allowed for _ in range(3)] == [True] * 3
    refused = rate_take("a", 3, PERIOD, now=at + 1, cache=cache)
    assert not refused.allowed
    # Full until this window ends (49 s from now), when its weight starts to fall.
    assert refused.wait == 50
    assert rate_take("b", 3, PERIOD, now=at + 1, cache=cache).allowed
    # Refused requests were not counted: 10 s into the next window 3 × 5/6 + 1 > 3.
    assert rate_take("a", 3, PERIOD, now=START + PERIOD + 10, cache=cache).allowed
    assert not rate_take("a", 3, PERIOD, now=START + PERIOD + 10, cache=cache).allowed


def test_the_previous_window_counts_by_the_share_still_inside_the_sliding_window(cache):
    for _ in range(4):
        assert rate_take("k", 4, PERIOD, now=START + 50, cache=cache).allowed
    # A quarter into the next window, 3 of the 4 still count: one more request fits.
    assert rate_take("k", 4, PERIOD, now=START + PERIOD + 15, cache=cache).allowed
    assert rate_take("k", 4, PERIOD, now=START + PERIOD + 16, cache=cache).allowed
    refused = rate_take("k", 4, PERIOD, now=START + PERIOD + 16, cache=cache)
    assert not refused.allowed
    # With 2 in this window, room again once half of the previous one has slid out (30 s).
    assert refused.wait == 15
    assert rate_take("k", 4, PERIOD, now=START + PERIOD + 31, cache=cache).allowed


def test_concurrent_requests_on_redis_never_lose_a_count(redis_url):
    cache = RedisCache(redis_url, {"KEY_PREFIX": f"test-ratelimit-{uuid.uuid4().hex}"})

    def take(_):
        return rate_take("shared", 25, PERIOD, now=START + 5, cache=cache).allowed

    with ThreadPoolExecutor(8) as pool:
        verdicts = list(pool.map(take, range(80)))
    assert verdicts.count(True) == 25


def test_the_configured_redis_cache_takes_the_atomic_path(redis_url, settings, monkeypatch):
    """Without ``cache=`` (as the API throttle calls it) the Redis backend configured in
    CACHES is used through its script, not through get/add/incr."""
    from django.core.cache import caches

    from ivan import ratelimit

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": f"test-ratelimit-{uuid.uuid4().hex}",
        }
    }
    scripted = []
    real = ratelimit._redis_take
    monkeypatch.setattr(
        ratelimit, "_redis_take", lambda *args: scripted.append(args[1]) or real(*args)
    )
    monkeypatch.setattr(ratelimit, "_cache_take", None)  # the other path would fail here

    def take(_):
        return rate_take("api", 25, PERIOD, now=START + 5).allowed

    with ThreadPoolExecutor(8) as pool:
        verdicts = list(pool.map(take, range(60)))
    assert verdicts.count(True) == 25 and len(scripted) == 60
    assert isinstance(caches["default"], RedisCache)
