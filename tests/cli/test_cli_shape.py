"""The command line's shape: a fast ``--help``, ``--version``, and errors as one line with a code."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata

APPLICATION = ("sqlalchemy", "fastapi", "asyncpg", "psycopg", "httpx", "uvicorn", "alembic", "redis")
HEAVY = (*APPLICATION, "pydantic", "rich")


def aipair(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AIPAIR_")}
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "aipair", *args],
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


def imported_modules(importtime_stderr: str) -> set[str]:
    return {
        line.rsplit("|", 1)[1].strip()
        for line in importtime_stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if not line.startswith("import time:")]


def test_help_lists_every_group_without_loading_the_application() -> None:
    done = aipair("--help")
    assert done.returncode == 0
    for group in ("serve", "init", "worker", "db", "companies", "users", "audit", "report", "jobs"):
        assert f"  {group} " in done.stdout
    loaded = imported_modules(done.stderr)
    assert [m for m in loaded if m.split(".")[0] in HEAVY] == []
    assert "aipair.composition" not in loaded


def test_help_of_each_group_loads_no_part_of_the_application() -> None:
    for group in ("db", "companies", "users", "audit", "report", "jobs"):
        done = aipair(group, "--help")
        assert done.returncode == 0, done.stderr
        assert "Commands:" in done.stdout
        loaded = imported_modules(done.stderr)
        assert [m for m in loaded if m.split(".")[0] in APPLICATION] == []
        assert "aipair.composition" not in loaded and "aipair.config" not in loaded


def test_version_prints_the_package_version_and_the_git_revision() -> None:
    done = aipair("--version")
    assert done.returncode == 0
    revision = subprocess.run(
        ["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert done.stdout.strip() == f"aipair {metadata.version('aipair')} (revision {revision})"


def test_the_build_names_its_revision_when_it_is_not_a_checkout() -> None:
    done = aipair("--version", env={"AIPAIR_BUILD_REVISION": "0123456789ab"})
    assert done.stdout.strip().endswith("(revision 0123456789ab)")


def test_a_command_used_wrongly_is_one_line_with_its_code_and_exit_2() -> None:
    done = aipair("jobs", "logs", "not-a-uuid")
    assert done.returncode == 2
    assert error_lines(done.stderr) == [
        line for line in error_lines(done.stderr) if line.startswith("error[usage_error]: ")
    ]
    assert len(error_lines(done.stderr)) == 1 and "aipair jobs logs --help" in done.stderr


def test_an_unknown_command_is_one_line() -> None:
    done = aipair("frobnicate")
    assert done.returncode == 2
    assert len(error_lines(done.stderr)) == 1
    assert error_lines(done.stderr)[0].startswith("error[usage_error]: No such command")


def test_invalid_input_is_one_line_with_the_validation_code() -> None:
    done = aipair("companies", "create", "--name", "Acme", "--slug", "Not A Slug!")
    assert done.returncode == 1
    lines = error_lines(done.stderr)
    assert len(lines) == 1 and lines[0].startswith("error[validation_error]: slug:")
    assert "Traceback" not in done.stderr


def test_errors_are_json_lines_when_json_is_asked() -> None:
    done = aipair("frobnicate", "--json")
    lines = error_lines(done.stderr)
    assert len(lines) == 1 and lines[0].startswith('{"error": {"code": "usage_error"')
