"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

import re

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from aipair.auth.errors import WeakPassword
from aipair.config import AuthSettings

COMMON_PASSWORDS = frozenset(
    {"password1234", "123456789012", "qwertyuiop12", "letmein12345", "welcome12345", "password123!"}
)
CHARACTER_CLASSES = (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^a-zA-Z0-9]")


class Passwords:
    """Hash and verify passwords with argon2id; the verification runs off the event loop."""

    def __init__(self, settings: AuthSettings):
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        )
        self._min_length = settings.password_min_length
        self._dummy = self._hasher.hash("timing-equaliser-not-a-password")

    def check_policy(self, password: str, email: str = "") -> None:
        """Raise :class:`WeakPassword` unless the password is long, varied and not guessable."""
        problems: list[str] = []
        if len(password) < self._min_length:
            problems.append(f"at least {self._min_length} characters")
        if len(password) > 256:
            problems.append("at most 256 characters")
        if sum(1 for pattern in CHARACTER_CLASSES if re.search(pattern, password)) < 3:
            problems.append("three of: lowercase, uppercase, digits, symbols")
        local = email.split("@", 1)[0].lower()
        if password.lower() in COMMON_PASSWORDS or (len(local) >= 4 and local in password.lower()):
            problems.append("not a common password nor your e-mail name")
        if problems:
            raise WeakPassword("Password must have " + "; ".join(problems), requirements=problems)

    async def hash(self, password: str) -> str:
        """The argon2id hash of ``password``."""
        return await anyio.to_thread.run_sync(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True when ``password`` matches; without a hash, spends the same time and answers False."""
        target = password_hash or self._dummy
        try:
            ok = await anyio.to_thread.run_sync(self._hasher.verify, target, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return bool(ok) and password_hash is not None
