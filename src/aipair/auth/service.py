"""Sign-in, tokens, API keys: the rules of authentication.

Login and refresh manage their own short transactions, because a failed attempt must be recorded
even though the request answers 401.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aipair.audit.service import Actor, AuditService
from aipair.audit.snapshots import json_safe
from aipair.auth import repository as repo
from aipair.auth.errors import (
    CompanyInactive,
    InvalidApiKey,
    InvalidCredentials,
    InvalidRefreshToken,
    InvalidToken,
    RoleRequired,
    SignInThrottled,
)
from aipair.auth.lockout import SignInGuard
from aipair.auth.models import User
from aipair.auth.passwords import Passwords
from aipair.auth.principal import ClientInfo, CompanyId, Principal
from aipair.auth.tokens import AccessClaims, AccessTokens, digest, new_opaque_token
from aipair.config import AuthSettings
from aipair.db.engine import DbContext, set_tenant, transaction
from aipair.kit.clock import utcnow
from aipair.observability.metrics import FAILED_LOGINS, LOCKED_LOGINS
from aipair.tenancy.models import Role

ACTIVE_STATUSES = ("TRIAL", "ACTIVE")


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int


class AuthService:
    """Authenticate people and keys; issue and rotate tokens."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        passwords: Passwords,
        tokens: AccessTokens,
        settings: AuthSettings,
        *,
        audit: AuditService,
    ):
        self._sessions = sessions
        self._audit = audit
        self.passwords = passwords
        self._tokens = tokens
        self._settings = settings
        self._guard = SignInGuard(settings)

    @staticmethod
    async def account(
        session: AsyncSession, principal: Principal
    ) -> tuple[User | None, list[repo.MembershipRow]]:
        """The caller's account (None for an API key) and its active memberships."""
        if principal.user_id is None:
            return None, []
        user = await repo.user_by_id(session, principal.user_id)
        return user, await repo.memberships_of(session, principal.user_id)

    @staticmethod
    async def user_by_email(session: AsyncSession, email: str) -> User | None:
        """The account with this e-mail (any case), read in the caller's transaction."""
        return await repo.user_by_email(session, email)

    async def login(
        self, email: str, password: str, company_slug: str | None, client: ClientInfo
    ) -> IssuedTokens:
        """Check the password and issue tokens for one company.

        Wrong password, unknown e-mail and a locked account all raise the same
        :class:`InvalidCredentials`; every such attempt is recorded in ``auth.failed_logins``. An address
        with too many recent failures is slowed (:class:`SignInThrottled`), never locked; see
        :mod:`aipair.auth.lockout`. A successful sign-in is audited as ``auth.session.create``.
        """
        email = email.strip().lower()
        async with transaction(self._sessions, DbContext()) as session:
            state = await self._guard.state(session, email, client.ip)
            user = await repo.user_by_email(session, email)
            password_hash = user.password_hash if user and user.status == "ACTIVE" else None
            user_id = user.id if user else None
        if state.wait_s > 0:
            raise SignInThrottled(retry_after=state.retry_after)
        matches = await self.passwords.verify(password_hash, password)
        if state.locked or not matches or user_id is None:
            async with transaction(self._sessions, DbContext()) as session:
                await self._guard.failed(session, email, user_id, client, state)
            FAILED_LOGINS.inc()
            if state.locked:
                LOCKED_LOGINS.inc()
            raise InvalidCredentials()
        return await self._start_session(user_id, company_slug, client)

    async def lift_lock(
        self, session: AsyncSession, actor: Principal | Actor, email: str, reason: str
    ) -> list[dict[str, Any]]:
        """Lift the sign-in lock of ``email`` (the caller checked who may); the failed sign-ins stay as
        evidence. Audited as ``auth.lock.lift`` when a lock was holding; the locks lifted."""
        email = email.strip().lower()
        by = actor.user_id
        lifted = await repo.lift_locks(session, email, by, reason)
        for lock in lifted:
            after = json_safe({**lock, "email": email, "reason": reason, "lifted": True})
            await self._audit.record(session, actor, "auth.lock.lift", "login_lock", lock["id"], after=after)
        return lifted

    async def set_password_by_operator(
        self, session: AsyncSession, company_id: uuid.UUID, user: User, password: str
    ) -> None:
        """The operator sets an account's password (policy checked); its sessions in ``company_id`` end."""
        self.passwords.check_policy(password, user.email)
        user.password_hash = await self.passwords.hash(password)
        await session.flush()
        await repo.revoke_sessions_of(session, company_id, user.id)

    async def operator_lifts_lock(
        self, session: AsyncSession, principal: Principal, email: str, reason: str
    ) -> list[dict[str, Any]]:
        """A SUPER_ADMIN of the platform lifts any account's sign-in lock (see :meth:`lift_lock`)."""
        if not principal.in_platform_context or principal.role != Role.SUPER_ADMIN:
            raise RoleRequired("Only a SUPER_ADMIN of the platform lifts sign-in locks")
        return await self.lift_lock(session, principal, email, reason)

    async def shared_account(self, user_id: uuid.UUID, company_id: uuid.UUID) -> bool:
        """True when the account is also a member of a company other than ``company_id``."""
        async with transaction(self._sessions, DbContext(user_id=user_id)) as session:
            return any(m.company_id != company_id for m in await repo.memberships_of(session, user_id))

    async def _start_session(
        self, user_id: uuid.UUID, company_slug: str | None, client: ClientInfo | None = None
    ) -> IssuedTokens:
        async with transaction(self._sessions, DbContext(user_id=user_id)) as session:
            memberships = await repo.memberships_of(session, user_id)
            chosen = [m for m in memberships if company_slug is None or m.company_slug == company_slug]
            if not chosen:
                raise InvalidCredentials()
            membership = chosen[0]
            if membership.company_status not in ACTIVE_STATUSES:
                raise CompanyInactive()
            await set_tenant(session, membership.company_id, user_id)
            await repo.touch_login(session, user_id)
            family_id = uuid.uuid4()
            issued = await self._issue(session, membership.company_id, user_id, family_id)
            actor = Actor.user(user_id, membership.company_id, membership.role, client)
            after = {"company_slug": membership.company_slug, "role": membership.role}
            await self._audit.record(session, actor, "auth.session.create", "session", family_id, after=after)
            return issued

    async def _issue(
        self, session: AsyncSession, company_id: uuid.UUID, user_id: uuid.UUID, family_id: uuid.UUID
    ) -> IssuedTokens:
        refresh = new_opaque_token()
        expires_at = utcnow() + timedelta(days=self._settings.refresh_token_days)
        await repo.add_refresh_token(session, company_id, user_id, family_id, digest(refresh), expires_at)
        access = self._tokens.issue(AccessClaims(user_id, company_id, family_id))
        return IssuedTokens(access, refresh, int(self._tokens.lifetime.total_seconds()))

    async def refresh(self, refresh_token: str) -> IssuedTokens:
        """Rotate a refresh token. Presenting a used one revokes its whole family (theft detection)."""
        async with transaction(self._sessions, DbContext()) as session:
            row = await repo.refresh_token_by_hash(session, digest(refresh_token))
            if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
                raise InvalidRefreshToken()
            await set_tenant(session, row.company_id, row.user_id)
            if row.used_at is not None or not await repo.mark_refresh_used(session, row.id):
                await repo.revoke_family(session, row.family_id)
                reused = True
            else:
                reused = False
                membership = await repo.membership_in(session, CompanyId(row.company_id), row.user_id)
                if membership is None or membership.company_status not in ACTIVE_STATUSES:
                    raise InvalidRefreshToken()
                issued = await self._issue(session, row.company_id, row.user_id, row.family_id)
        if reused:
            raise InvalidRefreshToken("Refresh token was already used; the session has been revoked")
        return issued

    async def logout(self, refresh_token: str, client: ClientInfo | None = None) -> None:
        """Revoke the session the refresh token belongs to (its access tokens stop working too).
        Audited as ``auth.session.revoke``; an unknown token changes nothing and is not audited."""
        async with transaction(self._sessions, DbContext()) as session:
            row = await repo.refresh_token_by_hash(session, digest(refresh_token))
            if row is None:
                return
            await self._revoke_session(session, row.user_id, row.company_id, row.family_id, client)

    async def end_session(self, claims: AccessClaims, client: ClientInfo | None = None) -> None:
        """Revoke the session of verified token claims (the console's sign-out). Audited as
        ``auth.session.revoke``."""
        async with transaction(self._sessions, DbContext()) as session:
            await self._revoke_session(session, claims.user_id, claims.company_id, claims.session_id, client)

    async def _revoke_session(
        self,
        session: AsyncSession,
        user_id: uuid.UUID,
        company_id: uuid.UUID,
        family_id: uuid.UUID,
        client: ClientInfo | None,
    ) -> None:
        await set_tenant(session, company_id, user_id)
        await repo.revoke_family(session, family_id)
        actor = Actor.user(user_id, company_id, None, client)
        await self._audit.record(
            session, actor, "auth.session.revoke", "session", family_id, after={"revoked": True}
        )

    async def start_session(
        self, user_id: uuid.UUID, company_slug: str, client: ClientInfo | None = None
    ) -> IssuedTokens:
        """A new session of an already authenticated person in another of their companies (the
        console's company switcher). Audited as ``auth.session.create``."""
        return await self._start_session(user_id, company_slug, client)

    async def principal_from_access_token(self, token: str) -> Principal:
        """The principal of a bearer access token, checked against current membership and status."""
        return await self.principal_from_claims(self._tokens.verify(token))

    async def principal_from_claims(self, claims: AccessClaims) -> Principal:
        """The principal of verified token claims, checked against current membership, session
        revocation and company status."""
        company_id = CompanyId(claims.company_id)
        async with transaction(self._sessions, DbContext(company_id, claims.user_id)) as session:
            membership = await repo.membership_in(session, company_id, claims.user_id)
            if membership is None or await repo.family_revoked(session, claims.session_id):
                raise InvalidToken()
        if membership.company_status not in ACTIVE_STATUSES:
            raise CompanyInactive()
        return Principal(
            company_id=company_id,
            role=Role(membership.role),
            kind="user",
            user_id=claims.user_id,
            scopes=frozenset({"ai", "meetings", "usage:read", "admin"}),
            is_platform_company=membership.is_platform,
            session_id=claims.session_id,
        )

    async def principal_from_api_key(self, key: str) -> Principal:
        """The principal of a company API key; unknown, expired and revoked keys raise the same error."""
        async with transaction(self._sessions, DbContext()) as session:
            row = await repo.api_key_by_hash(session, digest(key))
            now = utcnow()
            if (
                row is None
                or row.revoked_at is not None
                or (row.expires_at is not None and row.expires_at <= now)
            ):
                raise InvalidApiKey()
            await set_tenant(session, row.company_id)
            status = await repo.company_status(session, row.company_id)
            await repo.touch_api_key(session, row.id)
        if status is None or status[0] not in ACTIVE_STATUSES:
            raise CompanyInactive()
        return Principal(
            company_id=CompanyId(row.company_id),
            role=Role.ADMIN if "admin" in row.scopes else Role.EMPLOYEE,
            kind="key",
            api_key_id=row.id,
            scopes=frozenset(row.scopes),
        )
