"""SQL functions and views live in versioned files beside their domain, and migrations load them.

``src/aipair/<domain>/sql/<name>.v<N>.sql`` holds ``CREATE OR REPLACE FUNCTION <name>`` (or ``VIEW``),
and the helper functions only it calls, if any. The file with the highest ``N`` is the current definition
of everything it creates: the one to read, and the one the database at head holds (a test checks both).
To change a function, copy its newest file to ``v<N+1>``, edit it, and add a migration that executes it
by its reference: ``op.execute(sql_text("<domain>/<name>.v<N+1>"))``. Migrations name exact versions, so
an old migration replayed on an empty database installs the definition of its own time, before later
schema changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
FILE_NAME = re.compile(r"^(?P<name>[a-z_][a-z0-9_]*)\.v(?P<version>[1-9][0-9]*)\.sql$")
CREATES = re.compile(
    r"\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|VIEW)\s+(?:public\.)?([a-z_][a-z0-9_]*)", re.IGNORECASE
)
REFERENCE = re.compile(r"^(?P<domain>[a-z_]+)/(?P<name>[a-z_][a-z0-9_]*)\.v(?P<version>[1-9][0-9]*)$")


class SqlDefinitionError(LookupError):
    """A reference that names no file, or definitions that contradict each other."""


@dataclass(frozen=True, order=True)
class SqlDefinition:
    """One version of one function or view."""

    domain: str
    name: str
    version: int
    root: Path = field(default=PACKAGE_ROOT, compare=False)

    @property
    def reference(self) -> str:
        """``<domain>/<name>.v<N>``, how migrations name it."""
        return f"{self.domain}/{self.name}.v{self.version}"

    @property
    def path(self) -> Path:
        return self.root / self.domain / "sql" / f"{self.name}.v{self.version}.sql"

    def text(self) -> str:
        """The SQL to execute."""
        return self.path.read_text(encoding="utf-8")

    def creates(self) -> set[str]:
        """The functions and views the file creates."""
        return {name.lower() for name in CREATES.findall(self.text())}


def sql_definition(reference: str) -> SqlDefinition:
    """The definition ``"<domain>/<name>.v<N>"``; raises :class:`SqlDefinitionError` when no file has it."""
    match = REFERENCE.match(reference)
    if match is None:
        raise SqlDefinitionError(f"not a definition reference (domain/name.vN): {reference!r}")
    definition = SqlDefinition(match["domain"], match["name"], int(match["version"]))
    if not definition.path.is_file():
        raise SqlDefinitionError(f"no file for {reference}: {definition.path}")
    return definition


def sql_text(reference: str) -> str:
    """The SQL of one definition, for ``op.execute`` in a migration."""
    return sql_definition(reference).text()


def all_definitions(root: Path = PACKAGE_ROOT) -> list[SqlDefinition]:
    """Every versioned file under ``<domain>/sql/``, sorted."""
    found = []
    for path in sorted(root.glob("*/sql/*.sql")):
        match = FILE_NAME.match(path.name)
        if match is None:
            raise SqlDefinitionError(f"{path}: name it <function or view>.v<N>.sql")
        found.append(SqlDefinition(path.parent.parent.name, match["name"], int(match["version"]), root))
    return sorted(found)


def current_definitions(root: Path = PACKAGE_ROOT) -> dict[str, SqlDefinition]:
    """For each function or view, the newest version of the file that creates it; an object created by
    two different current files, or a name kept in two domains, raises."""
    newest: dict[str, SqlDefinition] = {}
    for definition in all_definitions(root):
        known = newest.get(definition.name)
        if known is not None and known.domain != definition.domain:
            domains = f"{known.domain} and {definition.domain}"
            raise SqlDefinitionError(f"{definition.name} is defined in {domains}")
        if known is None or definition.version > known.version:
            newest[definition.name] = definition
    current: dict[str, SqlDefinition] = {}
    for definition in newest.values():
        for name in definition.creates():
            other = current.setdefault(name, definition)
            if other is not definition:
                raise SqlDefinitionError(f"{name} is created by {other.reference} and {definition.reference}")
    return current
