"""The layering rules of STYLE.md, checked on the source so that a shortcut fails the build.

- A domain reaches another domain through its service, never its repositories (``repository.py``,
  ``*_repository.py``).
- Provider SDKs are imported only in ``gateway/providers/``.
- Endpoints hold no SQL: they call one service method.
- ``app.py`` only wires: it defines no route handlers.
- Every SQL statement lives in a repository (``repository.py``, ``*_repository.py``), or speaks to the
  server itself: ``db/`` (engines, tenant context, bootstrap), the backup tooling (``ops/backups/``:
  catalogs, snapshots, restore points, table checksums) and the database report
  (``observability/db_report.py``: connections, pools, slowest statements).
- No module imports itself through others, not even under ``if TYPE_CHECKING``.
- Only ``auth/`` makes a ``CompanyId``: the membership, token and key checks, and its named producers.

The layers between packages are import-linter contracts (``pyproject.toml``, run by ``make check``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import grimp

SRC = Path(__file__).resolve().parents[1] / "src" / "aipair"
PROVIDER_SDKS = {"openai", "anthropic"}
SQL_STATEMENT = re.compile(
    r"^\s*(SELECT\s|INSERT\s+INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s|WITH\s+\w+\s+AS\s)"
)
SQL_BUILDERS = {"select", "insert", "update", "delete", "text"}
RUNS_SQL = {
    "execute",
    "executemany",
    "fetch",
    "fetchrow",
    "fetchval",
    "scalar",
    "scalars",
    "cursor",
    "prepare",
}
SESSION_SQL = {"get", "add", "add_all", "delete", "merge", "refresh"}
SERVER_REPORTS = {Path("observability/db_report.py")}
"""Modules that read the server's own statistics (``pg_stat_activity``, ``pg_stat_statements``)."""


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


def test_no_module_imports_itself_through_others_even_for_type_checking() -> None:
    graph = grimp.build_graph("aipair", include_external_packages=False)
    looping = sorted(
        f"{module} -> {imported}"
        for module in graph.modules
        for imported in graph.find_modules_directly_imported_by(module)
        if graph.chain_exists(importer=imported, imported=module)
    )
    assert looping == []


def _runs_sql(node: ast.AST) -> bool:
    if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
        return bool({alias.name for alias in node.names} & SQL_BUILDERS)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(SQL_STATEMENT.match(node.value))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        owner = node.func.value
        is_session = isinstance(owner, ast.Name) and owner.id in {"session", "db"}
        return node.func.attr in RUNS_SQL or (is_session and node.func.attr in SESSION_SQL)
    return False


def test_every_sql_statement_is_in_a_repository() -> None:
    offending = sorted(
        str(path)
        for path, tree in modules()
        if path.parts[0] != "db" and path.parts[:2] != ("ops", "backups") and path not in SERVER_REPORTS
        if not path.name.endswith(("repository.py", "models.py"))
        if any(_runs_sql(node) for node in ast.walk(tree))
    )
    assert offending == []


def test_only_auth_makes_a_company_id() -> None:
    offending = sorted(
        f"{path}:{node.lineno}"
        for path, tree in modules()
        if path.parts[0] != "auth"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "CompanyId"
    )
    assert offending == []
