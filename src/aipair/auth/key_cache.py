"""API key resolution for the gateway's hot path: one SHA-256 and a dict read per request.

Resolved keys are cached for a few seconds (``ttl_s``). Revoking or rotating a key in this process
drops it from the cache at once; other processes see the change within ``ttl_s``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg

from aipair.auth import repository as repo
from aipair.auth.errors import InvalidApiKey
from aipair.auth.principal import CompanyId
from aipair.auth.tokens import digest
from aipair.kit.cache import LoadingCache


@dataclass(frozen=True, slots=True)
class ResolvedKey:
    """What the gateway needs to know about a valid key."""

    key_id: uuid.UUID
    company_id: CompanyId
    scopes: frozenset[str]
    requests_per_minute: int | None
    tokens_per_minute: int | None
    monthly_budget_micro_usd: int | None
    expires_at: float | None


class ApiKeyResolver:
    """Resolve raw API keys to :class:`ResolvedKey`, with a short cache."""

    def __init__(self, pool: asyncpg.Pool, ttl_s: float = 5.0, clock: Callable[[], float] = time.time):
        self._pool = pool
        self._clock = clock
        self._cache: LoadingCache[str, ResolvedKey | None] = LoadingCache(self._load, ttl_s, clock=clock)

    async def resolve(self, raw_key: str) -> ResolvedKey:
        """The key's facts; :class:`InvalidApiKey` when unknown, expired or revoked."""
        resolved = await self._cache.get(digest(raw_key))
        if resolved is None or (resolved.expires_at is not None and resolved.expires_at <= self._clock()):
            raise InvalidApiKey()
        return resolved

    def forget(self, key_hash: str) -> None:
        """Drop a key from the cache (after revocation or rotation)."""
        self._cache.forget(key_hash)

    async def _load(self, key_hash: str) -> ResolvedKey | None:
        row = await repo.cached_key_facts(self._pool, key_hash)
        if row is None or row["revoked_at"] is not None:
            return None
        return ResolvedKey(
            key_id=row["id"],
            company_id=CompanyId(row["company_id"]),
            scopes=frozenset(row["scopes"]),
            requests_per_minute=row["requests_per_minute"],
            tokens_per_minute=row["tokens_per_minute"],
            monthly_budget_micro_usd=row["monthly_budget_micro_usd"],
            expires_at=row["expires_at"].timestamp() if row["expires_at"] else None,
        )
