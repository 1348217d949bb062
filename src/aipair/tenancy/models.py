"""Tables of the tenancy domain: plans, companies, memberships, limit overrides, invitations."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime, time

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from aipair.db.base import Base, IdMixin, TimestampMixin


class CompanyStatus(enum.StrEnum):
    TRIAL = "TRIAL"
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    CANCELLED = "CANCELLED"


class Role(enum.StrEnum):
    """Membership roles; the platform roles exist only in the platform company."""

    SUPER_ADMIN = "SUPER_ADMIN"
    SUPPORT = "SUPPORT"
    OWNER = "OWNER"
    ADMIN = "ADMIN"
    MANAGER = "MANAGER"
    EMPLOYEE = "EMPLOYEE"


CUSTOMER_ROLES = (Role.OWNER, Role.ADMIN, Role.MANAGER, Role.EMPLOYEE)
PLATFORM_ROLES = (Role.SUPER_ADMIN, Role.SUPPORT)
ROLE_RANK = {
    Role.EMPLOYEE: 1,
    Role.MANAGER: 2,
    Role.ADMIN: 3,
    Role.OWNER: 4,
    Role.SUPPORT: 5,
    Role.SUPER_ADMIN: 6,
}


class MembershipStatus(enum.StrEnum):
    INVITED = "INVITED"
    ACTIVE = "ACTIVE"
    DEACTIVATED = "DEACTIVATED"


class LimitName(enum.StrEnum):
    """The limits a plan, a company or an override can set."""

    MAX_USERS = "max_users"
    AI_REQUESTS_PER_MONTH = "ai_requests_per_month"
    STORAGE_MB = "storage_mb"
    REQUESTS_PER_MINUTE = "requests_per_minute"
    AI_REQUESTS_PER_HOUR = "ai_requests_per_hour"


class Plan(TimestampMixin, Base):
    __tablename__ = "plans"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    price_usd_cents: Mapped[int | None] = mapped_column(Integer)
    max_users: Mapped[int | None] = mapped_column(Integer)
    ai_requests_per_month: Mapped[int | None] = mapped_column(Integer)
    storage_mb: Mapped[int | None] = mapped_column(Integer)
    requests_per_minute: Mapped[int] = mapped_column(Integer, server_default="100")
    ai_requests_per_hour: Mapped[int] = mapped_column(Integer, server_default="1000")


class Company(IdMixin, TimestampMixin, Base):
    __tablename__ = "companies"
    __table_args__ = (
        CheckConstraint("status IN ('TRIAL','ACTIVE','SUSPENDED','CANCELLED')", name="status"),
        CheckConstraint("slug ~ '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$'", name="slug"),
        Index(
            "uq_companies_single_platform", "is_platform", unique=True, postgresql_where=text("is_platform")
        ),
    )

    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=CompanyStatus.TRIAL)
    plan_code: Mapped[str] = mapped_column(ForeignKey("plans.code"), default="STARTER")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    is_platform: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    trial_ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    custom_max_users: Mapped[int | None] = mapped_column(Integer)
    custom_ai_requests_per_month: Mapped[int | None] = mapped_column(Integer)
    custom_storage_mb: Mapped[int | None] = mapped_column(Integer)
    custom_requests_per_minute: Mapped[int | None] = mapped_column(Integer)
    custom_ai_requests_per_hour: Mapped[int | None] = mapped_column(Integer)
    monthly_budget_micro_usd: Mapped[int | None] = mapped_column(BigInteger)
    budget_alert_thresholds: Mapped[list[int]] = mapped_column(
        ARRAY(SmallInteger), default=lambda: [50, 80, 100], server_default="{50,80,100}"
    )
    budget_webhook_url: Mapped[str | None] = mapped_column(String(2000))
    require_support_approval: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # Working hours in ``time_zone`` (ISO weekdays): a key used outside them raises an off-hours signal.
    work_start: Mapped[time] = mapped_column(Time, default=time(7), server_default="07:00")
    work_end: Mapped[time] = mapped_column(Time, default=time(20), server_default="20:00")
    work_days: Mapped[list[int]] = mapped_column(
        ARRAY(SmallInteger), default=lambda: [1, 2, 3, 4, 5], server_default="{1,2,3,4,5}"
    )


class Membership(IdMixin, TimestampMixin, Base):
    __tablename__ = "memberships"
    __table_args__ = (
        CheckConstraint(
            "role IN ('SUPER_ADMIN','SUPPORT','OWNER','ADMIN','MANAGER','EMPLOYEE')", name="role"
        ),
        CheckConstraint("status IN ('INVITED','ACTIVE','DEACTIVATED')", name="status"),
        UniqueConstraint("company_id", "user_id", name="uq_memberships_company_user"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=MembershipStatus.ACTIVE)


class LimitOverride(IdMixin, TimestampMixin, Base):
    __tablename__ = "limit_overrides"
    __table_args__ = (Index("ix_limit_overrides_company", "company_id", "limit_name"),)

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    limit_name: Mapped[str] = mapped_column(String(32))
    value: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    author_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Invitation(IdMixin, TimestampMixin, Base):
    """An offer to join a company, bound to the ``INVITED`` membership it activates when accepted."""

    __tablename__ = "invitations"
    __table_args__ = (Index("ix_invitations_company", "company_id"),)

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    membership_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("memberships.id", ondelete="SET NULL"), index=True
    )
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
