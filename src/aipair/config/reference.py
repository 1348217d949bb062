"""The settings reference, written from the settings classes themselves.

``python -m aipair.config.reference > docs/settings.md`` regenerates ``docs/settings.md``; a test fails
when a setting has no description or the file is out of date. Each setting's description is the
docstring written under it in ``config/``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from aipair.config import Settings
from aipair.config.providers import ModelTarget, ProviderConfig

PREFIX = "AIPAIR_"
JSON_STRUCTURES: tuple[type[BaseModel], ...] = (ProviderConfig, ModelTarget)
"""Models that appear inside JSON-valued settings (``AIPAIR_GATEWAY__PROVIDERS``, ``…__ALIASES``)."""
HEADER = """# Settings

Every setting is an environment variable with the `AIPAIR_` prefix; groups nest with `__`
(`AIPAIR_AUTH__LOCKOUT_THRESHOLD`). A `.env` file in the working directory is read too (see
`.env.example`); the environment wins over it. Values are checked at start-up: a wrong one stops the
process with the setting's name, never its value.

This file is generated from the settings classes (`src/aipair/config/`):
`python -m aipair.config.reference > docs/settings.md`. A test fails when a setting has no description
or this file is out of date.
"""


@dataclass(frozen=True)
class Setting:
    """One environment variable."""

    variable: str
    kind: str
    default: str
    description: str | None


def _group_model(field: FieldInfo) -> type[BaseModel] | None:
    annotation = field.annotation
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _kind(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is not None:
        args = [a for a in get_args(annotation) if a is not type(None)]
        if origin in (dict, list):
            return "JSON"
        if str(origin) == "typing.Literal":
            return " \\| ".join(f"`{a}`" for a in get_args(annotation))
        return " or ".join(_kind(a) for a in args) if args else str(origin)
    if annotation is SecretStr:
        return "secret"
    names = {bool: "true/false", int: "integer", float: "number", str: "text", Path: "path"}
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)).lower())


def _default(field: FieldInfo) -> str:
    if field.default_factory is not None:
        value: Any = field.default_factory()  # type: ignore[call-arg]
    else:
        value = field.default
    if value is PydanticUndefined:
        return "required"
    if value is None:
        return "unset"
    if isinstance(value, BaseModel):
        return "see below"
    if isinstance(value, dict | list):
        return "see below" if value else "`{}`"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def settings_of(
    model: type[BaseModel], path: tuple[str, ...] = ()
) -> Iterator[tuple[type[BaseModel], list[Setting]]]:
    """Each group (the model itself first) with its own settings, depth first."""
    own: list[Setting] = []
    groups: list[tuple[str, type[BaseModel]]] = []
    for name, field in model.model_fields.items():
        group = _group_model(field)
        if group is not None:
            groups.append((name, group))
            continue
        variable = PREFIX + "__".join((*path, name)).upper()
        own.append(Setting(variable, _kind(field.annotation), _default(field), field.description))
    yield model, own
    for name, group in groups:
        yield from settings_of(group, (*path, name))


def _structure_fields(model: type[BaseModel]) -> list[Setting]:
    return [
        Setting(name, _kind(field.annotation), _default(field), field.description)
        for name, field in model.model_fields.items()
    ]


def undocumented() -> list[str]:
    """Settings (and fields of the JSON structures) without a description."""
    missing = [s.variable for _, group in settings_of(Settings) for s in group if not s.description]
    for model in JSON_STRUCTURES:
        missing += [f"{model.__name__}.{s.variable}" for s in _structure_fields(model) if not s.description]
    return missing


def _table(rows: list[Setting]) -> list[str]:
    lines = ["| Variable | Type | Default | Description |", "|---|---|---|---|"]
    for row in rows:
        description = " ".join((row.description or "").split())
        lines.append(f"| `{row.variable}` | {row.kind} | {row.default} | {description} |")
    return lines


def _section_title(model: type[BaseModel], rows: list[Setting]) -> str:
    if model is Settings:
        return "## General"
    prefix = rows[0].variable.rsplit("__", 1)[0] if rows else model.__name__
    return f"## `{prefix}__*`"


def settings_reference() -> str:
    """The whole of ``docs/settings.md``."""
    lines = [HEADER]
    for model, rows in settings_of(Settings):
        if not rows:
            continue
        lines += [_section_title(model, rows), "", " ".join((model.__doc__ or "").split()), ""]
        lines += [*_table(rows), ""]
    lines += ["## Structures inside JSON values", ""]
    for model in JSON_STRUCTURES:
        lines += [f"### `{model.__name__}`", "", " ".join((model.__doc__ or "").split()), ""]
        lines += [*_table(_structure_fields(model)), ""]
    example = {
        "providers": {
            "ollama": {
                "kind": "openai_compat",
                "base_url": "http://localhost:11434/v1",
                "requires_api_key": False,
            }
        },
        "aliases": {"llama": [{"provider": "ollama", "model": "llama3.1"}]},
    }
    lines += ["Example: `AIPAIR_GATEWAY__PROVIDERS='" + json.dumps(example) + "'`", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(settings_reference())
