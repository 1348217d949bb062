"""The layering rules of STYLE.md, checked on the source so that a shortcut fails the build.

- A domain reaches another domain through its service, never its repositories (``repository.py``,
  ``*_repository.py``).
- Provider SDKs are imported only in ``gateway/providers/``.
- Endpoints hold no SQL: they call one service method.
- ``app.py`` only wires: it defines no route handlers.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "aipair"
PROVIDER_SDKS = {"openai", "anthropic"}


def modules() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(SRC.rglob("*.py")):
        yield path.relative_to(SRC), ast.parse(path.read_text(), filename=str(path))


def imported(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def domain_of(path: Path) -> str | None:
    return path.parts[0] if len(path.parts) > 1 else None


def test_the_sources_are_found() -> None:
    assert len(list(modules())) > 100


def test_no_module_uses_another_domains_repository() -> None:
    offending = [
        f"{path}: {name}"
        for path, tree in modules()
        for name in imported(tree)
        if (parts := name.split("."))[0] == "aipair"
        and len(parts) >= 3
        and (parts[2] == "repository" or parts[2].endswith("_repository"))
        and parts[1] != domain_of(path)
    ]
    assert offending == []


def test_provider_sdks_are_imported_only_by_the_provider_adapters() -> None:
    offending = [
        f"{path}: {name}"
        for path, tree in modules()
        for name in imported(tree)
        if name.split(".")[0] in PROVIDER_SDKS and path.parts[:2] != ("gateway", "providers")
    ]
    assert offending == []


def test_endpoints_run_no_sql() -> None:
    offending = [
        f"{path}: {name}"
        for path, tree in modules()
        if path.name.endswith("endpoints.py")
        for name in imported(tree)
        if name.split(".")[0] in {"sqlalchemy", "asyncpg", "psycopg"} and not name.endswith("AsyncSession")
    ]
    assert offending == []


def test_app_module_only_wires() -> None:
    tree = ast.parse((SRC / "app.py").read_text())
    handlers = [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef)
        for decorator in node.decorator_list
        if isinstance(decorator, ast.Call)
        and isinstance(decorator.func, ast.Attribute)
        and decorator.func.attr in {"get", "post", "put", "patch", "delete"}
    ]
    assert handlers == []
