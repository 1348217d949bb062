"""The command line against the test database, as an operator's console runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from aipair.composition import Runtime
from aipair.config import Settings
from tests.auth.conftest import client_from, owner_sql, sign_in  # noqa: F401  (shared fixtures)

Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli(settings: Settings, data_dir: Path, runtime: Runtime) -> Cli:
    """Run ``aipair …`` on the test database; ``stdin`` and extra environment variables optional."""
    assert settings.database_url is not None
    base = {k: v for k, v in os.environ.items() if not k.startswith("AIPAIR_")}
    base.update(
        AIPAIR_DATABASE_URL=settings.database_url.get_secret_value(),
        AIPAIR_DATA_DIR=str(data_dir),
        AIPAIR_AUTH__ARGON2_MEMORY_KIB="1024",
        AIPAIR_AUTH__ARGON2_TIME_COST="1",
    )

    def run(*args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "aipair", *args],
            env={**base, **env},
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )

    return run
