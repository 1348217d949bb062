"""Sign-in protection: a lock per account, a throttle per address.

- **Per account** (by e-mail, whether or not it has an account, so a lock never tells which addresses
  exist): ``lockout_threshold`` failures within ``lockout_window_minutes`` lock it for a fixed
  ``lockout_minutes``. Attempts while locked are refused like a wrong password and recorded as evidence,
  but add no time; only failures after a lock ended count toward the next one.
- **Per address**: past ``address_throttle_threshold`` failures within the window, each attempt from the
  address must wait after the previous failure (1 s, doubling up to ``address_throttle_max_delay_s``);
  sooner ones answer 429 with ``Retry-After``. An address is slowed, never locked, so people behind a
  shared address still sign in, and one account's attacker locks no one else.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from aipair.auth import repository as repo
from aipair.auth.principal import ClientInfo
from aipair.config import AuthSettings
from aipair.kit.clock import utcnow


@dataclass(frozen=True)
class SignInState:
    """Whether an attempt may check a password: ``locked`` accounts never do, ``wait_s`` > 0 is too soon."""

    locked: bool
    wait_s: float
    last_lock_end: datetime | None

    @property
    def retry_after(self) -> int:
        return max(1, math.ceil(self.wait_s))


def address_wait(
    failures: int, last_failure: datetime | None, now: datetime, settings: AuthSettings
) -> float:
    """Seconds an address must still wait before its next attempt (0: it may try now)."""
    excess = failures - settings.address_throttle_threshold
    if last_failure is None or excess < 0:
        return 0.0
    delay = min(float(settings.address_throttle_max_delay_s), 2.0 ** min(excess, 32))
    return max(0.0, (last_failure - now).total_seconds() + delay)


class SignInGuard:
    """Reads and records the state that decides whether a sign-in attempt is heard."""

    def __init__(self, settings: AuthSettings):
        self._settings = settings

    @property
    def _window(self) -> timedelta:
        return timedelta(minutes=self._settings.lockout_window_minutes)

    async def state(self, session: AsyncSession, email: str, ip: str | None) -> SignInState:
        """The account's lock and the address's throttle, for an attempt now."""
        now = utcnow()
        lock = await repo.lock_state(session, email)
        wait = 0.0
        if ip is not None:
            failures, last = await repo.address_failures(session, ip, now - self._window)
            wait = address_wait(failures, last, now, self._settings)
        return SignInState(lock.locked_until is not None, wait, lock.last_end)

    async def failed(
        self,
        session: AsyncSession,
        email: str,
        user_id: uuid.UUID | None,
        client: ClientInfo,
        state: SignInState,
    ) -> bool:
        """Record a failed attempt; lock the account when this one reaches the threshold. True when it did."""
        await repo.record_failed_login(session, email, user_id, client.ip, client.user_agent)
        if state.locked:
            return False  # evidence only: attempts while locked add no time
        since = utcnow() - self._window
        if state.last_lock_end is not None and state.last_lock_end > since:
            since = state.last_lock_end
        failures = await repo.failures_since(session, email, since)
        if failures < self._settings.lockout_threshold:
            return False
        await repo.add_lock(session, email, user_id, failures, self._settings.lockout_minutes)
        return True
