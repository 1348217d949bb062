"""The audit trail as CSV, for a company's own records."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

from aipair.audit.models import AuditLog

COLUMNS = (
    "seq",
    "created_at",
    "action",
    "actor_type",
    "actor_user_id",
    "actor_key_id",
    "actor_role",
    "target_type",
    "target_id",
    "before",
    "after",
    "reason",
    "ip",
    "user_agent",
    "request_id",
    "id",
    "prev_hash",
    "hash",
)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    text = str(value)
    # A leading = + - @ would make spreadsheets evaluate the cell as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def to_csv(rows: Iterable[AuditLog]) -> str:
    """One header line, then one line per entry, in the order given."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_cell(getattr(row, name)) for name in COLUMNS])
    return out.getvalue()
