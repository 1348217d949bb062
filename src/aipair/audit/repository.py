"""Every SQL statement of the audit trail. Flushes, never commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from aipair.audit.models import AuditLog
from aipair.audit.schemas import AuditFilters
from aipair.auth.principal import CompanyId


async def append(session: AsyncSession, values: dict[str, Any]) -> None:
    """Insert one audit row; the chain trigger sets ``seq``, ``prev_hash``, ``hash`` and ``created_at``."""
    await session.execute(insert(AuditLog).values(seq=0, prev_hash="", hash="", **values))


def _filtered(company_id: CompanyId, filters: AuditFilters) -> Select[AuditLog]:
    query = select(AuditLog).where(AuditLog.company_id == company_id)
    if filters.action:
        query = query.where(AuditLog.action.startswith(filters.action, autoescape=True))
    if filters.actor is not None:
        query = query.where(
            or_(AuditLog.actor_user_id == filters.actor, AuditLog.actor_key_id == filters.actor)
        )
    if filters.target_type:
        query = query.where(AuditLog.target_type == filters.target_type)
    if filters.target_id:
        query = query.where(AuditLog.target_id == filters.target_id)
    if filters.since is not None:
        query = query.where(AuditLog.created_at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditLog.created_at < filters.until)
    return query


async def list_entries(
    session: AsyncSession, company_id: CompanyId, filters: AuditFilters, limit: int, offset: int
) -> list[AuditLog]:
    """The company's audit rows matching ``filters``, newest first."""
    query = _filtered(company_id, filters).order_by(AuditLog.seq.desc()).limit(limit).offset(offset)
    return list((await session.execute(query)).scalars())
