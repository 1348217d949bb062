"""Tables of outgoing webhooks: each company's signing secret (sealed), the deliveries and their attempts.

Tenant tables (``company_id`` first, row-level security). The delivery log keeps status codes and short
outcome codes, never what a receiver answered.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from aipair.db.base import Base, IdMixin, TimestampMixin

DELIVERY_STATUSES = ("pending", "delivered", "failed")


def _company_fk() -> ForeignKey:
    return ForeignKey("companies.id", ondelete="CASCADE")


class WebhookSecret(TimestampMixin, Base):
    """A company's signing secret, sealed with the secrets key; the previous one is honoured (signed with
    too) until ``previous_until`` after a rotation."""

    __tablename__ = "webhook_secrets"

    company_id: Mapped[uuid.UUID] = mapped_column(_company_fk(), primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    previous_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    previous_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookDelivery(IdMixin, TimestampMixin, Base):
    """One event for one company's endpoint: delivered once, retried with backoff until it is."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint("status IN ('pending','delivered','failed')", name="status"),
        UniqueConstraint("company_id", "event_key", name="uq_webhook_deliveries_event"),
        Index("ix_webhook_deliveries_company_created", "company_id", "created_at"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(_company_fk())
    event_type: Mapped[str] = mapped_column(String(64))
    event_key: Mapped[str] = mapped_column(String(200))
    """What makes the event unique for the company (one delivery per budget threshold and period)."""
    message_id: Mapped[str] = mapped_column(String(64))
    """The ``webhook-id`` header: the same on every attempt, so receivers can drop duplicates."""
    url: Mapped[str] = mapped_column(String(2000))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(16), server_default=text("'pending'"))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    last_status_code: Mapped[int | None] = mapped_column(SmallInteger)
    last_outcome: Mapped[str | None] = mapped_column(String(32))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookAttempt(Base):
    """One attempt of a delivery: when, the HTTP status (None without an answer) and the outcome code."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery", "company_id", "delivery_id", "attempt"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    company_id: Mapped[uuid.UUID] = mapped_column(_company_fk())
    delivery_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"))
    attempt: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(SmallInteger)
    outcome: Mapped[str] = mapped_column(String(32))
    duration_ms: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
