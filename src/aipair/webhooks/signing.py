"""Signatures in the Standard Webhooks scheme.

Every delivery carries ``webhook-id`` (the message id, the same on every retry), ``webhook-timestamp``
(Unix seconds of the attempt) and ``webhook-signature``: ``v1,`` followed by the base64 of the
HMAC-SHA256 of ``"{id}.{timestamp}.{body}"``, keyed with the secret's bytes (the base64 after
``whsec_``). While a rotated secret is still honoured, the header carries one signature per secret,
separated by spaces. ``docs/webhooks.md`` gives the receiver's recipe.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    """A fresh signing secret, ``whsec_`` and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` under ``secret``."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(signing_secrets: list[str], message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: one signature per secret still honoured, newest first."""
    return " ".join(signature(secret, message_id, timestamp, body) for secret in signing_secrets)
