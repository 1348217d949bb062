"""Tables of usage accounting: one event per AI call, the period counters budgets and quotas are checked
against, the daily roll-ups reports read, and the budget alerts fired.

The gateway writes them through SQL functions (reserve, settle, expire) in batches; nothing here is
written by the ORM on the request's path. ``NO_KEY`` (the zero UUID) stands for "the company as a
whole" in the counters, roll-ups and alerts keyed by API key.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from aipair.db.base import Base

NO_KEY = uuid.UUID(int=0)
"""The ``api_key_id`` of company-wide rows."""
_NO_KEY_DEFAULT = text(f"'{NO_KEY}'::uuid")
_ZERO = text("0")


def _company_fk() -> ForeignKey:
    return ForeignKey("companies.id", ondelete="CASCADE")


class UsageEvent(Base):
    """One AI call: reserved before the provider is called, settled (or abandoned) after."""

    __tablename__ = "usage_events"
    __table_args__ = (
        CheckConstraint("status IN ('reserved','succeeded','failed','abandoned')", name="status"),
        Index("ix_usage_events_reserved", "created_at", postgresql_where=text("status = 'reserved'")),
        Index("ix_usage_events_created_brin", "created_at", postgresql_using="brin"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(_company_fk(), primary_key=True)
    period: Mapped[date] = mapped_column(Date, primary_key=True)
    request_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column()
    api_key_id: Mapped[uuid.UUID | None] = mapped_column()
    operation: Mapped[str] = mapped_column(String(32))
    public_model: Mapped[str] = mapped_column(String(128))
    provider: Mapped[str | None] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(128))
    input_tokens: Mapped[int] = mapped_column(Integer, server_default=_ZERO)
    output_tokens: Mapped[int] = mapped_column(Integer, server_default=_ZERO)
    reserved_micro_usd: Mapped[int] = mapped_column(BigInteger, server_default=_ZERO)
    cost_micro_usd: Mapped[int] = mapped_column(BigInteger, server_default=_ZERO)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UsageCounter(Base):
    """A company's (``api_key_id = NO_KEY``) or one key's requests, reservations and spend in a period."""

    __tablename__ = "usage_counters"

    company_id: Mapped[uuid.UUID] = mapped_column(_company_fk(), primary_key=True)
    period: Mapped[date] = mapped_column(Date, primary_key=True)
    api_key_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=_NO_KEY_DEFAULT)
    requests: Mapped[int] = mapped_column(Integer, server_default=_ZERO)
    reserved_micro_usd: Mapped[int] = mapped_column(BigInteger, server_default=_ZERO)
    cost_micro_usd: Mapped[int] = mapped_column(BigInteger, server_default=_ZERO)
    input_tokens: Mapped[int] = mapped_column(BigInteger, server_default=_ZERO)
    output_tokens: Mapped[int] = mapped_column(BigInteger, server_default=_ZERO)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class UsageDaily(Base):
    """Settled calls per company, day, model (as asked for and as served), provider and key: what usage
    reports read."""

    __tablename__ = "usage_daily"

    company_id: Mapped[uuid.UUID] = mapped_column(_company_fk(), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    public_model: Mapped[str] = mapped_column(String(128), primary_key=True)
    """The model as the caller named it (an alias such as ``local``)."""
    model: Mapped[str] = mapped_column(String(128), primary_key=True)
    """The provider's model that served the calls (the name asked for when none did)."""
    provider: Mapped[str] = mapped_column(String(64), primary_key=True)
    api_key_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=_NO_KEY_DEFAULT)
    requests: Mapped[int] = mapped_column(Integer, server_default=_ZERO)
    errors: Mapped[int] = mapped_column(Integer, server_default=_ZERO)
    input_tokens: Mapped[int] = mapped_column(BigInteger, server_default=_ZERO)
    output_tokens: Mapped[int] = mapped_column(BigInteger, server_default=_ZERO)
    cost_micro_usd: Mapped[int] = mapped_column(BigInteger, server_default=_ZERO)


class BudgetAlert(Base):
    """A budget threshold crossed, once per company (or key), period and threshold."""

    __tablename__ = "budget_alerts"

    company_id: Mapped[uuid.UUID] = mapped_column(_company_fk(), primary_key=True)
    period: Mapped[date] = mapped_column(Date, primary_key=True)
    api_key_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=_NO_KEY_DEFAULT)
    threshold_percent: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    spent_micro_usd: Mapped[int] = mapped_column(BigInteger)
    budget_micro_usd: Mapped[int] = mapped_column(BigInteger)
    fired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    webhook_status: Mapped[str | None] = mapped_column(String(32))
