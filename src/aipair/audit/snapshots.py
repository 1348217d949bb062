"""JSON-safe pictures of rows for the ``before``/``after`` of an audit entry; secrets never appear."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect

# Columns whose values must never reach the audit trail (hashes of secrets included).
REDACTED = frozenset({"password_hash", "key_hash", "token_hash"})


def json_safe(value: Any) -> Any:
    """``value`` with UUIDs, times, decimals and enums turned into JSON scalars."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return json_safe(value.value)
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, Iterable):
        return [json_safe(v) for v in value]
    return str(value)


def snapshot(row: object | None, only: Iterable[str] | None = None) -> dict[str, Any] | None:
    """The loaded column values of an ORM ``row`` (or only the named ones), without secret columns.

    Reads only what is already loaded (never a lazy load, which async sessions forbid): a column
    the database refreshes on flush, such as ``updated_at``, is simply left out.
    """
    if row is None:
        return None
    state = inspect(row)
    loaded = state.dict
    names = [attr.key for attr in state.mapper.column_attrs]
    if only is not None:
        wanted = set(only)
        names = [n for n in names if n in wanted]
    return {n: json_safe(loaded[n]) for n in names if n not in REDACTED and n in loaded}
