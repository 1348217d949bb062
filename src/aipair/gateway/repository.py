"""Every SQL statement of a company's AI settings (the hot path reads them in ``company_routes``).
Flushes, never commits."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from aipair.auth.principal import CompanyId
from aipair.gateway.models import CompanyModelAccess, CompanyModelAlias, CompanyProviderKey


async def add(session: AsyncSession, row: object) -> None:
    session.add(row)
    await session.flush()


async def flush(session: AsyncSession) -> None:
    await session.flush()


async def remove(session: AsyncSession, row: object) -> None:
    await session.delete(row)
    await session.flush()


async def list_provider_keys(session: AsyncSession, company_id: CompanyId) -> list[CompanyProviderKey]:
    result = await session.execute(
        select(CompanyProviderKey)
        .where(CompanyProviderKey.company_id == company_id)
        .order_by(CompanyProviderKey.provider)
    )
    return list(result.scalars())


async def get_provider_key(
    session: AsyncSession, company_id: CompanyId, provider: str
) -> CompanyProviderKey | None:
    result = await session.execute(
        select(CompanyProviderKey).where(
            CompanyProviderKey.company_id == company_id, CompanyProviderKey.provider == provider
        )
    )
    return result.scalar_one_or_none()


async def list_aliases(session: AsyncSession, company_id: CompanyId) -> list[CompanyModelAlias]:
    result = await session.execute(
        select(CompanyModelAlias)
        .where(CompanyModelAlias.company_id == company_id)
        .order_by(CompanyModelAlias.alias)
    )
    return list(result.scalars())


async def get_alias(session: AsyncSession, company_id: CompanyId, alias: str) -> CompanyModelAlias | None:
    result = await session.execute(
        select(CompanyModelAlias).where(
            CompanyModelAlias.company_id == company_id, CompanyModelAlias.alias == alias
        )
    )
    return result.scalar_one_or_none()


async def get_model_access(session: AsyncSession, company_id: CompanyId) -> CompanyModelAccess | None:
    result = await session.execute(
        select(CompanyModelAccess).where(CompanyModelAccess.company_id == company_id)
    )
    return result.scalar_one_or_none()


async def clear_model_access(session: AsyncSession, company_id: CompanyId) -> None:
    await session.execute(delete(CompanyModelAccess).where(CompanyModelAccess.company_id == company_id))
