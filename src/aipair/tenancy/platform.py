"""The platform company and its first SUPER_ADMIN (``aipair init``), and operator provisioning."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from aipair.audit.models import ActorType
from aipair.audit.service import Actor, AuditService
from aipair.audit.snapshots import snapshot
from aipair.auth.models import User
from aipair.auth.passwords import Passwords
from aipair.auth.service import AuthService
from aipair.config import PlatformSettings
from aipair.db.engine import set_tenant
from aipair.tenancy import repository as repo
from aipair.tenancy.errors import PlatformNotReady
from aipair.tenancy.models import Company, CompanyStatus, Membership, Role


@dataclass(frozen=True)
class PlatformInit:
    """What ``initialise`` found or created; ``generated_password`` is shown once."""

    company: Company
    admin: User
    created_company: bool
    created_admin: bool
    generated_password: str | None


def generate_password() -> str:
    """A random password that satisfies the password policy."""
    return secrets.token_urlsafe(18) + "-A7z"


class PlatformService:
    """Idempotent set-up of the platform company."""

    def __init__(self, passwords: Passwords, audit: AuditService):
        self._passwords = passwords
        self._audit = audit

    async def initialise(self, session: AsyncSession, config: PlatformSettings) -> PlatformInit:
        """Create the platform company and a SUPER_ADMIN unless they exist (session: SUPER_ADMIN context).
        What it creates is audited (``tenancy.company.create``, ``tenancy.member.create``) by the system."""
        company = await repo.platform_company(session)
        created_company = company is None
        if company is None:
            company = Company(
                id=uuid.uuid4(),
                name=config.company_name,
                slug=config.company_slug,
                status=CompanyStatus.ACTIVE,
                plan_code="CUSTOM",
                time_zone="UTC",
                is_platform=True,
            )
            await repo.add(session, company)
        await set_tenant(session, company.id)
        admin = await AuthService.user_by_email(session, config.admin_email)
        generated: str | None = None
        created_admin = admin is None
        if admin is None:
            password = config.admin_password.get_secret_value() if config.admin_password else None
            if password is None:
                password = generated = generate_password()
            self._passwords.check_policy(password, config.admin_email)
            admin = User(
                id=uuid.uuid4(),
                email=config.admin_email.lower(),
                name="Platform administrator",
                password_hash=await self._passwords.hash(password),
                status="ACTIVE",
            )
            await repo.add(session, admin)
        system = Actor(ActorType.SYSTEM, company.id)
        if created_company:
            await self._audit.record(
                session, system, "tenancy.company.create", "company", company.id, after=snapshot(company)
            )
        if await repo.membership_of_user(session, company.id, admin.id) is None:  # type: ignore[arg-type]
            membership = Membership(
                id=uuid.uuid4(),
                company_id=company.id,
                user_id=admin.id,
                role=Role.SUPER_ADMIN,
                status="ACTIVE",
            )
            await repo.add(session, membership)
            after = {**(snapshot(membership) or {}), "email": admin.email}
            await self._audit.record(
                session, system, "tenancy.member.create", "membership", membership.id, after=after
            )
        return PlatformInit(company, admin, created_company, created_admin, generated)


@dataclass(frozen=True)
class AdminPasswordReset:
    """The SUPER_ADMIN whose password was reset; ``generated_password`` is shown once."""

    admin: User
    generated_password: str | None


async def reset_admin_password(
    session: AsyncSession, config: PlatformSettings, auth: AuthService, audit: AuditService
) -> AdminPasswordReset:
    """Set the platform SUPER_ADMIN's password to ``AIPAIR_PLATFORM__ADMIN_PASSWORD`` (or a generated one,
    shown once) and end their sessions: the way back from a lost admin password. Audited as
    ``auth.password.reset`` by the system."""
    company = await repo.platform_company(session)
    admin = await AuthService.user_by_email(session, config.admin_email)
    if company is None or admin is None:
        raise PlatformNotReady()
    await set_tenant(session, company.id, admin.id)
    generated = None if config.admin_password else generate_password()
    password = config.admin_password.get_secret_value() if config.admin_password else generated
    assert password is not None
    await auth.set_password_by_operator(session, company.id, admin, password)
    system = Actor(ActorType.SYSTEM, company.id)
    after = {"email": admin.email, "generated": generated is not None}
    await audit.record(session, system, "auth.password.reset", "user", admin.id, after=after)
    return AdminPasswordReset(admin, generated)
