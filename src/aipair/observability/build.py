"""What is running: the package version, the git revision it was built from, the migration head it expects.

Read once per process (``/health`` does no I/O). The revision comes from ``AIPAIR_BUILD_REVISION`` (set by
the image build), else from git when running from a checkout, else ``unknown``. During a blue/green
rollout ``aipair_build_info`` shows each version next to the other, and ``/health`` tells which one
answered.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from alembic.script import ScriptDirectory

from aipair.observability.metrics import BUILD_INFO

SOURCE_ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class BuildInfo:
    """Version, git revision and migration head of this process."""

    version: str
    revision: str
    migration_head: str

    def as_dict(self) -> dict[str, str]:
        return {"version": self.version, "revision": self.revision, "migration_head": self.migration_head}

    def publish(self) -> None:
        """Set ``aipair_build_info{version, revision, migration_head} 1``."""
        BUILD_INFO.labels(**self.as_dict()).set(1)


def package_version() -> str:
    try:
        return version("aipair")
    except PackageNotFoundError:
        return "unknown"


def git_revision(configured: str | None = None) -> str:
    """``configured`` (from the build), else the checkout's commit, else ``unknown``."""
    if configured:
        return configured
    if not (SOURCE_ROOT / ".git").exists():
        return "unknown"
    try:
        done = subprocess.run(
            ["git", "-C", str(SOURCE_ROOT), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip() or "unknown"


def migration_head() -> str:
    """The newest migration the code knows (what ``aipair db upgrade`` brings the database to)."""
    scripts = SOURCE_ROOT / "migrations"
    if not scripts.is_dir():
        return "unknown"
    return ScriptDirectory(str(scripts)).get_current_head() or "none"


def read_build_info(configured_revision: str | None = None) -> BuildInfo:
    """This process's build information (runs git once when needed)."""
    return BuildInfo(package_version(), git_revision(configured_revision), migration_head())
