"""Every SQL statement of a company's AI settings (the hot path reads them in ``company_routes``).
Flushes, never commits."""

from __future__ import annotations

import uuid

import asyncpg
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from aipair.auth.principal import CompanyId
from aipair.db.raw import tenant_connection
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


COMPANY_AI_ROWS = """
SELECT 'key' AS kind, provider AS name, sealed_key AS sealed, NULL::text AS value
FROM company_provider_keys WHERE company_id = $1
UNION ALL
SELECT 'alias', alias, NULL, targets::text FROM company_model_aliases WHERE company_id = $1
UNION ALL
SELECT 'access', NULL, NULL, array_to_json(allowed_models)::text
FROM company_model_access WHERE company_id = $1
ORDER BY 1, 2
"""


async def company_ai_rows(pool: asyncpg.Pool, company_id: uuid.UUID) -> list[asyncpg.Record]:
    """The company's provider keys, aliases and allow-list in one round trip (for the routes cache)."""
    async with tenant_connection(pool, company_id) as conn:
        rows: list[asyncpg.Record] = await conn.fetch(COMPANY_AI_ROWS, company_id)
        return rows


MODEL_PRICES = """
SELECT provider, model, input_per_million_usd, output_per_million_usd, effective_from, unit,
       max_output_tokens
FROM model_prices
"""


async def model_prices(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    """Every row of ``model_prices`` (future-dated ones included)."""
    rows: list[asyncpg.Record] = await pool.fetch(MODEL_PRICES)
    return rows
