"""Invitations: how a person joins a company, always with that person's own consent.

Accounts are shared across companies, and an invitation's token is shown to whoever invited. So a token
is never taken as proof of owning the invited address:

- adding a person creates an ``INVITED`` membership and an invitation; nothing in the answer tells
  whether the address already has an account, nor whose it is;
- an address without an account is claimed by accepting with a new password
  (:meth:`InvitationService.accept_new_account`);
- an existing account joins only when its owner presents the token signed in
  (:meth:`InvitationService.join`); an invitation never sets an existing account's password;
- invitations expire, can be revoked, and each one activates only its own company's membership.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from aipair.audit.service import Actor, AuditService
from aipair.audit.snapshots import snapshot
from aipair.auth.models import User
from aipair.auth.passwords import Passwords
from aipair.auth.principal import ClientInfo, CompanyId, Principal, readable
from aipair.auth.service import AuthService
from aipair.auth.tokens import digest, new_opaque_token
from aipair.db.engine import set_tenant
from aipair.kit.clock import utcnow
from aipair.tenancy import repository as repo
from aipair.tenancy.errors import (
    AlreadyMember,
    InvitationInvalid,
    InvitationNotFound,
    SignInToAccept,
    UserLimitReached,
)
from aipair.tenancy.members import check_role_change
from aipair.tenancy.models import Invitation, Membership, MembershipStatus, Role
from aipair.tenancy.schemas import MemberAdd, MemberProvision

INVITATION_DAYS = 7


@dataclass(frozen=True)
class Added:
    """A membership just created or renewed, and its invitation's token (shown once), if any."""

    membership: Membership
    user: User
    token: str | None
    invitation: Invitation | None


