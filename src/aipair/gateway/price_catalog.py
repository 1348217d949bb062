"""Prices as the gateway reads them: every row of ``model_prices``, held in memory and reloaded on a
schedule, so a lookup on the request path is a dict read and never a query.

The table is the only source of prices. A price change is a new row with the date it applies from:
rows dated in the future are loaded too and take over on their date, without a reload. A new row
reaches every gateway process within ``refresh_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date

import asyncpg
import structlog

from aipair.gateway import repository as repo
from aipair.gateway.pricing import Price, PriceBook

__all__ = ["PriceCatalog", "load_prices"]

log = structlog.get_logger("aipair.gateway")


async def load_prices(pool: asyncpg.Pool) -> PriceBook:
    """Every row of ``model_prices``."""
    rows = await repo.model_prices(pool)
    return PriceBook(Price(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows)


class PriceCatalog:
    """The prices of ``model_prices``, reloaded every ``refresh_s`` by a background task."""

    def __init__(self, pool: asyncpg.Pool, book: PriceBook, refresh_s: float) -> None:
        self._pool = pool
        self._book = book
        self._refresh_s = refresh_s
        self._task: asyncio.Task[None] | None = None

    @classmethod
    async def load(cls, pool: asyncpg.Pool, refresh_s: float = 60.0) -> PriceCatalog:
        """A catalog holding the table as it is now (call :meth:`start` to keep it current)."""
        return cls(pool, await load_prices(pool), refresh_s)

    def lookup(self, provider: str, model: str, at: date) -> Price | None:
        """The price in effect at ``at`` (see :meth:`PriceBook.lookup`), or None if unpriced."""
        return self._book.lookup(provider, model, at)

    def output_limit(self, provider: str, model: str, at: date) -> int | None:
        """The most completion tokens the model produces (see :meth:`PriceBook.output_limit`)."""
        return self._book.output_limit(provider, model, at)

    async def reload(self) -> None:
        """Read the table again now."""
        self._book = await load_prices(self._pool)

    def start(self) -> None:
        """Reload in the background every ``refresh_s`` (a failed reload keeps the prices it had)."""
        if self._task is None:
            self._task = asyncio.create_task(self._refresh())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _refresh(self) -> None:
        while True:
            await asyncio.sleep(self._refresh_s)
            try:
                await self.reload()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("prices_reload_failed", error=type(exc).__name__)
