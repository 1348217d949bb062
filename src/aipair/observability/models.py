"""The one table of observability: when each user and API key was last seen (the active-users gauge)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from aipair.db.base import Base


class PrincipalActivity(Base):
    """A user or API key and the last time any process saw it act (written through ``record_activity``;
    rows older than a day are removed). Holds no tenant data, and the application role cannot read it."""

    __tablename__ = "principal_activity"
    __table_args__ = (
        CheckConstraint("kind IN ('user', 'key')", name="kind"),
        Index("ix_principal_activity_last_seen_at", "last_seen_at"),
    )

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    principal_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
