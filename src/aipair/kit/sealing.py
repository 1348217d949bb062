"""Secrets sealed at rest with AES-256-GCM, bound to the context they belong to.

A sealed value is ``version (1 byte) || key id (8 bytes) || nonce (12 bytes) || ciphertext and tag``.
The caller names the context (for a company's provider key: the company and the provider) as
associated data, so a sealed value copied into another row — another company, another provider — no
longer opens.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["KEY_BYTES", "SealBroken", "SecretBox", "decode_key", "derive_key", "key_id"]

KEY_BYTES = 32
_VERSION_1 = b"\x01"  # version, nonce, ciphertext and tag
_VERSION = b"\x02"  # version, key id, nonce, ciphertext and tag
_KEY_ID_BYTES = 8
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


def key_id(key: bytes) -> bytes:
    """A short public name of a key (sealed values carry it, so the ring knows which key opens them)."""
    return hashlib.sha256(b"aipair-key-id:" + key).digest()[:_KEY_ID_BYTES]


class SecretBox:
    """Seal with the current AES-256-GCM key and open with any key of the ring (the current one and
    earlier ones still accepted while ``aipair secrets rotate`` re-seals); never shows a key in ``repr``.

    Version 2 values carry the sealing key's id after the version byte; version 1 values (no id)
    are tried against every key of the ring.
    """

    __slots__ = ("_current", "_ring")

    def __init__(self, key: bytes, previous: Sequence[bytes] = ()) -> None:
        if any(len(k) != KEY_BYTES for k in (key, *previous)):
            raise ValueError(f"the key must be {KEY_BYTES} bytes")
        self._current = key_id(key)
        self._ring = {key_id(k): AESGCM(k) for k in (*previous, key)}

    def __repr__(self) -> str:
        return "SecretBox(<key hidden>)"

    @property
    def current_key_id(self) -> str:
        return self._current.hex()

    def seal(self, plaintext: str, context: bytes) -> bytes:
        """``plaintext`` encrypted under the current key and a fresh random nonce, bound to ``context``."""
        nonce = os.urandom(_NONCE_BYTES)
        return (
            _VERSION
            + self._current
            + nonce
            + self._ring[self._current].encrypt(nonce, plaintext.encode(), context)
        )

    def open(self, sealed: bytes, context: bytes) -> str:
        """The plaintext of ``sealed``; :class:`SealBroken` unless a key of the ring sealed it for
        ``context``."""
        if sealed[:1] == _VERSION and len(sealed) > 1 + _KEY_ID_BYTES + _NONCE_BYTES:
            aead = self._ring.get(sealed[1 : 1 + _KEY_ID_BYTES])
            if aead is None:
                raise SealBroken("sealed under a key that is no longer in the ring")
            return _decrypt(aead, sealed[1 + _KEY_ID_BYTES :], context)
        if sealed[:1] == _VERSION_1 and len(sealed) > 1 + _NONCE_BYTES:
            for aead in self._ring.values():
                try:
                    return _decrypt(aead, sealed[1:], context)
                except SealBroken:
                    continue
            raise SealBroken("the sealed value does not open with any key of the ring and this context")
        raise SealBroken("not a sealed value of a known version")

    def is_current(self, sealed: bytes) -> bool:
        """True when ``sealed`` was sealed under the current key (nothing to re-seal)."""
        return sealed[:1] == _VERSION and sealed[1 : 1 + _KEY_ID_BYTES] == self._current


def _decrypt(aead: AESGCM, body: bytes, context: bytes) -> str:
    nonce, ciphertext = body[:_NONCE_BYTES], body[_NONCE_BYTES:]
    try:
        return aead.decrypt(nonce, ciphertext, context).decode()
    except (InvalidTag, UnicodeDecodeError) as exc:
        raise SealBroken("the sealed value does not open with this key and context") from exc
