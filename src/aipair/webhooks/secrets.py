"""Each company's webhook signing secret, sealed at rest with the platform's secrets key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from aipair.auth.principal import CompanyId
from aipair.kit.clock import utcnow
from aipair.kit.sealing import SecretBox
from aipair.webhooks import repository as repo
from aipair.webhooks.signing import new_secret


def secret_context(company_id: CompanyId) -> bytes:
    """What a company's sealed secret is bound to (another company's row never opens as its own)."""
    return b"webhook-secret:" + company_id.bytes


async def signing_secrets(session: AsyncSession, box: SecretBox, company_id: CompanyId) -> list[str]:
    """The secrets a delivery is signed with now: the current one (made on first need), then the one
    it replaced while that is still honoured."""
    row = await repo.secret_of(session, company_id)
    if row is None:
        return [await replace_secret(session, box, company_id, None)]
    found = [box.open(row.sealed, secret_context(company_id))]
    if row.previous_sealed is not None and row.previous_until is not None and row.previous_until > utcnow():
        found.append(box.open(row.previous_sealed, secret_context(company_id)))
    return found


async def replace_secret(
    session: AsyncSession, box: SecretBox, company_id: CompanyId, previous_until: datetime | None
) -> str:
    """Make a new current secret; the old one (if any) stays honoured until ``previous_until``."""
    row = await repo.secret_of(session, company_id)
    secret = new_secret()
    previous = row.sealed if row is not None and previous_until is not None else None
    sealed = box.seal(secret, secret_context(company_id))
    await repo.save_secret(session, company_id, sealed, previous, previous_until if previous else None)
    return secret


async def has_secret(session: AsyncSession, company_id: CompanyId) -> bool:
    return await repo.secret_of(session, company_id) is not None
