"""Access tokens (JWT, HS256) and opaque secrets (refresh tokens, API keys, invitations)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import jwt

from aipair.auth.errors import InvalidToken
from aipair.kit.clock import utcnow

API_KEY_PREFIX = "aip"
TokenKind = Literal["access", "console"]


@dataclass(frozen=True)
class AccessClaims:
    """What an access token says about its bearer."""

    user_id: uuid.UUID
    company_id: uuid.UUID
    session_id: uuid.UUID
    auth_time: int | None = None
    """When the person signed in (seconds since the epoch); console sessions end a while after it."""


class AccessTokens:
    """Issue and verify short-lived access tokens."""

    def __init__(self, secret: str, lifetime: timedelta):
        self._secret = secret
        self.lifetime = lifetime

    def issue(
        self, claims: AccessClaims, *, kind: TokenKind = "access", expires_at: datetime | None = None
    ) -> str:
        """A signed token of ``kind`` valid until ``expires_at`` (default: ``lifetime`` from now).

        A ``console`` token is the web console's session cookie: it is never accepted as a bearer token.
        """
        now = utcnow()
        payload: dict[str, Any] = {
            "sub": str(claims.user_id),
            "cid": str(claims.company_id),
            "sid": str(claims.session_id),
            "typ": kind,
            "iat": int(now.timestamp()),
            "exp": int((expires_at or now + self.lifetime).timestamp()),
        }
        if claims.auth_time is not None:
            payload["auth_time"] = claims.auth_time
        return jwt.encode(payload, self._secret, algorithm="HS256")

    def verify(self, token: str, kind: TokenKind = "access") -> AccessClaims:
        """The claims of a valid token of ``kind``; :class:`InvalidToken` otherwise."""
        try:
            payload = jwt.decode(
                token, self._secret, algorithms=["HS256"], options={"require": ["exp", "sub"]}
            )
            if payload.get("typ") != kind:
                raise InvalidToken()
            auth_time = payload.get("auth_time")
            return AccessClaims(
                uuid.UUID(payload["sub"]),
                uuid.UUID(payload["cid"]),
                uuid.UUID(payload["sid"]),
                int(auth_time) if auth_time is not None else None,
            )
        except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
            raise InvalidToken() from exc

    @staticmethod
    def issued_at(token: str) -> datetime | None:
        """When a token (verified beforehand) was signed."""
        iat = _unverified_iat(token)
        return datetime.fromtimestamp(iat, tz=UTC) if iat is not None else None


def _unverified_iat(token: str) -> int | None:
    try:
        value = jwt.decode(token, options={"verify_signature": False}).get("iat")
    except jwt.PyJWTError:
        return None
    return int(value) if isinstance(value, int) else None


def digest(secret: str) -> str:
    """SHA-256 hex of a high-entropy secret; only this is stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_opaque_token() -> str:
    """A random token for refresh and invitations."""
    return secrets.token_urlsafe(32)


def new_api_key() -> tuple[str, str]:
    """A new API key and its visible prefix: ``aip_<prefix>_<secret>``."""
    prefix = secrets.token_hex(4)
    return f"{API_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}", f"{API_KEY_PREFIX}_{prefix}"
