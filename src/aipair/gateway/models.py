"""Tables of the gateway: model prices, and a company's own AI settings (its provider keys, alias
overrides and model allow-list).

The gateway reads the company settings through :class:`~aipair.gateway.company_routes.CompanyRoutes`
(cached), never per request.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from aipair.db.base import Base, IdMixin, TimestampMixin


class ModelPrice(Base):
    """The price of one provider model from ``effective_from`` on, in USD per million units (tokens,
    or audio seconds when ``unit`` says so)."""

    __tablename__ = "model_prices"
    __table_args__ = (
        UniqueConstraint("provider", "model", "effective_from", name="uq_model_prices_provider_model_from"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    provider: Mapped[str] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(String(128))
    input_per_million_usd: Mapped[Decimal] = mapped_column(Numeric(14, 6))
    output_per_million_usd: Mapped[Decimal] = mapped_column(Numeric(14, 6))
    unit: Mapped[str] = mapped_column(String(16), server_default="token")
    effective_from: Mapped[date] = mapped_column(Date)
    max_output_tokens: Mapped[int | None] = mapped_column(
        Integer, CheckConstraint("max_output_tokens > 0", name="max_output_tokens")
    )
    """The most completion tokens the model can produce (None: as the model's earlier rows say)."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CompanyProviderKey(IdMixin, TimestampMixin, Base):
    """A company's own API key for one configured provider, sealed (AES-GCM, bound to company and
    provider); only ``key_hint`` (the last four characters) is ever shown."""

    __tablename__ = "company_provider_keys"
    __table_args__ = (UniqueConstraint("company_id", "provider", name="uq_company_provider_keys_provider"),)

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(64))
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)
    key_hint: Mapped[str] = mapped_column(String(8))
    updated_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CompanyModelAlias(IdMixin, TimestampMixin, Base):
    """A public model name routed, for this company only, to its own ordered targets."""

    __tablename__ = "company_model_aliases"
    __table_args__ = (UniqueConstraint("company_id", "alias", name="uq_company_model_aliases_alias"),)

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(String(128))
    targets: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CompanyModelAccess(IdMixin, TimestampMixin, Base):
    """The public models a company may use (no row: every model the platform offers)."""

    __tablename__ = "company_model_access"

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), unique=True)
    allowed_models: Mapped[list[str]] = mapped_column(ARRAY(String(128)))
    updated_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class GatewayIdempotencyKey(Base):
    """A client's ``Idempotency-Key``: the call it first came with, and that call's answer once known
    (``status_code`` NULL while it runs)."""

    __tablename__ = "gateway_idempotency_keys"
    __table_args__ = (Index("ix_gateway_idempotency_keys_expires_at", "expires_at"),)

    company_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    idempotency_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[bytes] = mapped_column(LargeBinary)
    status_code: Mapped[int | None] = mapped_column(SmallInteger)
    response: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
