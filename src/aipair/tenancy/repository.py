"""Every SQL statement of the tenancy domain. Flushes, never commits."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from aipair.auth.models import User
from aipair.auth.principal import CompanyId
from aipair.db.raw import tenant_connection
from aipair.tenancy.models import Company, Invitation, Membership, Plan


async def add(session: AsyncSession, *rows: object) -> None:
    session.add_all(rows)
    await session.flush()


async def list_companies(session: AsyncSession, limit: int, offset: int) -> list[Company]:
    """The companies this transaction may see (RLS decides), by name."""
    result = await session.execute(
        select(Company).order_by(Company.name, Company.id).limit(limit).offset(offset)
    )
    return list(result.scalars())


async def get_company(session: AsyncSession, company_id: uuid.UUID) -> Company | None:
    return await session.get(Company, company_id, populate_existing=True)


async def company_by_slug(session: AsyncSession, slug: str) -> Company | None:
    result = await session.execute(select(Company).where(Company.slug == slug))
    return result.scalar_one_or_none()


async def platform_company(session: AsyncSession) -> Company | None:
    result = await session.execute(select(Company).where(Company.is_platform.is_(True)))
    return result.scalar_one_or_none()


async def slug_taken(session: AsyncSession, slug: str) -> bool:
    """Whether the slug is used by any company, visible or not (a SECURITY-free count by owner is not needed:
    the unique constraint is the real guard; this only gives a friendly error first)."""
    return (await company_by_slug(session, slug)) is not None


async def get_plan(session: AsyncSession, code: str) -> Plan | None:
    return await session.get(Plan, code)


async def list_plans(session: AsyncSession) -> list[Plan]:
    result = await session.execute(select(Plan).order_by(Plan.price_usd_cents.nulls_last()))
    return list(result.scalars())


async def list_members(
    session: AsyncSession, company_id: CompanyId, limit: int, offset: int
) -> list[tuple[Membership, User]]:
    result = await session.execute(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.company_id == company_id)
        .order_by(Membership.created_at, Membership.id)
        .limit(limit)
        .offset(offset)
    )
    return [(m, u) for m, u in result.tuples()]


async def get_member(
    session: AsyncSession, company_id: CompanyId, membership_id: uuid.UUID
) -> tuple[Membership, User] | None:
    result = await session.execute(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.company_id == company_id, Membership.id == membership_id)
    )
    row = result.tuples().one_or_none()
    return (row[0], row[1]) if row else None


async def membership_of_user(
    session: AsyncSession, company_id: CompanyId, user_id: uuid.UUID
) -> Membership | None:
    result = await session.execute(
        select(Membership).where(Membership.company_id == company_id, Membership.user_id == user_id)
    )
    return result.scalar_one_or_none()


async def count_active(
    session: AsyncSession, company_id: CompanyId, role: str | None = None, *, with_invited: bool = False
) -> int:
    """Active members (with ``role``); ``with_invited`` also counts those yet to accept."""
    statuses = ("ACTIVE", "INVITED") if with_invited else ("ACTIVE",)
    query = (
        select(func.count())
        .select_from(Membership)
        .where(Membership.company_id == company_id, Membership.status.in_(statuses))
    )
    if role is not None:
        query = query.where(Membership.role == role)
    return int(await session.scalar(query) or 0)


async def effective_limits(session: AsyncSession, company_id: CompanyId) -> dict[str, Any] | None:
    result = await session.execute(
        text("SELECT * FROM company_limits WHERE company_id = :c"), {"c": company_id}
    )
    row = result.mappings().one_or_none()
    return dict(row) if row else None


async def invitation_by_hash(session: AsyncSession, token_hash: str) -> Invitation | None:
    await session.execute(
        text("SELECT set_config('app.lookup_invitation_hash', :v, true)"), {"v": token_hash}
    )
    result = await session.execute(select(Invitation).where(Invitation.token_hash == token_hash))
    return result.scalar_one_or_none()


async def user_of(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def pending_invitations(
    session: AsyncSession, company_id: CompanyId, limit: int, offset: int
) -> list[Invitation]:
    """Invitations neither accepted nor revoked (expired ones included), newest first."""
    result = await session.execute(
        select(Invitation)
        .where(
            Invitation.company_id == company_id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .order_by(Invitation.created_at.desc(), Invitation.id)
        .limit(limit)
        .offset(offset)
    )
    return list(result.scalars())


async def get_invitation(
    session: AsyncSession, company_id: CompanyId, invitation_id: uuid.UUID
) -> Invitation | None:
    result = await session.execute(
        select(Invitation).where(Invitation.company_id == company_id, Invitation.id == invitation_id)
    )
    return result.scalar_one_or_none()


async def revoke_pending_invitations(session: AsyncSession, membership_id: uuid.UUID) -> None:
    """Revoke every invitation of the membership that is still open."""
    await session.execute(
        update(Invitation)
        .where(
            Invitation.membership_id == membership_id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=func.now())
    )


async def delete(session: AsyncSession, row: object) -> None:
    await session.delete(row)
    await session.flush()


async def get_membership(
    session: AsyncSession, company_id: CompanyId, membership_id: uuid.UUID | None
) -> Membership | None:
    if membership_id is None:
        return None
    result = await session.execute(
        select(Membership).where(Membership.company_id == company_id, Membership.id == membership_id)
    )
    return result.scalar_one_or_none()


COMPANY_POLICY = """
SELECT l.status, c.time_zone, l.requests_per_minute, l.ai_requests_per_hour, l.ai_requests_per_month,
       l.monthly_budget_micro_usd, c.budget_alert_thresholds
FROM company_limits l JOIN companies c ON c.id = l.company_id
WHERE l.company_id = $1
"""


async def company_policy(pool: asyncpg.Pool, company_id: uuid.UUID) -> asyncpg.Record | None:
    """The company's status, time zone, effective limits and budget (from ``company_limits``)."""
    async with tenant_connection(pool, company_id) as conn:
        row: asyncpg.Record | None = await conn.fetchrow(COMPANY_POLICY, company_id)
        return row
