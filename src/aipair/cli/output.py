"""What commands that print data print: lines for people, or with ``--json`` one JSON document for
programs (on standard output; errors stay one line on standard error, as JSON too).

A command takes ``as_json: bool = JSON`` and ends with ``emit(as_json, data, lines)``: ``data`` is what
the lines show, as lists, dicts, dataclasses or Pydantic models; ids, times and amounts become strings.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum
from typing import Any

import typer

JSON = typer.Option(False, "--json", help="Print one JSON document instead of text (for scripts)")


def emit(as_json: bool, data: Any, lines: Iterable[str]) -> None:
    """Print ``data`` as JSON when asked, else the text ``lines``."""
    if as_json:
        typer.echo(json.dumps(data, default=_json_default, ensure_ascii=False))
        return
    for line in lines:
        typer.echo(line)


def _json_default(value: Any) -> Any:
    """Values JSON has no type for: models and dataclasses as objects, the rest as strings."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)  # Decimal, UUID, paths, addresses
