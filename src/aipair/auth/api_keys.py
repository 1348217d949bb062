"""Company API keys: created once-shown, stored hashed, scoped, expiring, revocable, rotatable."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from aipair.audit.service import AuditService
from aipair.audit.snapshots import snapshot
from aipair.auth import repository as repo
from aipair.auth.key_cache import ApiKeyResolver
from aipair.auth.models import ApiKey
from aipair.auth.principal import Principal
from aipair.auth.schemas import ApiKeyCreate
from aipair.auth.tokens import digest, new_api_key
from aipair.errors import Conflict, NotFound
from aipair.kit.clock import utcnow
from aipair.kit.money import usd_to_micro
from aipair.tenancy.models import Role


class ApiKeyNotFound(NotFound):
    """No such key in this company."""

    code = "api_key_not_found"
    default_message = "API key not found"


@dataclass(frozen=True)
class CreatedKey:
    """A new key row and its secret, which is never shown again."""

    row: ApiKey
    secret: str


class ApiKeyService:
    """Manage a company's API keys."""

    def __init__(
        self, rotation_grace: timedelta, resolver: ApiKeyResolver | None = None, *, audit: AuditService
    ):
        self._grace = rotation_grace
        self._resolver = resolver
        self._audit = audit

    async def create(self, session: AsyncSession, principal: Principal, data: ApiKeyCreate) -> CreatedKey:
        """Create a key; the returned secret is the only copy. Audited as ``auth.api_key.create``."""
        secret, prefix = new_api_key()
        expires_at = utcnow() + timedelta(days=data.expires_in_days) if data.expires_in_days else None
        budget = usd_to_micro(data.monthly_budget_usd) if data.monthly_budget_usd is not None else None
        row = ApiKey(
            id=uuid.uuid4(),
            company_id=principal.company_id,
            name=data.name,
            prefix=prefix,
            key_hash=digest(secret),
            scopes=sorted(set(data.scopes)),
            created_by=principal.user_id,
            expires_at=expires_at,
            requests_per_minute=data.requests_per_minute,
            tokens_per_minute=data.tokens_per_minute,
            monthly_budget_micro_usd=budget,
        )
        await repo.add_api_key(session, row)
        await self._audit.record(
            session, principal, "auth.api_key.create", "api_key", row.id, after=snapshot(row)
        )
        return CreatedKey(row, secret)

    async def list(
        self, session: AsyncSession, principal: Principal, limit: int, offset: int
    ) -> list[ApiKey]:
        """The company's keys, newest first."""
        return await repo.list_api_keys(session, principal.company_id, limit, offset)

    async def get(self, session: AsyncSession, principal: Principal, key_id: uuid.UUID) -> ApiKey:
        """One key of the company; another company's id is not found."""
        row = await repo.get_api_key(session, principal.company_id, key_id)
        if row is None:
            raise ApiKeyNotFound()
        principal.require(Role.ADMIN)
        return row

    async def revoke(self, session: AsyncSession, principal: Principal, key_id: uuid.UUID) -> ApiKey:
        """Revoke a key at once. Audited as ``auth.api_key.revoke``."""
        row = await self.get(session, principal, key_id)
        before = snapshot(row)
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            await session.flush()
        if self._resolver is not None:
            self._resolver.forget(row.key_hash)
        await self._audit.record(
            session, principal, "auth.api_key.revoke", "api_key", row.id, before=before, after=snapshot(row)
        )
        return row

    async def rotate(
        self, session: AsyncSession, principal: Principal, key_id: uuid.UUID, grace_hours: int | None
    ) -> CreatedKey:
        """Issue a successor with the same settings; the old key keeps working for the grace period.
        Audited as ``auth.api_key.rotate`` (before: the old key; after: the old and the new key)."""
        old = await self.get(session, principal, key_id)
        before = snapshot(old)
        now = utcnow()
        if old.revoked_at is not None or (old.expires_at is not None and old.expires_at <= now):
            raise Conflict("Only an active key can be rotated", code_hint="key_inactive")
        grace = timedelta(hours=grace_hours) if grace_hours is not None else self._grace
        old.expires_at = min(old.expires_at or now + grace, now + grace)
        if self._resolver is not None:
            self._resolver.forget(old.key_hash)
        secret, prefix = new_api_key()
        new = ApiKey(
            id=uuid.uuid4(),
            company_id=principal.company_id,
            name=old.name,
            prefix=prefix,
            key_hash=digest(secret),
            scopes=list(old.scopes),
            created_by=principal.user_id,
            expires_at=None,
            rotated_from_id=old.id,
            requests_per_minute=old.requests_per_minute,
            tokens_per_minute=old.tokens_per_minute,
            monthly_budget_micro_usd=old.monthly_budget_micro_usd,
        )
        await repo.add_api_key(session, new)
        after = {"old": snapshot(old), "new": snapshot(new)}
        await self._audit.record(
            session, principal, "auth.api_key.rotate", "api_key", old.id, before=before, after=after
        )
        return CreatedKey(new, secret)
