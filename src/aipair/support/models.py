"""Tables of support access: grants and the support actions log."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import INET, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from aipair.db.base import Base, IdMixin, TimestampMixin


class GrantScope(enum.StrEnum):
    READ = "read"
    WRITE = "write"


class GrantStatus(enum.StrEnum):
    """Stored states; ``expired`` is also reported for any grant whose ``expires_at`` has passed."""

    REQUESTED = "requested"
    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"


class SupportGrant(IdMixin, TimestampMixin, Base):
    __tablename__ = "support_grants"
    __table_args__ = (
        Index("ix_support_grants_company_staff", "company_id", "staff_user_id", "expires_at"),
        Index("ix_support_grants_staff", "staff_user_id", "created_at"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    staff_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    ticket_ref: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SupportAction(Base):
    """One request of platform staff inside a company (the runbook's ``support_actions_log``)."""

    __tablename__ = "support_actions_log"
    __table_args__ = (
        Index("ix_support_actions_log_created", "created_at"),
        Index("ix_support_actions_log_company_created", "target_company_id", "created_at"),
        Index("ix_support_actions_log_user_created", "support_user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    support_user_id: Mapped[uuid.UUID] = mapped_column()
    target_company_id: Mapped[uuid.UUID] = mapped_column()
    action_type: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"))
    ip_address: Mapped[str | None] = mapped_column(INET)
    user_agent: Mapped[str | None] = mapped_column(String(500))
    request_id: Mapped[str | None] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(SmallInteger)
