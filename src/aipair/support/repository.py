"""Every SQL statement of support access grants. Flushes, never commits."""

from __future__ import annotations

import uuid

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from aipair.support.models import SupportGrant


async def open_scope(session: AsyncSession, company_id: uuid.UUID) -> str | None:
    """The caller's open grant scope for ``company_id``: ``read``, ``write`` or None."""
    result = await session.execute(text("SELECT app_support_scope(:c)"), {"c": company_id})
    scope: str | None = result.scalar()
    return scope


async def approval_required(session: AsyncSession, company_id: uuid.UUID) -> bool | None:
    """Whether the company requires owner approval; None when there is no such company."""
    result = await session.execute(text("SELECT support_approval_required(:c)"), {"c": company_id})
    required: bool | None = result.scalar()
    return required


async def add(session: AsyncSession, grant: SupportGrant) -> SupportGrant:
    session.add(grant)
    await session.flush()
    return grant


async def get(
    session: AsyncSession, grant_id: uuid.UUID, company_id: uuid.UUID | None = None
) -> SupportGrant | None:
    """A grant visible to this transaction, optionally only if it belongs to ``company_id``."""
    query = select(SupportGrant).where(SupportGrant.id == grant_id)
    if company_id is not None:
        query = query.where(SupportGrant.company_id == company_id)
    return (await session.execute(query)).scalar_one_or_none()


async def list_grants(
    session: AsyncSession, company_id: uuid.UUID | None, limit: int, offset: int
) -> list[SupportGrant]:
    """Grants visible to this transaction (RLS decides), optionally of one company, newest first."""
    query = select(SupportGrant)
    if company_id is not None:
        query = query.where(SupportGrant.company_id == company_id)
    query = query.order_by(SupportGrant.created_at.desc(), SupportGrant.id.desc()).limit(limit).offset(offset)
    return list((await session.execute(query)).scalars())
