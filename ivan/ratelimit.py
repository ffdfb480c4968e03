"""Requests per period per key, counted in the shared cache (Redis in production).

A sliding-window counter: one integer per fixed window; a request is allowed while
``previous window × (share of it still inside the sliding window) + current window`` stays
under the limit. On Redis the check and the increment are one atomic script call (one round
trip, a few bytes), so concurrent workers never lose a count; other cache backends (the
in-process one of development and tests) use the cache's get_many/incr/add.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

# KEYS: current window, previous window; ARGV: limit, weight of the previous window, ttl.
_SCRIPT = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
if previous * tonumber(ARGV[2]) + current >= tonumber(ARGV[1]) then
  return {0, current, previous}
end
current = redis.call('INCR', KEYS[1])
if current == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
return {1, current, previous}
"""


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    wait: float | None = None  # seconds until a request would be allowed again


def parse_rate(rate: str) -> tuple[int, int]:
    """``"600/min"`` → (600, 60); the period is s, m(in), h(our) or d(ay)."""
    number, period = rate.split("/")
    return int(number), {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]


def rate_take(
    key: str, limit: int, period: int, *, now: float | None = None, cache=None
) -> Verdict:
    """Count one request under ``key`` if the limit allows it."""
    # The backend itself: django.core.cache.cache is a proxy, never an instance of it.
    cache = cache or caches["default"]
    now = time.time() if now is None else now
    window, into = divmod(now, period)
    weight = 1 - into / period
    current_key, previous_key = f"{key}:{int(window)}", f"{key}:{int(window) - 1}"
    if isinstance(cache, RedisCache):
        allowed, current, previous = _redis_take(
            cache, current_key, previous_key, limit, weight, 2 * period
        )
    else:
        allowed, current, previous = _cache_take(
            cache, current_key, previous_key, limit, weight, 2 * period
        )
    if allowed:
        return Verdict(True)
    return Verdict(False, _wait(limit, period, into, current, previous))


_script = None


def _redis_take(cache, current_key, previous_key, limit, weight, ttl):
    global _script
    keys = [cache.make_and_validate_key(k) for k in (current_key, previous_key)]
    client = cache._cache.get_client(keys[0], write=True)
    if _script is None:
        _script = client.register_script(_SCRIPT)  # EVALSHA: the script is sent once
    allowed, current, previous = _script(keys=keys, args=[limit, repr(weight), ttl], client=client)
    return bool(allowed), int(current), int(previous)


def _cache_take(cache, current_key, previous_key, limit, weight, ttl):
    counts = cache.get_many([current_key, previous_key])
    current, previous = counts.get(current_key, 0), counts.get(previous_key, 0)
    if previous * weight + current >= limit:
        return False, current, previous
    if not cache.add(current_key, 1, ttl):
        try:
            cache.incr(current_key)
        except ValueError:  # expired in between
            cache.add(current_key, 1, ttl)
    return True, current + 1, previous


def _wait(limit: int, period: int, into: float, current: int, previous: int) -> float:
    """Seconds until ``previous × weight + current`` falls under the limit."""
    if current < limit and previous:
        # Within this window, once enough of the previous one has slid out.
        share_needed = 1 - (limit - current) / previous
        return max(1.0, math.ceil((share_needed * period - into) + 0.001))
    # The next window carries this one's count with a falling weight.
    later = max(0.0, 1 - limit / current) if current else 0.0
    return max(1.0, math.ceil((period - into) + later * period + 0.001))
