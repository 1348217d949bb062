"""Who may manage whom, and the member operations that follow the rule.

OWNER > ADMIN > MANAGER > EMPLOYEE: ADMINs manage roles below their own; OWNERs manage every
customer role. Platform roles exist only in the platform company and only a SUPER_ADMIN grants them.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from aipair.audit.service import AuditService
from aipair.audit.snapshots import snapshot
from aipair.auth.errors import AccountShared
from aipair.auth.models import User
from aipair.auth.password_service import IssuedReset, PasswordService
from aipair.auth.principal import Principal
from aipair.auth.service import AuthService
from aipair.tenancy import repository as repo
from aipair.tenancy.errors import LastOwner, MemberNotActive, MemberNotFound, RoleNotAllowed
from aipair.tenancy.models import CUSTOMER_ROLES, PLATFORM_ROLES, Membership, MembershipStatus, Role


def _may_manage(actor: Principal, role: Role) -> bool:
    if actor.is_platform_company:
        return actor.role == Role.SUPER_ADMIN and role in PLATFORM_ROLES
    if role not in CUSTOMER_ROLES:
        return False
    if actor.role == Role.OWNER:
        return True
    return actor.role == Role.ADMIN and actor.outranks(role)


def check_role_change(actor: Principal, current: Role | None, new: Role | None) -> None:
    """Raise :class:`RoleNotAllowed` unless ``actor`` may move a member from ``current`` to ``new``."""
    for role in (current, new):
        if role is not None and not _may_manage(actor, role):
            raise RoleNotAllowed()


AUDITED = ("id", "user_id", "role", "status")


class MemberService:
    """List, re-role, deactivate and unlock members of the caller's company; reset their passwords."""

    def __init__(self, audit: AuditService, auth: AuthService, passwords: PasswordService):
        self._audit = audit
        self._auth = auth
        self._passwords = passwords

    async def list(
        self, session: AsyncSession, actor: Principal, limit: int, offset: int
    ) -> list[tuple[Membership, User]]:
        """The company's members, oldest first."""
        return await repo.list_members(session, actor.company_id, limit, offset)

    async def get(
        self, session: AsyncSession, actor: Principal, membership_id: uuid.UUID
    ) -> tuple[Membership, User]:
        """One member; another company's id is not found."""
        found = await repo.get_member(session, actor.company_id, membership_id)
        if found is None:
            raise MemberNotFound()
        return found

    async def change_role(
        self, session: AsyncSession, actor: Principal, membership_id: uuid.UUID, role: Role
    ) -> tuple[Membership, User]:
        """Change a member's role; the company keeps at least one active OWNER. Audited as
        ``tenancy.member.update``."""
        membership, user = await self.get(session, actor, membership_id)
        actor.require(Role.ADMIN)
        self._not_self(actor, membership)
        check_role_change(actor, Role(membership.role), role)
        await self._keep_an_owner(session, actor, membership, role)
        before = snapshot(membership, AUDITED)
        membership.role = role
        await session.flush()
        await self._record(session, actor, "tenancy.member.update", membership, before)
        return membership, user

    async def deactivate(
        self, session: AsyncSession, actor: Principal, membership_id: uuid.UUID
    ) -> tuple[Membership, User]:
        """Deactivate a member: their tokens stop working at the next request; a pending invitation is
        revoked. Audited as ``tenancy.member.deactivate``."""
        membership, user = await self.get(session, actor, membership_id)
        actor.require(Role.ADMIN)
        self._not_self(actor, membership)
        check_role_change(actor, Role(membership.role), None)
        await self._keep_an_owner(session, actor, membership, None)
        before = snapshot(membership, AUDITED)
        if membership.status == MembershipStatus.INVITED:
            await repo.revoke_pending_invitations(session, membership.id)
        membership.status = MembershipStatus.DEACTIVATED
        await session.flush()
        await self._record(session, actor, "tenancy.member.deactivate", membership, before)
        return membership, user

    async def unlock(
        self, session: AsyncSession, actor: Principal, membership_id: uuid.UUID, reason: str
    ) -> int:
        """Lift a member's sign-in lock (roles below the caller's). An account other companies share is
        the platform operator's to unlock (:class:`AccountShared`). Audited as ``auth.lock.lift``."""
        user = await self._account_in_charge(session, actor, membership_id)
        return len(await self._auth.lift_lock(session, actor, user.email, reason))

    async def issue_password_reset(
        self, session: AsyncSession, actor: Principal, membership_id: uuid.UUID
    ) -> IssuedReset:
        """Issue a one-time password reset code for an active member (roles below the caller's); an
        account other companies share is the platform operator's (:class:`AccountShared`). E-mailed to
        the member when SMTP is configured, else returned once. Audited as ``auth.password_reset.issue``."""
        user = await self._account_in_charge(session, actor, membership_id)
        return await self._passwords.issue_reset(session, actor, user, actor.company_id)

    async def _account_in_charge(
        self, session: AsyncSession, actor: Principal, membership_id: uuid.UUID
    ) -> User:
        """The account of a member whose sign-in ``actor`` may look after: an active member of a role
        below the caller's, in no other company."""
        membership, user = await self.get(session, actor, membership_id)
        actor.require(Role.ADMIN)
        check_role_change(actor, Role(membership.role), None)
        if membership.status != MembershipStatus.ACTIVE:
            raise MemberNotActive()
        if await self._auth.shared_account(user.id, actor.company_id):
            raise AccountShared()
        return user

    async def _record(
        self,
        session: AsyncSession,
        actor: Principal,
        action: str,
        membership: Membership,
        before: dict[str, Any] | None,
    ) -> None:
        after = snapshot(membership, AUDITED)
        await self._audit.record(
            session, actor, action, "membership", membership.id, before=before, after=after
        )

    @staticmethod
    def _not_self(actor: Principal, membership: Membership) -> None:
        if membership.user_id == actor.user_id:
            raise RoleNotAllowed("You cannot change your own membership")

    @staticmethod
    async def _keep_an_owner(
        session: AsyncSession, actor: Principal, membership: Membership, new_role: Role | None
    ) -> None:
        if membership.role != Role.OWNER or new_role == Role.OWNER or membership.status != "ACTIVE":
            return
        if await repo.count_active(session, actor.company_id, Role.OWNER) <= 1:
            raise LastOwner()
