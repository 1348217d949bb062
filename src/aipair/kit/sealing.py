"""Secrets sealed at rest with AES-256-GCM, bound to the context they belong to.

A sealed value is ``version (1 byte) || nonce (12 bytes) || ciphertext and tag``. The caller names the
context (for a company's provider key: the company and the provider) as associated data, so a sealed
value copied into another row — another company, another provider — no longer opens.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["KEY_BYTES", "SealBroken", "SecretBox", "decode_key", "derive_key"]

KEY_BYTES = 32
_VERSION = b"\x01"
_NONCE_BYTES = 12


class SealBroken(Exception):
    """A sealed value does not open: another key, another context, or changed bytes."""


def decode_key(value: str) -> bytes:
    """The 32 raw bytes of a base64 (standard or URL-safe) encoded key; ``ValueError`` otherwise."""
    text = value.strip()
    padded = text + "=" * (-len(text) % 4)
    try:
        raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("must be base64") from exc
    if len(raw) != KEY_BYTES:
        raise ValueError(f"must decode to {KEY_BYTES} bytes, not {len(raw)}")
    return raw


def derive_key(secret: str) -> bytes:
    """A 32-byte key from a high-entropy secret string (a generated local secret)."""
    return hashlib.sha256(b"aipair-secret-box:" + secret.encode()).digest()


class SecretBox:
    """Seal and open short secrets with one AES-256-GCM key; never shows the key in ``repr``."""

    __slots__ = ("_aead",)

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError(f"the key must be {KEY_BYTES} bytes")
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return "SecretBox(<key hidden>)"

    def seal(self, plaintext: str, context: bytes) -> bytes:
        """``plaintext`` encrypted under a fresh random nonce, bound to ``context``."""
        nonce = os.urandom(_NONCE_BYTES)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext.encode(), context)

    def open(self, sealed: bytes, context: bytes) -> str:
        """The plaintext of ``sealed``; :class:`SealBroken` unless it was sealed here for ``context``."""
        if len(sealed) <= 1 + _NONCE_BYTES or sealed[:1] != _VERSION:
            raise SealBroken("not a sealed value of a known version")
        nonce, ciphertext = sealed[1 : 1 + _NONCE_BYTES], sealed[1 + _NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, ciphertext, context).decode()
        except (InvalidTag, UnicodeDecodeError) as exc:
            raise SealBroken("the sealed value does not open with this key and context") from exc
