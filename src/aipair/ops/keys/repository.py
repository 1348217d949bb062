"""Every SQL statement of key rotation (run as the database owner, across companies)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql

from aipair.kit.ids import new_id

OLD_API_KEYS = """
SELECT c.slug, k.name, k.prefix, k.created_at::date, (now()::date - k.created_at::date) AS age_days,
       k.last_used_at::date
FROM api_keys k JOIN companies c ON c.id = k.company_id
WHERE k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
  AND k.created_at < now() - make_interval(days => %s)
ORDER BY k.created_at
"""


def sealed_provider_keys(conn: psycopg.Connection) -> list[tuple[uuid.UUID, uuid.UUID, str, bytes]]:
    """Every stored provider key (id, company, provider, sealed value), locked until commit."""
    rows = conn.execute(
        "SELECT id, company_id, provider, sealed_key FROM company_provider_keys ORDER BY id FOR UPDATE"
    ).fetchall()
    return [(r[0], r[1], r[2], bytes(r[3])) for r in rows]


def sealed_values(conn: psycopg.Connection) -> list[bytes]:
    """Every stored sealed value (to count them by key)."""
    return [bytes(row[0]) for row in conn.execute("SELECT sealed_key FROM company_provider_keys").fetchall()]


def replace_sealed(conn: psycopg.Connection, row_id: uuid.UUID, sealed: bytes) -> None:
    conn.execute(
        "UPDATE company_provider_keys SET sealed_key = %s, updated_at = now() WHERE id = %s", [sealed, row_id]
    )


def record_rotation(conn: psycopg.Connection, kind: str, details: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO secret_rotations (id, kind, details) VALUES (%s, %s, %s::jsonb)",
        [new_id(), kind, json.dumps(details)],
    )


def last_rotation(conn: psycopg.Connection, kind: str) -> datetime | None:
    row = conn.execute("SELECT max(rotated_at) FROM secret_rotations WHERE kind = %s", [kind]).fetchone()
    return row[0] if row else None


def installed_at(conn: psycopg.Connection) -> datetime | None:
    """When the platform was set up (its first company), the start of every rotation schedule."""
    row = conn.execute("SELECT min(created_at) FROM companies").fetchone()
    return row[0] if row else None


def old_api_keys(conn: psycopg.Connection, days: int) -> list[tuple[Any, ...]]:
    return conn.execute(OLD_API_KEYS, [days]).fetchall()


def set_role_password(conn: psycopg.Connection, role: str, password: str) -> None:
    conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(role), sql.Literal(password)))
