"""Every statement of ``Idempotency-Key`` handling: one short statement each, in the company's context."""

from __future__ import annotations

import uuid
from datetime import timedelta

import asyncpg

from aipair.db.raw import tenant_connection

CLAIM = """
INSERT INTO gateway_idempotency_keys AS k (company_id, idempotency_key, fingerprint, expires_at)
VALUES ($1, $2, $3, now() + $4::interval)
ON CONFLICT (company_id, idempotency_key) DO UPDATE
   SET fingerprint = EXCLUDED.fingerprint, status_code = NULL, response = NULL, created_at = now(),
       expires_at = EXCLUDED.expires_at
 WHERE k.expires_at < now()
RETURNING 1
"""
EXISTING = """
SELECT fingerprint, status_code, response FROM gateway_idempotency_keys
 WHERE company_id = $1 AND idempotency_key = $2
"""
COMPLETE = """
UPDATE gateway_idempotency_keys SET status_code = $3, response = $4
 WHERE company_id = $1 AND idempotency_key = $2
"""
RELEASE = "DELETE FROM gateway_idempotency_keys WHERE company_id = $1 AND idempotency_key = $2"
PURGE = "SELECT gateway_purge_idempotency_keys($1)"


async def claim(
    pool: asyncpg.Pool, company_id: uuid.UUID, key: str, print_: bytes, ttl: timedelta
) -> tuple[bool, asyncpg.Record | None]:
    """``(True, None)`` when ``key`` is claimed now, else ``(False, the holder's row or None)``."""
    async with tenant_connection(pool, company_id) as conn:
        if await conn.fetchval(CLAIM, company_id, key, print_, ttl):
            return True, None
        row: asyncpg.Record | None = await conn.fetchrow(EXISTING, company_id, key)
        return False, row


async def complete(
    pool: asyncpg.Pool, company_id: uuid.UUID, key: str, status_code: int, body: bytes | None
) -> None:
    async with tenant_connection(pool, company_id) as conn:
        await conn.execute(COMPLETE, company_id, key, status_code, body)


async def release(pool: asyncpg.Pool, company_id: uuid.UUID, key: str) -> None:
    async with tenant_connection(pool, company_id) as conn:
        await conn.execute(RELEASE, company_id, key)


async def purge_expired(pool: asyncpg.Pool, limit: int) -> int:
    """Delete up to ``limit`` expired keys of every company; how many were."""
    deleted: int = await pool.fetchval(PURGE, limit)
    return deleted
