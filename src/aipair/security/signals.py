"""Key-use signals gathered on the gateway's hot path, in memory, until the monitor writes them.

Nothing here awaits or touches the database: a refused or admitted call costs a few dictionary
operations. Refusals are aggregated per (company, key, user, kind, limit) — a flood of 10,000 refused
calls becomes one row with ``count = 10000`` — and every key's sources (key, address) are checked
against the pairs this process already knows, so only a pair it has never seen goes to the database,
from :class:`~aipair.security.monitor.KeySignalMonitor`, never from the request.

What is buffered here is lost if the process dies before the next flush (a few seconds): these are
signals, not usage; usage and billing are written exactly by the usage service.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from prometheus_client import Counter

from aipair.observability.metrics import GATEWAY_REJECTIONS

MAX_SAMPLE_IPS = 5
"""Distinct source addresses kept per aggregated refusal."""


@dataclass(slots=True)
class Rejection:
    """Calls of one principal refused by one limit since the last flush."""

    company_id: uuid.UUID
    api_key_id: uuid.UUID | None
    user_id: uuid.UUID | None
    kind: str
    limit: str
    first_at: float
    last_at: float
    count: int = 0
    ips: list[str] = field(default_factory=list)


@dataclass(slots=True)
class KeyUse:
    """Calls of one API key since the last flush (admitted or not)."""

    company_id: uuid.UUID
    api_key_id: uuid.UUID
    first_at: float
    last_at: float
    calls: int = 1


@dataclass(frozen=True, slots=True)
class SourceSighting:
    """An API key used from an address, at ``at`` (seconds since the epoch)."""

    company_id: uuid.UUID
    api_key_id: uuid.UUID
    ip: str
    at: float


@dataclass(slots=True)
class SignalBatch:
    """Everything buffered since the previous flush."""

    rejections: list[Rejection]
    uses: list[KeyUse]
    new_sources: list[SourceSighting]
    """Pairs this process does not know yet: maybe never seen anywhere."""
    seen_sources: list[SourceSighting]
    """Known pairs whose ``last_seen_at`` is due for a refresh."""


_RejectionKey = tuple[uuid.UUID, uuid.UUID | None, uuid.UUID | None, str, str]
_Pair = tuple[uuid.UUID, str]


class KeySignals:
    """The in-memory side of the key-use signals: ``rejected`` and ``used`` on the hot path, ``drain``
    and ``learn`` from the monitor.

    Memory is bounded: at most ``max_pending`` entries of each kind wait for a flush (further ones are
    dropped and counted), and the known pairs are forgotten wholesale past ``max_known`` (they are then
    learned again from the database, which still holds them, so no signal repeats).
    """

    def __init__(
        self,
        *,
        refresh_s: float = 3600.0,
        max_known: int = 200_000,
        max_pending: int = 50_000,
        clock: Callable[[], float] = time.time,
    ):
        self._refresh_s = refresh_s
        self._max_known = max_known
        self._max_pending = max_pending
        self._clock = clock
        self._rejections: dict[_RejectionKey, Rejection] = {}
        self._uses: dict[uuid.UUID, KeyUse] = {}
        self._new: dict[_Pair, SourceSighting] = {}
        self._seen: dict[_Pair, SourceSighting] = {}
        self._known: dict[_Pair, float] = {}
        self._counters: dict[tuple[str, str], Counter] = {}
        self.dropped = 0

    def rejected(
        self,
        company_id: uuid.UUID,
        api_key_id: uuid.UUID | None,
        user_id: uuid.UUID | None,
        ip: str | None,
        kind: str,
        limit: str,
    ) -> None:
        """Count one call refused with 429 by ``limit`` (``rpm``, ``key_tpm``, ``quota``, ``budget``...)."""
        self._counter(kind, limit).inc()
        now = self._clock()
        key = (company_id, api_key_id, user_id, kind, limit)
        entry = self._rejections.get(key)
        if entry is None:
            if len(self._rejections) >= self._max_pending:
                self.dropped += 1
                return
            entry = self._rejections[key] = Rejection(company_id, api_key_id, user_id, kind, limit, now, now)
        entry.count += 1
        entry.last_at = now
        if ip is not None and len(entry.ips) < MAX_SAMPLE_IPS and ip not in entry.ips:
            entry.ips.append(ip)

    def used(self, company_id: uuid.UUID, api_key_id: uuid.UUID, ip: str | None) -> None:
        """Note one call of an API key from ``ip`` (admitted or refused; None: address unknown)."""
        now = self._clock()
        use = self._uses.get(api_key_id)
        if use is not None:
            use.last_at = now
            use.calls += 1
        elif len(self._uses) < self._max_pending:
            self._uses[api_key_id] = KeyUse(company_id, api_key_id, now, now)
        if ip is None:
            return
        pair = (api_key_id, ip)
        refreshed = self._known.get(pair)
        if refreshed is None:
            if pair not in self._new and len(self._new) < self._max_pending:
                self._new[pair] = SourceSighting(company_id, api_key_id, ip, now)
        elif now - refreshed >= self._refresh_s:
            self._known[pair] = now
            self._seen[pair] = SourceSighting(company_id, api_key_id, ip, now)

    def drain(self) -> SignalBatch:
        """Hand over (and forget) everything buffered since the previous call."""
        batch = SignalBatch(
            list(self._rejections.values()),
            list(self._uses.values()),
            list(self._new.values()),
            list(self._seen.values()),
        )
        self._rejections, self._uses, self._new, self._seen = {}, {}, {}, {}
        return batch

    def learn(self, sources: Iterable[SourceSighting]) -> None:
        """Remember pairs the database now holds: their next calls stay in memory."""
        if len(self._known) > self._max_known:
            self._known.clear()
        for source in sources:
            self._known[(source.api_key_id, source.ip)] = source.at

    def _counter(self, kind: str, limit: str) -> Counter:
        counter = self._counters.get((kind, limit))
        if counter is None:
            counter = self._counters[(kind, limit)] = GATEWAY_REJECTIONS.labels(kind=kind, limit=limit)
        return counter
