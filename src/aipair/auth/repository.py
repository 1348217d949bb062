"""Every SQL statement of the auth domain. Flushes, never commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from aipair.auth.models import ApiKey, FailedLogin, PasswordReset, RefreshToken, User
from aipair.auth.principal import CompanyId
from aipair.db.engine import SET_LOOKUP
from aipair.db.raw import lookup_connection
from aipair.kit.clock import utcnow
from aipair.tenancy.models import Company, Membership


@dataclass(frozen=True)
class MembershipRow:
    """A user's membership joined with its company."""

    membership_id: uuid.UUID
    company_id: uuid.UUID
    company_slug: str
    company_status: str
    is_platform: bool
    role: str


async def set_lookup(session: AsyncSession, name: str, value: str) -> None:
    """Allow this transaction to see the single row matching a secret (see ``lookup_policy``)."""
    await session.execute(SET_LOOKUP, {"name": name, "value": value})


async def user_by_id(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    await set_lookup(session, "email", email.lower())
    result = await session.execute(select(User).where(func.lower(User.email) == email.lower()))
    return result.scalar_one_or_none()


LOCK_STATE = text("""
SELECT max(locked_until) FILTER (WHERE lifted_at IS NULL AND locked_until > now()) AS locked_until,
       max(coalesce(lifted_at, locked_until)) AS last_end
FROM auth.login_locks WHERE email = :email
""")
ADDRESS_FAILURES = text("""
SELECT count(*) AS failures, max(created_at) AS last_at
FROM auth.failed_logins WHERE ip = CAST(:ip AS inet) AND created_at > :since
""")
ADD_LOCK = text("""
INSERT INTO auth.login_locks (id, email, user_id, failures, locked_until)
SELECT CAST(:id AS uuid), CAST(:email AS varchar), CAST(:user_id AS uuid), CAST(:failures AS integer),
       now() + make_interval(mins => CAST(:minutes AS integer))
WHERE NOT EXISTS (SELECT 1 FROM auth.login_locks
                  WHERE email = CAST(:email AS varchar) AND lifted_at IS NULL AND locked_until > now())
""")
LIFT_LOCKS = text("""
UPDATE auth.login_locks SET lifted_at = now(), lifted_by = :by, lift_reason = :reason
WHERE email = :email AND lifted_at IS NULL AND locked_until > now()
RETURNING id, failures, locked_at, locked_until
""")


@dataclass(frozen=True)
class LockState:
    """An account's sign-in lock: until when it holds (None: not locked), and when the last one ended."""

    locked_until: datetime | None
    last_end: datetime | None


async def lock_state(session: AsyncSession, email: str) -> LockState:
    row = (await session.execute(LOCK_STATE, {"email": email})).one()
    return LockState(row.locked_until, row.last_end)


async def failures_since(session: AsyncSession, email: str, since: datetime) -> int:
    """Failed sign-ins of the account (by e-mail) after ``since``."""
    found = await session.scalar(
        select(func.count())
        .select_from(FailedLogin)
        .where(func.lower(FailedLogin.email) == email, FailedLogin.created_at > since)
    )
    return int(found or 0)


async def address_failures(session: AsyncSession, ip: str, since: datetime) -> tuple[int, datetime | None]:
    """Failed sign-ins from ``ip`` after ``since``, and the latest one."""
    row = (await session.execute(ADDRESS_FAILURES, {"ip": ip, "since": since})).one()
    return int(row.failures), row.last_at


async def add_lock(
    session: AsyncSession, email: str, user_id: uuid.UUID | None, failures: int, minutes: int
) -> None:
    """Lock the account for ``minutes`` unless a lock already holds (concurrent failures lock once)."""
    params = {
        "id": uuid.uuid4(),
        "email": email,
        "user_id": user_id,
        "failures": failures,
        "minutes": minutes,
    }
    await session.execute(ADD_LOCK, params)


async def lift_locks(
    session: AsyncSession, email: str, by: uuid.UUID | None, reason: str
) -> list[dict[str, Any]]:
    """Lift the account's holding lock (the failed sign-ins stay); the locks lifted."""
    result = await session.execute(LIFT_LOCKS, {"email": email, "by": by, "reason": reason[:500]})
    return [dict(row) for row in result.mappings()]


async def record_failed_login(
    session: AsyncSession, email: str, user_id: uuid.UUID | None, ip: str | None, user_agent: str | None
) -> None:
    await session.execute(
        insert(FailedLogin).values(
            email=email[:320], user_id=user_id, ip=ip, user_agent=(user_agent or "")[:500]
        )
    )


async def memberships_of(session: AsyncSession, user_id: uuid.UUID) -> list[MembershipRow]:
    """The user's active memberships (visible through the own-memberships policy)."""
    await session.execute(text("SELECT set_config('app.user_id', :u, true)"), {"u": str(user_id)})
    result = await session.execute(
        select(Membership.id, Company.id, Company.slug, Company.status, Company.is_platform, Membership.role)
        .join(Company, Company.id == Membership.company_id)
        .where(Membership.user_id == user_id, Membership.status == "ACTIVE")
        .order_by(Company.is_platform.desc(), Membership.created_at)
    )
    return [MembershipRow(*row) for row in result.all()]


async def membership_in(
    session: AsyncSession, company_id: CompanyId, user_id: uuid.UUID
) -> MembershipRow | None:
    result = await session.execute(
        select(Membership.id, Company.id, Company.slug, Company.status, Company.is_platform, Membership.role)
        .join(Company, Company.id == Membership.company_id)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.company_id == company_id,
            Membership.user_id == user_id,
            Membership.status == "ACTIVE",
            User.status == "ACTIVE",
        )
    )
    row = result.one_or_none()
    return MembershipRow(*row) if row else None


