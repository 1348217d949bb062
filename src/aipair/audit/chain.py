"""Verify the hash chains of ``audit_logs`` (as the owner, who sees every company).

Each row's hash is ``sha256(prev_hash || audit_canonical(row))`` and its ``prev_hash`` is the hash
of the previous row (by ``seq``) of the same company; the first row links to 64 zeros. A changed
row no longer matches its hash; a removed row leaves a gap in ``seq``; a re-hashed row breaks the
link of the row after it. (Removing the newest rows is only visible against a recorded head: keep
the heads this prints.)
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg

GENESIS = "0" * 64
ROWS = """
SELECT a.company_id, a.id, a.seq, a.prev_hash, a.hash, audit_canonical(a)
FROM audit_logs a {where}
ORDER BY a.company_id, a.seq
"""


@dataclass(frozen=True)
class ChainBreak:
    """The first row where a company's chain does not hold."""

    row_id: uuid.UUID
    seq: int
    reason: str


@dataclass
class ChainReport:
    """One company's chain: how many rows, the newest hash, and the first break if any."""

    company_id: uuid.UUID
    rows: int = 0
    head: str = GENESIS
    broken: ChainBreak | None = None


def row_hash(prev_hash: str, canonical: str) -> str:
    """The hash a row must carry."""
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def _check(
    report: ChainReport, row_id: uuid.UUID, seq: int, prev_hash: str, stored: str, canonical: str
) -> None:
    expected_seq = report.rows + 1
    if seq != expected_seq:
        reason = f"seq {seq} follows {report.rows}: rows {expected_seq}..{seq - 1} are missing"
    elif prev_hash != report.head:
        reason = "prev_hash does not match the previous row's hash (a row before it was re-hashed or removed)"
    elif row_hash(prev_hash, canonical) != stored:
        reason = "content does not match its hash (the row was changed)"
    else:
        report.rows, report.head = seq, stored
        return
    report.broken = ChainBreak(row_id, seq, reason)


def verify_chains(conn: psycopg.Connection, company_id: uuid.UUID | None = None) -> Iterator[ChainReport]:
    """Walk every company's chain (or one company's), streaming rows; one report per company."""
    where = "WHERE a.company_id = %s" if company_id else ""
    current: ChainReport | None = None
    with conn.cursor(name="audit_chain") as cursor:
        cursor.itersize = 5000
        cursor.execute(ROWS.format(where=where), [company_id] if company_id else None)
        for company, row_id, seq, prev_hash, stored, canonical in cursor:
            if current is None or current.company_id != company:
                if current is not None:
                    yield current
                current = ChainReport(company)
            if current.broken is None:
                _check(current, row_id, seq, prev_hash, stored, canonical)
    if current is not None:
        yield current
