"""Access tokens (JWT, HS256) and opaque secrets (refresh tokens, API keys, invitations)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

import jwt

from aipair.auth.errors import InvalidToken
from aipair.kit.clock import utcnow

API_KEY_PREFIX = "aip"


@dataclass(frozen=True)
class AccessClaims:
    """What an access token says about its bearer."""

    user_id: uuid.UUID
    company_id: uuid.UUID
    session_id: uuid.UUID


class AccessTokens:
    """Issue and verify short-lived access tokens."""

    def __init__(self, secret: str, lifetime: timedelta):
        self._secret = secret
        self.lifetime = lifetime

    def issue(self, claims: AccessClaims) -> str:
        """A signed token valid for ``lifetime``."""
        now = utcnow()
        payload = {
            "sub": str(claims.user_id),
            "cid": str(claims.company_id),
            "sid": str(claims.session_id),
            "typ": "access",
            "iat": int(now.timestamp()),
            "exp": int((now + self.lifetime).timestamp()),
        }
        return jwt.encode(payload, self._secret, algorithm="HS256")

    def verify(self, token: str) -> AccessClaims:
        """The claims of a valid token; :class:`InvalidToken` otherwise."""
        try:
            payload = jwt.decode(
                token, self._secret, algorithms=["HS256"], options={"require": ["exp", "sub"]}
            )
            if payload.get("typ") != "access":
                raise InvalidToken()
            return AccessClaims(
                uuid.UUID(payload["sub"]), uuid.UUID(payload["cid"]), uuid.UUID(payload["sid"])
            )
        except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
            raise InvalidToken() from exc


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
