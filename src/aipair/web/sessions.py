"""Console sessions: a signed, HttpOnly cookie per signed-in person, and CSRF tokens bound to it.

The cookie holds a ``console`` token (the access token's claims, never accepted as a bearer token) of
one session family of the auth domain: signing out, deactivation, a suspended company or a revoked
family end it at the next request, exactly as they end API tokens. It lasts ``session_idle_minutes``
after the last request (renewed by signing a new token, no database write, so concurrent requests
never race) and never more than ``session_max_hours`` after the sign-in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from aipair.auth.principal import ClientInfo, Principal
from aipair.auth.service import AuthService
from aipair.auth.tokens import AccessClaims, AccessTokens
from aipair.config import WebSettings
from aipair.kit.clock import utcnow

SESSION_COOKIE = "aipair_session"
PRE_SESSION_COOKIE = "aipair_presession"
"""Random value binding the sign-in form's CSRF token before anyone is signed in."""


@dataclass(frozen=True)
class ConsoleSession:
    """A verified console session: who, and the cookie value to send back when it was renewed."""

    principal: Principal
    claims: AccessClaims
    renewed: str | None


class ConsoleSessions:
    """Sign people in and out of the console, resolve its cookie, issue and check CSRF tokens."""

    def __init__(self, auth: AuthService, tokens: AccessTokens, settings: WebSettings, secret: str):
        self._auth = auth
        self._tokens = tokens
        self._settings = settings
        self._csrf_key = hashlib.sha256(b"aipair-console-csrf:" + secret.encode()).digest()

    @property
    def settings(self) -> WebSettings:
        return self._settings

    async def sign_in(self, email: str, password: str, company: str | None, client: ClientInfo) -> str:
        """Check the password (same rules, lockout and audit as ``POST /auth/login``); the cookie value."""
        issued = await self._auth.login(email, password, company, client)
        claims = self._tokens.verify(issued.access_token)
        return self._issue(replace(claims, auth_time=int(utcnow().timestamp())))

    async def resolve(self, cookie: str) -> ConsoleSession:
        """The session of a cookie value; :class:`InvalidToken` (or ``CompanyInactive``) otherwise."""
        claims = self._tokens.verify(cookie, kind="console")
        principal = await self._auth.principal_from_claims(claims)
        return ConsoleSession(principal, claims, self._renewal(cookie, claims))

    def session_id(self, cookie: str) -> str:
        """The session id of a valid cookie (signature and expiry only); :class:`InvalidToken` otherwise."""
        return str(self._tokens.verify(cookie, kind="console").session_id)

    async def sign_out(self, session: ConsoleSession, client: ClientInfo) -> None:
        """End the session's family (audited as ``auth.session.revoke``)."""
        await self._auth.end_session(session.claims, client)

    async def switch(self, session: ConsoleSession, company_slug: str, client: ClientInfo) -> str:
        """A session in another of the person's companies; the current one ends."""
        user_id = session.claims.user_id
        issued = await self._auth.start_session(user_id, company_slug, client)
        await self._auth.end_session(session.claims, client)
        claims = self._tokens.verify(issued.access_token)
        return self._issue(replace(claims, auth_time=session.claims.auth_time))

    def _deadline(self, claims: AccessClaims) -> datetime:
        started = datetime.fromtimestamp(claims.auth_time or 0, tz=UTC)
        idle_end = utcnow() + timedelta(minutes=self._settings.session_idle_minutes)
        return min(idle_end, started + timedelta(hours=self._settings.session_max_hours))

    def _issue(self, claims: AccessClaims) -> str:
        return self._tokens.issue(claims, kind="console", expires_at=self._deadline(claims))

    def _renewal(self, cookie: str, claims: AccessClaims) -> str | None:
        """A fresh cookie once a minute has passed since this one was signed (sliding idle timeout)."""
        issued_at = self._tokens.issued_at(cookie)
        if issued_at is None or utcnow() - issued_at < timedelta(minutes=1):
            return None
        return self._issue(claims)

    # --- CSRF ------------------------------------------------------------------------------------

    def csrf_token(self, binding: str) -> str:
        """The form token for a session id (signed in) or a pre-session cookie value (signing in)."""
        return hmac.new(self._csrf_key, binding.encode(), hashlib.sha256).hexdigest()

    def csrf_valid(self, binding: str | None, token: str | None) -> bool:
        """True when ``token`` is this binding's form token (compared in constant time)."""
        if not binding or not token:
            return False
        return hmac.compare_digest(self.csrf_token(binding), token)

    @staticmethod
    def new_pre_session() -> str:
        return secrets.token_urlsafe(32)
