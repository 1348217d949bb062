"""Fixed-window rate limits, checked and counted atomically for several windows at once.

In-process without Redis; shared by every replica through one Lua script when ``AIPAIR_REDIS_URL`` is
set. A request is admitted only if every window has room; only then are all windows charged, so a
refused request never consumes capacity.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis


@dataclass(frozen=True, slots=True)
class Window:
    """One limit: at most ``limit`` units per ``seconds`` for ``key`` (this request costs ``cost``)."""

    key: str
    limit: int
    seconds: int
    cost: int = 1


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether the request was admitted; ``retry_after`` (s) when not; remaining units per window."""

    allowed: bool
    retry_after: float
    remaining: tuple[int, ...]
    reset_in: tuple[float, ...]
    refused: Window | None = None


class RateLimiter(Protocol):
    async def acquire(self, windows: Sequence[Window]) -> Decision: ...

    async def close(self) -> None: ...


class InProcessLimiter:
    """Counters in this process (one event loop: the check-and-charge runs without awaiting)."""

    def __init__(self, clock: Callable[[], float] = time.time, max_keys: int = 100_000):
        self._clock = clock
        self._counts: dict[tuple[str, int, int], int] = {}
        self._max_keys = max_keys

    async def acquire(self, windows: Sequence[Window]) -> Decision:
        now = self._clock()
        slots = [(w, int(now // w.seconds)) for w in windows]
        used = [self._counts.get((w.key, w.seconds, slot), 0) for w, slot in slots]
        resets = tuple((slot + 1) * w.seconds - now for w, slot in slots)
        for (window, _), count, reset in zip(slots, used, resets, strict=True):
            if count + window.cost > window.limit:
                remaining = tuple(max(0, w.limit - c) for (w, _), c in zip(slots, used, strict=True))
                return Decision(False, reset, remaining, resets, window)
        if len(self._counts) > self._max_keys:
            self._evict(now)
        for (window, slot), count in zip(slots, used, strict=True):
            self._counts[(window.key, window.seconds, slot)] = count + window.cost
        remaining = tuple(w.limit - c - w.cost for (w, _), c in zip(slots, used, strict=True))
        return Decision(True, 0.0, remaining, resets)

    def _evict(self, now: float) -> None:
        """Drop counters of windows that have ended (bounded memory)."""
        self._counts = {k: v for k, v in self._counts.items() if (k[2] + 1) * k[1] > now}

    async def close(self) -> None:
        self._counts.clear()


# KEYS: one counter key per window. ARGV: now, then (limit, seconds, cost) per window.
_LUA = """
local now = tonumber(ARGV[1])
local n = #KEYS
local counts = {}
for i = 1, n do
  local limit = tonumber(ARGV[2 + (i - 1) * 3])
  local cost = tonumber(ARGV[4 + (i - 1) * 3])
  local c = tonumber(redis.call('GET', KEYS[i]) or '0')
  counts[i] = c
  if c + cost > limit then
    return {0, i, unpack(counts)}
  end
end
for i = 1, n do
  local seconds = tonumber(ARGV[3 + (i - 1) * 3])
  local cost = tonumber(ARGV[4 + (i - 1) * 3])
  local v = redis.call('INCRBY', KEYS[i], cost)
  if v == cost then redis.call('EXPIRE', KEYS[i], seconds + 1) end
end
return {1, 0, unpack(counts)}
"""


class RedisLimiter:
    """Counters in Redis, shared by every gateway process; one round trip per request."""

    def __init__(self, client: Redis, prefix: str = "aipair:rl:", clock: Callable[[], float] = time.time):
        self._redis = client
        self._prefix = prefix
        self._clock = clock
        self._script = client.register_script(_LUA)

    async def acquire(self, windows: Sequence[Window]) -> Decision:
        now = self._clock()
        slots = [int(now // w.seconds) for w in windows]
        keys = [f"{self._prefix}{w.key}:{w.seconds}:{slot}" for w, slot in zip(windows, slots, strict=True)]
        args: list[float | int] = [now]
        for w in windows:
            args.extend((w.limit, w.seconds, w.cost))
        result = await self._script(keys=keys, args=args)
        allowed, refused_index, *counts = (int(v) for v in result)
        resets = tuple((slot + 1) * w.seconds - now for w, slot in zip(windows, slots, strict=True))
        counts += [0] * (len(windows) - len(counts))
        if not allowed:
            remaining = tuple(max(0, w.limit - c) for w, c in zip(windows, counts, strict=True))
            return Decision(False, resets[refused_index - 1], remaining, resets, windows[refused_index - 1])
        remaining = tuple(w.limit - c - w.cost for w, c in zip(windows, counts, strict=True))
        return Decision(True, 0.0, remaining, resets)

    async def ping(self) -> float:
        """Round-trip time to Redis in milliseconds (raises when unreachable)."""
        started = time.perf_counter()
        await self._redis.ping()
        return (time.perf_counter() - started) * 1000

    async def close(self) -> None:
        await self._redis.aclose()
