"""The two connection pools of a process, with bounded checkout and what they report to the metrics.

- ``orm``: SQLAlchemy's queue pool behind the ORM sessions (API routes, jobs).
- ``gateway``: the asyncpg pool of the gateway's hot path (keys, policies, usage batches).

Both wait at most ``checkout_s`` for a connection (then 503 ``database_unavailable``, never a hang), both
count who is waiting and how long it took; the sampler publishes sizes and waiters.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry

from aipair.db.failures import DatabaseUnavailable
from aipair.observability.metrics import DB_CHECKOUT_WAIT


class Checkouts:
    """Who waits for a connection of one pool, and how long each checkout took."""

    def __init__(self, pool: str, observe: bool = True) -> None:
        self.waiting = 0
        self.observe = observe
        self._metric = DB_CHECKOUT_WAIT.labels(pool=pool)

    @contextmanager
    def timed(self) -> Iterator[None]:
        started = time.perf_counter()
        self.waiting += 1
        try:
            yield
        finally:
            self.waiting -= 1
            if self.observe:
                self._metric.observe(time.perf_counter() - started)


class OrmPool(AsyncAdaptedQueuePool):
    """SQLAlchemy's async queue pool, counting waiters and timing checkouts."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checkouts = Checkouts("orm")

    def _do_get(self) -> ConnectionPoolEntry:
        with self.checkouts.timed():
            try:
                return super()._do_get()
            except PoolTimeout as exc:
                raise DatabaseUnavailable(
                    "No database connection became free in time", kind="timeout"
                ) from exc


class BoundedPool(asyncpg.Pool):  # type: ignore[misc]  # asyncpg is untyped
    """An asyncpg pool whose checkouts wait at most ``checkout_timeout`` seconds (asyncpg: forever)."""

    def __init__(self, *args: Any, checkout_timeout: float, observe: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checkout_timeout = checkout_timeout
        self.checkouts = Checkouts("gateway", observe)

    async def _acquire(self, wait_s: float | None) -> Any:
        with self.checkouts.timed():
            try:
                return await super()._acquire(self.checkout_timeout if wait_s is None else wait_s)
            except TimeoutError as exc:
                raise DatabaseUnavailable(
                    "No database connection became free in time", kind="timeout"
                ) from exc
