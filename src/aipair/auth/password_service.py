"""The password life cycle: a person changes theirs, an administrator issues a one-time reset token,
the token sets a new one. Every new password passes the policy and ends the account's other sessions.

A wrong current password counts as a failed sign-in (the same lock and throttle as ``/auth/login``), so
a stolen access token cannot be used to guess the password behind it. A reset token is shown once to
whoever issued it, or e-mailed to the account's own address when SMTP is configured (then nobody else
ever sees it); it works once, within ``password_reset_minutes``, and issuing another cancels it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aipair.audit.service import Actor, AuditService
from aipair.auth import repository as repo
from aipair.auth.errors import (
    AccountNotFound,
    InvalidResetToken,
    MailFailed,
    RoleRequired,
    SignInThrottled,
    WeakPassword,
    WrongPassword,
)
from aipair.auth.lockout import SignInGuard
from aipair.auth.models import User
from aipair.auth.passwords import Passwords
from aipair.auth.principal import ClientInfo, Principal
from aipair.auth.tokens import digest, new_opaque_token
from aipair.config import AuthSettings
from aipair.db.engine import DbContext, set_tenant, transaction
from aipair.kit.clock import utcnow
from aipair.kit.mail import Mailer, MailNotSent
from aipair.tenancy.models import Role

NOBODY = ClientInfo(ip=None, user_agent=None)
RESET_SUBJECT = "Choose a new password"
RESET_BODY = """Someone with the right to do so asked for a new password for {email}.

Your one-time code (valid until {expires:%Y-%m-%d %H:%M} UTC):

    {token}

Set your new password with it: POST /auth/password/reset {{"token": "<the code>", "new_password": "..."}}
If you did not expect this, ignore this message: your password stays as it is.
"""


@dataclass(frozen=True)
class IssuedReset:
    """A reset token issued: ``token`` is None when it was e-mailed to the account instead."""

    email: str
    delivery: str
    expires_at: datetime
    token: str | None


class PasswordService:
    """Change and reset passwords."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        passwords: Passwords,
        settings: AuthSettings,
        mailer: Mailer,
        *,
        audit: AuditService,
    ):
        self._sessions = sessions
        self._passwords = passwords
        self._settings = settings
        self._mailer = mailer
        self._audit = audit
        self._guard = SignInGuard(settings)

    async def change(self, principal: Principal, current: str, new: str) -> int:
        """Replace the signed-in person's password after checking the current one; every other session
        of the account (in every company) ends, this one stays. Audited as ``auth.password.change``;
        returns how many sessions ended.

        A wrong current password raises :class:`WrongPassword` and counts toward the account's lock.
        """
        assert principal.user_id is not None
        user = await self._verified_user(principal, current)
        self._passwords.check_policy(new, user.email, [user.name])
        if new == current:
            raise WeakPassword("Choose a password other than your current one", requirements=["a new one"])
        new_hash = await self._passwords.hash(new)
        async with transaction(self._sessions, principal.db_context()) as session:
            await repo.set_password(session, user.id, new_hash)
            ended = await repo.revoke_sessions_except(session, user.id, principal.session_id)
            after = {"sessions_ended": ended}
            await self._audit.record(session, principal, "auth.password.change", "user", user.id, after=after)
        return ended

    async def _verified_user(self, principal: Principal, password: str) -> User:
        assert principal.user_id is not None
        client = principal.origin or NOBODY
        async with transaction(self._sessions, DbContext(user_id=principal.user_id)) as session:
            user = await repo.user_by_id(session, principal.user_id)
            assert user is not None  # the access token was checked against the account just now
            state = await self._guard.state(session, user.email, client.ip)
        if state.wait_s > 0:
            raise SignInThrottled(retry_after=state.retry_after)
        if not state.locked and await self._passwords.verify(user.password_hash, password):
            return user
        async with transaction(self._sessions, DbContext()) as session:
            await self._guard.failed(session, user.email, user.id, client, state)
        raise WrongPassword()

    async def issue_reset(
        self, session: AsyncSession, actor: Principal | Actor, user: User, company_id: uuid.UUID
    ) -> IssuedReset:
        """Issue a one-time reset token for ``user`` (the caller checked who may), cancelling earlier
        ones. E-mailed to the account's address when SMTP is configured, else returned to be shown once.
        Audited as ``auth.password_reset.issue`` in ``company_id``."""
        token = new_opaque_token()
        expires_at = utcnow() + timedelta(minutes=self._settings.password_reset_minutes)
        await repo.cancel_password_resets(session, user.id)
        await repo.add_password_reset(session, user.id, company_id, digest(token), expires_at, actor.user_id)
        delivery = "email" if self._mailer.configured else "shown"
        after = {"email": user.email, "delivery": delivery, "expires_at": expires_at.isoformat()}
        await self._audit.record(session, actor, "auth.password_reset.issue", "user", user.id, after=after)
        if delivery == "email":
            body = RESET_BODY.format(email=user.email, token=token, expires=expires_at)
            try:
                await self._mailer.send(user.email, RESET_SUBJECT, body)
            except MailNotSent as exc:
                raise MailFailed() from exc  # the caller's transaction rolls back: no token without mail
        return IssuedReset(user.email, delivery, expires_at, token if delivery == "shown" else None)

    async def operator_issues_reset(
        self, session: AsyncSession, principal: Principal, email: str
    ) -> IssuedReset:
        """A SUPER_ADMIN of the platform (or the operator's console) issues a reset code for any account
        (see :meth:`issue_reset`); an unknown address raises :class:`AccountNotFound`."""
        if not principal.in_platform_context or principal.role != Role.SUPER_ADMIN:
            raise RoleRequired("Only a SUPER_ADMIN of the platform resets any account's password")
        user = await repo.user_by_email(session, email.strip().lower())
        if user is None:
            raise AccountNotFound()
        await set_tenant(session, principal.company_id, principal.user_id)  # the code is the platform's
        return await self.issue_reset(session, principal, user, principal.company_id)

    async def reset(self, token: str, new: str, client: ClientInfo) -> None:
        """Set a new password with a reset token: it works once and before it expires. Every session of
        the account ends and its sign-in lock is lifted. Audited as ``auth.password.reset``."""
        async with transaction(self._sessions, DbContext()) as session:
            found = await repo.password_reset_by_hash(session, digest(token))
            if found is None or found.used_at is not None or found.expires_at <= utcnow():
                raise InvalidResetToken()
            await set_tenant(session, found.company_id, found.user_id)
            user = await repo.user_by_id(session, found.user_id)
            if user is None or user.status != "ACTIVE":
                raise InvalidResetToken()
            self._passwords.check_policy(new, user.email, [user.name])
            if not await repo.use_password_reset(session, found.id):
                raise InvalidResetToken()
            await repo.set_password(session, user.id, await self._passwords.hash(new))
            ended = await repo.revoke_sessions_except(session, user.id, None)
            actor = Actor.user(user.id, found.company_id, None, client)
            after = {"sessions_ended": ended}
            await self._audit.record(session, actor, "auth.password.reset", "user", user.id, after=after)
            await repo.lift_locks(session, user.email.lower(), user.id, "password reset")
