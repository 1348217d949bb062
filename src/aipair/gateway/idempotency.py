"""``Idempotency-Key``: a retried call is billed once (its first answer replayed, or 409 while it runs).

The key belongs to the company. The first call claims it (one row); a repeat with the same body gets
the stored answer, marked ``idempotent-replayed: true``; with another body, or while the first call
still runs, 409. A call that fails releases the key (nothing was billed), so the client may retry.
Keys expire after ``ttl``; an expired key is claimed afresh, and its record is deleted by the
``gateway.purge_idempotency_keys`` job.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

import asyncpg

from aipair.auth.principal import CompanyId
from aipair.gateway import idempotency_repository as repo
from aipair.gateway.errors import GatewayError

__all__ = ["IdempotencyKeyInUse", "IdempotencyKeys", "Replay"]

MAX_KEY_LENGTH = 255


class IdempotencyKeyInUse(GatewayError):
    """The key is held by a call still running, by another request body, or by a delivered stream."""

    status_code = 409
    code = "idempotency_key_in_use"
    openai_type = "invalid_request_error"
    default_message = "A request with this Idempotency-Key is still being processed"


@dataclass(frozen=True, slots=True)
class Replay:
    """The stored answer of the key's first call."""

    status_code: int
    body: bytes


def fingerprint(path: str, body: bytes) -> bytes:
    """What a repeat must match: the route and the exact body."""
    return hashlib.sha256(path.encode() + b"\0" + body).digest()


class IdempotencyKeys:
    """Claims, completes and releases keys (one short statement each, in the company's context)."""

    def __init__(self, pool: asyncpg.Pool, ttl: timedelta = timedelta(hours=24)) -> None:
        self._pool = pool
        self._ttl = ttl

    async def claim(self, company_id: CompanyId, key: str, print_: bytes) -> Replay | None:
        """Claim ``key`` for a new call (None), or the first call's answer to replay; 409 otherwise."""
        if not key or len(key) > MAX_KEY_LENGTH:
            raise IdempotencyKeyInUse(
                f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters", param="Idempotency-Key"
            )
        claimed, row = await repo.claim(self._pool, company_id, key, print_, self._ttl)
        if claimed:
            return None
        if row is None or bytes(row["fingerprint"]) != print_:
            raise IdempotencyKeyInUse("This Idempotency-Key was used with another request body")
        if row["status_code"] is None:
            raise IdempotencyKeyInUse()
        if row["response"] is None:
            raise IdempotencyKeyInUse("The streamed answer of this Idempotency-Key was already delivered")
        return Replay(int(row["status_code"]), bytes(row["response"]))

    async def complete(self, company_id: CompanyId, key: str, status_code: int, body: bytes | None) -> None:
        """Store the answer of the key's call (``None``: a stream, delivered and not replayable)."""
        await repo.complete(self._pool, company_id, key, status_code, body)

    async def release(self, company_id: CompanyId, key: str) -> None:
        """Free the key of a call that failed (nothing billed): the client may send it again."""
        await repo.release(self._pool, company_id, key)

    async def purge_expired(self, batch: int = 1000) -> int:
        """Delete the expired keys of every company, ``batch`` at a time (no transaction grows with the
        backlog); how many were deleted."""
        total = 0
        while True:
            deleted = await repo.purge_expired(self._pool, batch)
            total += deleted
            if deleted < batch:
                return total
