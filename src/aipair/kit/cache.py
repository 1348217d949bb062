"""A small loading cache for the hot path: values kept for a few seconds, one load per key at a time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from aipair.kit.batching import single_flight

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LoadingCache(Generic[K, V]):
    """``await get(key)``: a dict read while the value is fresh, else ``load(key)`` shared by every
    caller arriving meanwhile (no stampede on expiry). Bounded: past ``max_entries`` it starts over."""

    def __init__(
        self,
        load: Callable[[K], Awaitable[V]],
        ttl_s: float,
        *,
        clock: Callable[[], float] = time.time,
        max_entries: int = 50_000,
    ) -> None:
        self._load = load
        self._ttl = ttl_s
        self._clock = clock
        self._max = max_entries
        self._entries: dict[K, tuple[float, V]] = {}
        self._loading: dict[K, asyncio.Future[V]] = {}

    async def get(self, key: K) -> V:
        """The value of ``key``, loaded when missing or older than the time to live."""
        now = self._clock()
        cached = self._entries.get(key)
        if cached is None or cached[0] <= now:
            cached = (now + self._ttl, await single_flight(self._loading, key, self._load))
            if len(self._entries) > self._max:
                self._entries.clear()
            self._entries[key] = cached
        return cached[1]

    def forget(self, key: K) -> None:
        """Load ``key`` again on its next ``get`` (after a change made in this process)."""
        self._entries.pop(key, None)