class InvitationService:
    """Invite, accept, join and revoke."""

    def __init__(self, passwords: Passwords, audit: AuditService):
        self._passwords = passwords
        self._audit = audit

    async def invite(
        self, session: AsyncSession, company_id: CompanyId, inviter: uuid.UUID | None, data: MemberAdd
    ) -> Added:
        """An ``INVITED`` membership for ``data.email`` with a fresh invitation; inviting again renews
        it (new role, new token, the previous one revoked). The session is in ``company_id``'s context."""
        user = await AuthService.user_by_email(session, data.email)
        membership = await repo.membership_of_user(session, company_id, user.id) if user else None
        if membership is not None and membership.status != MembershipStatus.INVITED:
            raise AlreadyMember()
        if membership is None:
            await self._check_room(session, company_id, with_invited=True)
            user = user or await self._new_account(session, data.email)
            membership = await self._join(session, company_id, user, data.role, MembershipStatus.INVITED)
        else:
            membership.role = data.role
            await repo.revoke_pending_invitations(session, membership.id)
        assert user is not None
        invitation, token = await self._issue(session, membership, inviter, data)
        return Added(membership, user, token, invitation)

    async def provision(self, session: AsyncSession, company_id: CompanyId, data: MemberProvision) -> Added:
        """The operator's provisioning: an address without an account, given a password, gets an active
        account at once; any other address is invited like :meth:`invite` does."""
        if data.password is None or await AuthService.user_by_email(session, data.email) is not None:
            return await self.invite(session, company_id, None, data)
        self._passwords.check_policy(data.password, data.email)
        await self._check_room(session, company_id)
        user = await self._new_account(session, data.email, data.name, data.password)
        membership = await self._join(session, company_id, user, data.role, MembershipStatus.ACTIVE)
        return Added(membership, user, None, None)

    async def accept_new_account(
        self, session: AsyncSession, token: str, name: str, password: str, origin: ClientInfo | None
    ) -> User:
        """Claim an address that has no account yet: set its password and join the company.
        Audited as ``tenancy.invitation.accept`` by the new account."""
        invitation, membership = await self._open(session, token)
        user = await repo.user_of(session, membership.user_id)
        if user is None or user.status != "ACTIVE":
            raise InvitationInvalid()
        if user.password_hash is not None:
            raise SignInToAccept()
        self._passwords.check_policy(password, invitation.email)
        await set_tenant(session, invitation.company_id, user.id)  # an account changes only itself
        user.password_hash = await self._passwords.hash(password)
        user.name = name or invitation.name or user.name
        await self._activate(session, invitation, membership, user.id, origin)
        return user

    async def join(
        self, session: AsyncSession, token: str, user_id: uuid.UUID, origin: ClientInfo | None
    ) -> Membership:
        """The signed-in owner of the invited account joins the company. Someone else's token is not
        found. Audited as ``tenancy.invitation.accept``."""
        invitation, membership = await self._open(session, token)
        if membership.user_id != user_id:
            raise InvitationInvalid()
        await set_tenant(session, invitation.company_id, user_id)
        await self._activate(session, invitation, membership, user_id, origin)
        return membership

    async def pending(
        self, session: AsyncSession, actor: Principal, limit: int, offset: int
    ) -> list[Invitation]:
        """The company's invitations not yet accepted nor revoked, newest first (ADMIN or OWNER)."""
        actor.require(Role.ADMIN)
        return await repo.pending_invitations(session, actor.company_id, limit, offset)

    async def revoke(self, session: AsyncSession, actor: Principal, invitation_id: uuid.UUID) -> Invitation:
        """Withdraw a pending invitation; the membership waiting for it goes away.
        Audited as ``tenancy.invitation.revoke``."""
        invitation = await repo.get_invitation(session, actor.company_id, invitation_id)
        if invitation is None or invitation.accepted_at is not None or invitation.revoked_at is not None:
            raise InvitationNotFound()
        actor.require(Role.ADMIN)
        check_role_change(actor, Role(invitation.role), None)
        before = snapshot(invitation)
        invitation.revoked_at = utcnow()
        membership = await repo.get_membership(session, actor.company_id, invitation.membership_id)
        if membership is not None and membership.status == MembershipStatus.INVITED:
            await repo.delete(session, membership)
        await session.flush()
        await self._audit.record(
            session,
            actor,
            "tenancy.invitation.revoke",
            "invitation",
            invitation.id,
            before=before,
            after=snapshot(invitation),
        )
        return invitation

    async def _open(self, session: AsyncSession, token: str) -> tuple[Invitation, Membership]:
        invitation = await repo.invitation_by_hash(session, digest(token))
        if (
            invitation is None
            or invitation.accepted_at is not None
            or invitation.revoked_at is not None
            or invitation.expires_at <= utcnow()
        ):
            raise InvitationInvalid()
        await set_tenant(session, invitation.company_id)
        company_id = readable(invitation.company_id)
        membership = await repo.get_membership(session, company_id, invitation.membership_id)
        if membership is None or membership.status != MembershipStatus.INVITED:
            raise InvitationInvalid()
        return invitation, membership

    async def _activate(
        self,
        session: AsyncSession,
        invitation: Invitation,
        membership: Membership,
        user_id: uuid.UUID,
        origin: ClientInfo | None,
    ) -> None:
        await self._check_room(session, readable(invitation.company_id))
        before = snapshot(invitation)
        membership.status = MembershipStatus.ACTIVE
        invitation.accepted_at = utcnow()
        await session.flush()
        actor = Actor.user(user_id, invitation.company_id, membership.role, origin)
        await self._audit.record(
            session,
            actor,
            "tenancy.invitation.accept",
            "invitation",
            invitation.id,
            before=before,
            after=snapshot(invitation),
        )

    async def _issue(
        self, session: AsyncSession, membership: Membership, inviter: uuid.UUID | None, data: MemberAdd
    ) -> tuple[Invitation, str]:
        token = new_opaque_token()
        invitation = Invitation(
            id=uuid.uuid4(),
            company_id=membership.company_id,
            membership_id=membership.id,
            email=data.email.strip().lower(),
            name=data.name,
            role=data.role,
            token_hash=digest(token),
            invited_by=inviter,
            expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
        )
        await repo.add(session, invitation)
        return invitation, token

    @staticmethod
    async def _join(
        session: AsyncSession, company_id: CompanyId, user: User, role: str, status: MembershipStatus
    ) -> Membership:
        membership = Membership(
            id=uuid.uuid4(), company_id=company_id, user_id=user.id, role=role, status=status
        )
        await repo.add(session, membership)
        return membership

    async def _new_account(
        self, session: AsyncSession, email: str, name: str = "", password: str | None = None
    ) -> User:
        """An account for an address that has none; without a password nobody can sign in to it until
        the address is claimed through an invitation."""
        user = User(
            id=uuid.uuid4(),
            email=email.strip().lower(),
            name=name,
            password_hash=await self._passwords.hash(password) if password is not None else None,
            status="ACTIVE",
        )
        await repo.add(session, user)
        return user

    @staticmethod
    async def _check_room(
        session: AsyncSession, company_id: CompanyId, *, with_invited: bool = False
    ) -> None:
        limits = await repo.effective_limits(session, company_id)
        members = await repo.count_active(session, company_id, with_invited=with_invited)
        if limits and limits["max_users"] is not None and members >= limits["max_users"]:
            raise UserLimitReached(limit=limits["max_users"])
