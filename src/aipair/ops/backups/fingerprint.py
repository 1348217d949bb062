"""Row counts and checksums of every table, and named points in the WAL where they were taken.

A *mark* makes "the state at time T" something a restore can be compared with: for a moment every
table is locked against writers (``SHARE`` mode, readers and ``SELECT ... FOR UPDATE`` go on), the
snapshot that sees exactly the committed state is exported, a restore point is written to the WAL
and its time read; then the locks go and the checksums are computed from the exported snapshot at
leisure. Restoring to the mark's time (or name) yields exactly that state.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime

import psycopg
from psycopg import IsolationLevel, sql

from aipair.kit.clock import utcnow
from aipair.ops.backups.source import SourceDatabase, user_tables
from aipair.ops.backups.storage import BackupStorage

STABLE_OUTPUT = (
    "SET TimeZone = 'UTC'",
    "SET DateStyle = 'ISO, YMD'",
    "SET IntervalStyle = 'postgres'",
    "SET extra_float_digits = 3",
    "SET bytea_output = 'hex'",
)
Fingerprint = dict[str, list[str]]


def fingerprint(conn: psycopg.Connection, tables: list[str] | None = None) -> Fingerprint:
    """``{table: [rows, checksum]}``: the checksum sums a 64-bit hash of every row's text, so it
    does not depend on row order and costs one sequential scan."""
    for statement in STABLE_OUTPUT:
        conn.execute(statement)
    found: Fingerprint = {}
    for table in tables if tables is not None else user_tables(conn):
        query = sql.SQL(
            "SELECT count(*)::text, coalesce(sum(hashtextextended(t::text, 0)::numeric), 0)::text FROM {} t"
        ).format(sql.SQL(table))
        row = conn.execute(query).fetchone()
        assert row is not None
        found[table] = [row[0], row[1]]
    return found


def differences(expected: Fingerprint, actual: Fingerprint) -> list[str]:
    """What differs between two fingerprints, one line per table."""
    lines = []
    for table in sorted(set(expected) | set(actual)):
        want, got = expected.get(table), actual.get(table)
        if want is None or got is None:
            lines.append(f"{table}: only in the {'restored copy' if want is None else 'source'}")
        elif want != got:
            detail = (
                f"{want[0]} rows expected, {got[0]} found"
                if want[0] != got[0]
                else "same rows, other content"
            )
            lines.append(f"{table}: {detail}")
    return lines


@dataclass
class Mark:
    """A named point in the WAL with the state of every table at that moment."""

    name: str
    at: datetime
    lsn: str
    timeline: int
    last_commit_at: datetime | None
    tables: Fingerprint

    @property
    def key(self) -> str:
        return f"marks/{self.name}.json"

    def to_json(self) -> bytes:
        data = asdict(self)
        data["at"] = self.at.isoformat()
        data["last_commit_at"] = self.last_commit_at.isoformat() if self.last_commit_at else None
        return json.dumps(data, indent=2).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Mark:
        data = json.loads(raw)
        data["at"] = datetime.fromisoformat(data["at"])
        data["last_commit_at"] = (
            datetime.fromisoformat(data["last_commit_at"]) if data["last_commit_at"] else None
        )
        return cls(**data)


def create_mark(source: SourceDatabase, storage: BackupStorage, name: str | None = None) -> Mark:
    """Write a restore point with the exact state of every table at it, and keep it in the repository."""
    name = name or f"aipair-{utcnow():%Y%m%dT%H%M%S%f}"
    with (
        psycopg.connect(source.replication_url, connect_timeout=10) as locker,
        psycopg.connect(source.owner_url, connect_timeout=10) as reader,
    ):
        locker.isolation_level = reader.isolation_level = IsolationLevel.REPEATABLE_READ
        tables = user_tables(reader)
        reader.rollback()
        locker.execute("SET LOCAL lock_timeout = '10s'")
        locker.execute(
            sql.SQL("LOCK TABLE {} IN SHARE MODE").format(sql.SQL(", ").join(map(sql.SQL, tables)))
        )
        snapshot = _scalar(locker, "SELECT pg_export_snapshot()")
        point = locker.execute(
            "SELECT pg_create_restore_point(%s)::text, clock_timestamp(),"
            " (SELECT timeline_id FROM pg_control_checkpoint()), current_setting('track_commit_timestamp')",
            [name],
        ).fetchone()
        assert point is not None
        last_commit = _last_commit(locker) if point[3] == "on" else None
        reader.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
        locker.commit()
        mark = Mark(name, point[1], point[0], int(point[2]), last_commit, fingerprint(reader, tables))
        reader.rollback()
    storage.write(mark.key, mark.to_json())
    return mark


def _scalar(conn: psycopg.Connection, query: str) -> str:
    row = conn.execute(query).fetchone()
    assert row is not None
    return str(row[0])


def _last_commit(conn: psycopg.Connection) -> datetime | None:
    row = conn.execute("SELECT (pg_last_committed_xact()).timestamp").fetchone()
    return row[0] if row else None


def find_mark(storage: BackupStorage, *, name: str | None = None, at: datetime | None = None) -> Mark | None:
    """The mark called ``name``, or the one taken at ``at`` (within a millisecond)."""
    if name is not None:
        key = f"marks/{name}.json"
        return Mark.from_json(storage.read(key)) if storage.exists(key) else None
    for item in storage.list("marks"):
        mark = Mark.from_json(storage.read(item.key))
        if at is not None and abs((mark.at - at).total_seconds()) < 0.001:
            return mark
    return None
