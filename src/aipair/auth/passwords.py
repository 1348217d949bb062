"""Password hashing (argon2id) and the password policy.

The policy refuses short passwords, passwords of fewer than three character classes, passwords containing
the address's name, and passwords that are easy to guess: ``zxcvbn`` scores each one offline against the
leaked and common passwords, words, names and keyboard patterns it ships, and what the person is
called (their address, name and company) counts as guessable too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from aipair.auth.errors import WeakPassword
from aipair.config import AuthSettings

MIN_GUESS_SCORE = 3
"""zxcvbn's scale: 3 is "safely unguessable" (about 10^8 guesses or more), 4 very unguessable."""
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

    def check_policy(self, password: str, email: str = "", context: Sequence[str] = ()) -> None:
        """Raise :class:`WeakPassword` unless the password is long, varied and not guessable.

        ``context`` holds what else is known about the person (their name, their company): a password
        built from it counts as guessable. The message says what to change.
        """
        problems: list[str] = []
        if len(password) < self._min_length:
            problems.append(f"use at least {self._min_length} characters")
        if len(password) > 256:
            problems.append("use at most 256 characters")
        if sum(1 for pattern in CHARACTER_CLASSES if re.search(pattern, password)) < 3:
            problems.append("mix three of: lowercase, uppercase, digits, symbols")
        local = email.split("@", 1)[0].lower()
        if len(local) >= 4 and local in password.lower():
            problems.append("leave out the name of your e-mail address")
        if not problems:
            problems.extend(_guessable(password, [*email.lower().replace("@", ".").split("."), *context]))
        if problems:
            raise WeakPassword("Choose another password: " + "; ".join(problems), requirements=problems)

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


def _guessable(password: str, known: Sequence[str]) -> list[str]:
    """What makes the password easy to guess, as zxcvbn explains it (empty when it is not)."""
    from zxcvbn import zxcvbn  # its dictionaries load on first use, not when the CLI starts

    verdict = zxcvbn(password[:100], user_inputs=[word for word in known if len(word) >= 3])
    if verdict["score"] >= MIN_GUESS_SCORE:
        return []
    feedback = verdict["feedback"]
    hints = [feedback["warning"], *feedback["suggestions"]]
    why = " ".join(hint.rstrip(".") + "." for hint in hints if hint)
    return [f"it is too easy to guess ({why or 'too predictable.'})"]
