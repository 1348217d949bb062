"""The two connection pools of a process, with bounded checkout and what they report to the metrics.

- ``orm``: SQLAlchemy's queue pool behind the ORM sessions (API routes, jobs).
- ``gateway``: the asyncpg pool of the gateway's hot path (keys, policies, usage batches).

Both wait at most ``checkout_s`` for a connection (then 503 ``database_unavailable``, never a hang), both
count who is waiting and how long it took; the sampler publishes sizes and waiters.
"""

from __future__ import annotations

import time
from typing import Any

import asyncpg
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry

from aipair.db.failures import DatabaseUnavailable
from aipair.observability.metrics import DB_CHECKOUT_WAIT


class OrmPool(AsyncAdaptedQueuePool):
    """SQLAlchemy's async queue pool, counting waiters and timing checkouts (``observe``: metrics on)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.waiting = 0
        self.observe = True
        self._wait_metric = DB_CHECKOUT_WAIT.labels(pool="orm")

    def _do_get(self) -> ConnectionPoolEntry:
        started = time.perf_counter()
        self.waiting += 1
        try:
            return super()._do_get()
        except PoolTimeout as exc:
            raise DatabaseUnavailable("No database connection became free in time", kind="timeout") from exc
        finally:
            self.waiting -= 1
            if self.observe:
                self._wait_metric.observe(time.perf_counter() - started)


class BoundedPool(asyncpg.Pool):  # type: ignore[misc]  # asyncpg is untyped
    """An asyncpg pool whose checkouts wait at most ``checkout_timeout`` seconds (asyncpg: forever)."""

    def __init__(self, *args: Any, checkout_timeout: float, observe: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checkout_timeout = checkout_timeout
        self.waiting = 0
        self.observe = observe
        self._wait_metric = DB_CHECKOUT_WAIT.labels(pool="gateway")

    async def _acquire(self, wait_s: float | None) -> Any:
        started = time.perf_counter()
        self.waiting += 1
        try:
            return await super()._acquire(self.checkout_timeout if wait_s is None else wait_s)
        except TimeoutError as exc:
            raise DatabaseUnavailable("No database connection became free in time", kind="timeout") from exc
        finally:
            self.waiting -= 1
            if self.observe:
                self._wait_metric.observe(time.perf_counter() - started)
