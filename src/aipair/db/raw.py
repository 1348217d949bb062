"""asyncpg connections for hot paths, with the same per-transaction tenant context as the ORM sessions.

Every context set on these connections is transaction-local (``set_config(..., true)``), so a released
connection carries no session state: :class:`TransactionScopedConnection` skips asyncpg's reset query
(``RESET ALL``, ``UNLISTEN *``, ...), one round trip per release on the gateway's hot path. An open
transaction is still rolled back on release.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from aipair.db.urls import libpq


class TransactionScopedConnection(asyncpg.Connection):  # type: ignore[misc]  # asyncpg is untyped
    """A pooled connection whose users keep all state inside transactions: nothing to reset on release.

    Never ``SET`` (without ``LOCAL``), ``LISTEN`` or take session advisory locks on these connections.
    """

    def get_reset_query(self) -> str:
        return ""


@asynccontextmanager
async def tenant_connection(pool: asyncpg.Pool, company_id: uuid.UUID) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection inside a transaction whose tenant context is ``company_id``."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT set_config('app.company_id', $1, true)", str(company_id))
        yield conn


@asynccontextmanager
async def lookup_connection(pool: asyncpg.Pool, name: str, value: str) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection inside a transaction allowed to see the row whose secret is ``value``."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT set_config('app.lookup_' || $1, $2, true)", name, value)
        yield conn


@asynccontextmanager
async def direct_connection(url: str) -> AsyncIterator[asyncpg.Connection]:
    """One connection of its own (no pool), for operator commands that run a few statements and exit."""
    conn = await asyncpg.connect(libpq(url))
    try:
        yield conn
    finally:
        await conn.close()
