"""Every SQL statement of the support actions log. Flushes, never commits."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from aipair.support.models import SupportAction


async def add(session: AsyncSession, row: SupportAction) -> None:
    session.add(row)
    await session.flush()


async def list_actions(
    session: AsyncSession, company_id: uuid.UUID | None, limit: int, offset: int
) -> list[SupportAction]:
    """Support actions visible to this transaction (RLS decides), optionally of one company, newest first."""
    query = select(SupportAction)
    if company_id is not None:
        query = query.where(SupportAction.target_company_id == company_id)
    query = (
        query.order_by(SupportAction.created_at.desc(), SupportAction.id.desc()).limit(limit).offset(offset)
    )
    return list((await session.execute(query)).scalars())
