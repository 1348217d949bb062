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
from dataclasses import dataclass

import asyncpg

from aipair.audit import chain_repository as repo

GENESIS = "0" * 64


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


async def verify_chains(conn: asyncpg.Connection, company_id: uuid.UUID | None = None) -> list[ChainReport]:
    """Walk every company's chain (or one company's), streaming rows; one report per company."""
    reports: list[ChainReport] = []
    async for company, row_id, seq, prev_hash, stored, canonical in repo.chain_rows(conn, company_id):
        if not reports or reports[-1].company_id != company:
            reports.append(ChainReport(company))
        if reports[-1].broken is None:
            _check(reports[-1], row_id, seq, prev_hash, stored, canonical)
    return reports


async def company_id_by_slug(conn: asyncpg.Connection, slug: str) -> uuid.UUID | None:
    """The id of the company with ``slug`` (None when there is none)."""
    return await repo.company_id_by_slug(conn, slug)


async def company_slugs(conn: asyncpg.Connection) -> dict[uuid.UUID, str]:
    """Every company's slug by id, for naming the chains."""
    return await repo.company_slugs(conn)
