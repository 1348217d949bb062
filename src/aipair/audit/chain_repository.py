"""The statements of the audit chain check, run as the owner (who sees every company)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg

ROWS = """
SELECT a.company_id, a.id, a.seq, a.prev_hash, a.hash, audit_canonical(a)
FROM audit_logs a {where}
ORDER BY a.company_id, a.seq
"""
BATCH = 5000


async def chain_rows(
    conn: asyncpg.Connection, company_id: uuid.UUID | None
) -> AsyncIterator[tuple[uuid.UUID, uuid.UUID, int, str, str, str]]:
    """Every audit row (or one company's), in chain order, streamed from a server-side cursor."""
    query = ROWS.format(where="WHERE a.company_id = $1" if company_id else "")
    args = [company_id] if company_id else []
    async with conn.transaction(readonly=True):
        async for row in conn.cursor(query, *args, prefetch=BATCH):
            yield row[0], row[1], row[2], row[3], row[4], row[5]


async def company_id_by_slug(conn: asyncpg.Connection, slug: str) -> uuid.UUID | None:
    """The id of the company with ``slug``, if there is one."""
    found: uuid.UUID | None = await conn.fetchval("SELECT id FROM companies WHERE slug = $1", slug)
    return found


async def company_slugs(conn: asyncpg.Connection) -> dict[uuid.UUID, str]:
    """Every company's slug by id (for naming chains)."""
    return {row["id"]: row["slug"] for row in await conn.fetch("SELECT id, slug FROM companies")}
