"""Every SQL statement of the webhooks domain. Flushes, never commits."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from aipair.auth.principal import CompanyId
from aipair.kit.clock import utcnow
from aipair.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSecret


async def secret_of(session: AsyncSession, company_id: CompanyId) -> WebhookSecret | None:
    result = await session.execute(select(WebhookSecret).where(WebhookSecret.company_id == company_id))
    return result.scalar_one_or_none()


async def save_secret(
    session: AsyncSession,
    company_id: CompanyId,
    sealed: bytes,
    previous: bytes | None,
    previous_until: datetime | None,
) -> None:
    """Insert or replace the company's secret (and the one still honoured after a rotation)."""
    values = {"sealed": sealed, "previous_sealed": previous, "previous_until": previous_until}
    statement = insert(WebhookSecret).values(company_id=company_id, **values)
    statement = statement.on_conflict_do_update(
        index_elements=[WebhookSecret.company_id], set_={**values, "updated_at": utcnow()}
    )
    await session.execute(statement)


async def add_delivery(session: AsyncSession, delivery: WebhookDelivery) -> WebhookDelivery | None:
    """Insert a delivery unless the company already has one for its event key (None then)."""
    statement = (
        insert(WebhookDelivery)
        .values(
            id=delivery.id,
            company_id=delivery.company_id,
            event_type=delivery.event_type,
            event_key=delivery.event_key,
            message_id=delivery.message_id,
            url=delivery.url,
            payload=delivery.payload,
        )
        .on_conflict_do_nothing(constraint="uq_webhook_deliveries_event")
        .returning(WebhookDelivery.id)
    )
    inserted = (await session.execute(statement)).scalar_one_or_none()
    return delivery if inserted is not None else None


async def get_delivery(
    session: AsyncSession, company_id: CompanyId, delivery_id: uuid.UUID, *, lock: bool = False
) -> WebhookDelivery | None:
    query = select(WebhookDelivery).where(
        WebhookDelivery.company_id == company_id, WebhookDelivery.id == delivery_id
    )
    result = await session.execute(query.with_for_update() if lock else query)
    return result.scalar_one_or_none()


async def record_attempt(
    session: AsyncSession,
    delivery: WebhookDelivery,
    status_code: int | None,
    outcome: str,
    duration_ms: int,
    final_status: str | None,
) -> None:
    """Log one attempt and move the delivery on (``final_status`` None: it stays pending)."""
    attempt = delivery.attempts + 1
    session.add(
        WebhookAttempt(
            company_id=delivery.company_id,
            delivery_id=delivery.id,
            attempt=attempt,
            status_code=status_code,
            outcome=outcome,
            duration_ms=duration_ms,
        )
    )
    changes: dict[str, Any] = {"attempts": attempt, "last_status_code": status_code, "last_outcome": outcome}
    if final_status is not None:
        changes.update(status=final_status, finished_at=utcnow())
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.company_id == delivery.company_id, WebhookDelivery.id == delivery.id)
        .values(**changes)
    )
    await session.flush()


async def give_up(session: AsyncSession, company_id: CompanyId, delivery_id: uuid.UUID) -> None:
    """Mark a delivery that is still pending as failed (its retries are used up or it was cancelled)."""
    await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.company_id == company_id,
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == "pending",
        )
        .values(status="failed", finished_at=utcnow())
    )


async def list_deliveries(
    session: AsyncSession, company_id: CompanyId, limit: int, offset: int
) -> list[WebhookDelivery]:
    result = await session.execute(
        select(WebhookDelivery)
        .where(WebhookDelivery.company_id == company_id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id)
        .limit(limit)
        .offset(offset)
    )
    return list(result.scalars())


async def attempts_of(
    session: AsyncSession, company_id: CompanyId, delivery_ids: list[uuid.UUID]
) -> list[WebhookAttempt]:
    if not delivery_ids:
        return []
    result = await session.execute(
        select(WebhookAttempt)
        .where(WebhookAttempt.company_id == company_id, WebhookAttempt.delivery_id.in_(delivery_ids))
        .order_by(WebhookAttempt.delivery_id, WebhookAttempt.attempt)
    )
    return list(result.scalars())