async def add_refresh_token(
    session: AsyncSession,
    company_id: uuid.UUID,
    user_id: uuid.UUID,
    family_id: uuid.UUID,
    token_hash: str,
    expires_at: datetime,
) -> None:
    session.add(
        RefreshToken(
            company_id=company_id,
            user_id=user_id,
            family_id=family_id,
            token_hash=token_hash,
            expires_at=expires_at,
        )
    )
    await session.flush()


async def refresh_token_by_hash(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    await set_lookup(session, "refresh_hash", token_hash)
    result = await session.execute(select(RefreshToken).where(RefreshToken.token_hash == token_hash))
    return result.scalar_one_or_none()


async def mark_refresh_used(session: AsyncSession, token_id: uuid.UUID) -> bool:
    """Mark a refresh token used; False when another request used it first."""
    result = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == token_id, RefreshToken.used_at.is_(None), RefreshToken.revoked_at.is_(None))
        .values(used_at=utcnow())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def revoke_family(session: AsyncSession, family_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def family_revoked(session: AsyncSession, family_id: uuid.UUID) -> bool:
    found = await session.scalar(
        select(func.count())
        .select_from(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_not(None))
    )
    return bool(found)


async def touch_login(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(update(User).where(User.id == user_id).values(last_login_at=utcnow()))


async def api_key_by_hash(session: AsyncSession, key_hash: str) -> ApiKey | None:
    await set_lookup(session, "key_hash", key_hash)
    result = await session.execute(select(ApiKey).where(ApiKey.key_hash == key_hash))
    return result.scalar_one_or_none()


async def company_status(session: AsyncSession, company_id: uuid.UUID) -> tuple[str, bool] | None:
    result = await session.execute(
        select(Company.status, Company.is_platform).where(Company.id == company_id)
    )
    row = result.one_or_none()
    return (row[0], row[1]) if row else None


async def touch_api_key(session: AsyncSession, key_id: uuid.UUID) -> None:
    """Record key use, at most once a minute per key to keep the hot path write-free."""
    now = utcnow()
    await session.execute(
        update(ApiKey)
        .where(
            ApiKey.id == key_id,
            (ApiKey.last_used_at.is_(None)) | (ApiKey.last_used_at < now - timedelta(minutes=1)),
        )
        .values(last_used_at=now)
    )


async def list_api_keys(
    session: AsyncSession, company_id: CompanyId, limit: int, offset: int
) -> list[ApiKey]:
    result = await session.execute(
        select(ApiKey)
        .where(ApiKey.company_id == company_id)
        .order_by(ApiKey.created_at.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(result.scalars())


async def get_api_key(session: AsyncSession, company_id: CompanyId, key_id: uuid.UUID) -> ApiKey | None:
    result = await session.execute(select(ApiKey).where(ApiKey.company_id == company_id, ApiKey.id == key_id))
    return result.scalar_one_or_none()


async def add_api_key(session: AsyncSession, key: ApiKey) -> ApiKey:
    session.add(key)
    await session.flush()
    return key


async def revoke_sessions_of(session: AsyncSession, company_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """Revoke every session of the user in the company (their access tokens stop working too)."""
    await session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.company_id == company_id,
            RefreshToken.user_id == user_id,
            RefreshToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )


API_KEY_BY_HASH = """
SELECT id, company_id, scopes, expires_at, revoked_at, requests_per_minute, tokens_per_minute,
       monthly_budget_micro_usd
FROM api_keys WHERE key_hash = $1
"""


async def cached_key_facts(pool: asyncpg.Pool, key_hash: str) -> asyncpg.Record | None:
    """The key with this hash (visible only through the key-hash lookup policy), for the gateway's cache."""
    async with lookup_connection(pool, "key_hash", key_hash) as conn:
        row: asyncpg.Record | None = await conn.fetchrow(API_KEY_BY_HASH, key_hash)
        return row


async def set_password(session: AsyncSession, user_id: uuid.UUID, password_hash: str) -> None:
    """Store a new password hash (the transaction acts as the account itself: the ``self`` policy)."""
    await session.execute(update(User).where(User.id == user_id).values(password_hash=password_hash))


async def revoke_sessions_except(session: AsyncSession, user_id: uuid.UUID, keep: uuid.UUID | None) -> int:
    """End every session of the account, in every company, except the session ``keep``; how many
    ended. The transaction acts as the account (the ``own_sessions`` policy shows its refresh tokens
    wherever they were issued)."""
    condition = [RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None)]
    if keep is not None:
        condition.append(RefreshToken.family_id != keep)
    result = await session.execute(
        update(RefreshToken).where(*condition).values(revoked_at=utcnow()).returning(RefreshToken.family_id)
    )
    return len(set(result.scalars()))


async def cancel_password_resets(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Void the account's unused reset codes (a newer one replaces them)."""
    await session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user_id, PasswordReset.used_at.is_(None))
        .values(expires_at=func.least(PasswordReset.expires_at, func.now()))
    )


async def add_password_reset(
    session: AsyncSession,
    user_id: uuid.UUID,
    company_id: uuid.UUID,
    token_hash: str,
    expires_at: datetime,
    issued_by: uuid.UUID | None,
) -> None:
    session.add(
        PasswordReset(
            id=uuid.uuid4(),
            user_id=user_id,
            company_id=company_id,
            token_hash=token_hash,
            expires_at=expires_at,
            issued_by=issued_by,
        )
    )
    await session.flush()


async def password_reset_by_hash(session: AsyncSession, token_hash: str) -> PasswordReset | None:
    await set_lookup(session, "reset_hash", token_hash)
    result = await session.execute(select(PasswordReset).where(PasswordReset.token_hash == token_hash))
    return result.scalar_one_or_none()


async def use_password_reset(session: AsyncSession, reset_id: uuid.UUID) -> bool:
    """Mark a reset code used; False when another request used it first (or it expired meanwhile)."""
    result = await session.execute(
        update(PasswordReset)
        .where(
            PasswordReset.id == reset_id,
            PasswordReset.used_at.is_(None),
            PasswordReset.expires_at > func.now(),
        )
        .values(used_at=func.now())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
