"""``aipair report keys``: API keys older than a quarter, and the last rotation of the database
password and the secrets key against the runbook's "Key Rotation Schedule"."""

from __future__ import annotations

from datetime import datetime, timedelta

import psycopg

from aipair.kit.clock import utcnow
from aipair.kit.sealing import SecretBox
from aipair.ops.keys import repository as repo
from aipair.ops.keys.rotation import sealed_state
from aipair.security.report import Section

API_KEY_MAX_AGE_DAYS = 91  # quarterly
SCHEDULE = {"db_password": timedelta(days=182), "secrets_key": timedelta(days=365)}  # bi-annually, annually
NAMES = {
    "db_password": "database password (application role)",
    "secrets_key": "secrets key (AIPAIR_SECRETS_KEY)",
}


def key_report(conn: psycopg.Connection, box: SecretBox) -> list[Section]:
    """The sections of the key report."""
    old = repo.old_api_keys(conn, API_KEY_MAX_AGE_DAYS)
    keys = Section(
        f"API keys older than a quarter ({API_KEY_MAX_AGE_DAYS} days): rotate them",
        ["company", "name", "prefix", "created", "age_days", "last_used"],
        old,
    )
    since = repo.installed_at(conn)
    rows = [_schedule_row(kind, repo.last_rotation(conn, kind), since) for kind in SCHEDULE]
    current, earlier = sealed_state(conn, box)
    rows.append(
        ("sealed provider keys", f"{current} under the current key", f"{earlier} under earlier keys", "", "")
    )
    schedule = Section("Rotation schedule", ["secret", "last_rotated", "every", "due", "status"], rows)
    return [keys, schedule]


def _schedule_row(kind: str, last: datetime | None, since: datetime | None) -> tuple[str, str, str, str, str]:
    every = SCHEDULE[kind]
    start = last or since
    due = start + every if start else None
    status = "OVERDUE" if due and due < utcnow() else "ok"
    shown = last.date().isoformat() if last else f"never (installed {since.date() if since else '?'})"
    return (NAMES[kind], shown, f"{every.days} days", due.date().isoformat() if due else "now", status)
