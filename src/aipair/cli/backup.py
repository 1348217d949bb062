"""``aipair backup``: create, list, verify, restore, prune, drill, mark (the runbook's backup section)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import typer

from aipair.cli.errors import USAGE, CliError, parse_time

if TYPE_CHECKING:
    from aipair.ops.backups.service import BackupOperations

app = typer.Typer(help="Backups, point-in-time recovery and restore drills.", no_args_is_help=True)
Kind = Literal["physical", "logical"]


class BarProgress:
    """Progress of a backup command as a bar on the terminal."""

    def __init__(self) -> None:
        from rich.progress import (
            BarColumn,
            Progress,
            TaskID,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            transient=True,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> BarProgress:
        self._bar.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._bar.stop()

    def stage(self, description: str, total: int | None = None) -> None:
        if self._task is not None:
            self._bar.update(self._task, visible=False)
        self._task = self._bar.add_task(description, total=total)

    def advance_to(self, completed: int) -> None:
        if self._task is not None:
            self._bar.update(self._task, completed=completed)

    def advance_by(self, amount: int) -> None:
        if self._task is not None:
            self._bar.advance(self._task, amount)

    def note(self, message: str) -> None:
        self._bar.console.print(message)


@contextmanager
def operations() -> Iterator[BackupOperations]:
    """Backup operations on the configured database and repository, with a progress bar."""
    from aipair.cli.support import database, settings
    from aipair.ops.backups.service import BackupOperations

    config = settings()
    with database(config) as urls, BarProgress() as bar:
        yield BackupOperations(config, urls, bar)


def fail(message: str, code: str = "backup_failed", exit_code: int = 1) -> None:
    raise CliError(code, message, exit_code)


def human_size(value: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def age(moment: datetime) -> str:
    from aipair.kit.clock import utcnow

    seconds = (utcnow() - moment).total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


@app.command("create")
def create(
    kind: Kind | None = typer.Option(None, help="physical (point-in-time) or logical (pg_dump -Fc)"),
) -> None:
    """Take a backup now (default: physical on the embedded server, logical on an external one)."""
    with operations() as ops:
        manifest = ops.create(kind)
        where = ops.storage.describe()
    typer.echo(f"{manifest.label}: {manifest.kind}, {human_size(manifest.size)}, stored in {where}")


@app.command("list")
def list_backups() -> None:
    """Every backup in the repository: kind, age, size, and the outcome of its latest verification."""
    with operations() as ops:
        listed = ops.backups()
        where = ops.storage.describe()
    typer.echo(f"repository {where}: {len(listed)} backups")
    typer.echo(f"{'label':<32} {'kind':<9} {'age':>9} {'size':>10}  verified")
    for item in listed:
        check = item.verification
        verified = "never" if check is None else ("ok" if check.ok else "FAILED")
        if check is not None:
            verified += f" ({age(check.verified_at)} ago)"
        manifest = item.manifest
        typer.echo(
            f"{manifest.label:<32} {manifest.kind:<9} {age(manifest.finished_at):>9}"
            f" {human_size(manifest.size):>10}  {verified}"
        )


@app.command("verify")
def verify(label: str | None = typer.Argument(None, help="One backup (default: every backup)")) -> None:
    """Check each backup: SHA-256 of every file, the cluster files against the base backup's own
    manifest or the dump with pg_restore --list, and every archived WAL segment a restore needs.
    Exits 1 when a problem is found."""
    with operations() as ops:
        try:
            results = ops.verify(label)
        except LookupError as exc:
            fail(str(exc), "backup_not_found")
            return
    for result in results:
        wal = f", {result.wal_segments} WAL segments" if result.manifest.kind == "physical" else ""
        typer.echo(f"{'ok     ' if result.ok else 'FAILED '} {result.manifest.label}{wal}")
        for problem in result.problems:
            typer.echo(f"        {problem}")
        if result.contents:
            tables = [line for line in result.contents.splitlines() if " TABLE DATA " in line]
            typer.echo(f"        pg_restore --list: {len(tables)} tables with data")
    if any(not r.ok for r in results):
        raise typer.Exit(1)


@app.command("restore")
def restore(
    to_time: str | None = typer.Option(
        None, "--to-time", help='Point in time, e.g. "2026-12-06 10:30:00+00"'
    ),
    latest: bool = typer.Option(False, "--latest", help="Up to the newest archived transaction"),
    target_dir: Path | None = typer.Option(None, "--target-dir", help="Data directory to restore into"),
    target_db: str | None = typer.Option(None, "--target-db", help="Database URL (logical backups)"),
    label: str | None = typer.Option(None, "--backup", help="Backup label (default: the newest suitable)"),
    force: bool = typer.Option(False, "--force", help="Replace the production database (asks to confirm)"),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation with --force"),
) -> None:
    """Restore a physical backup into a data directory (to a time or the latest), or a logical one
    into a database. Refuses a damaged backup, missing WAL, or the running production database."""
    from aipair.ops.backups.restore import BackupUnusable, RecoveryTarget
    from aipair.ops.backups.scratch import RecoveryFailed
    from aipair.ops.backups.service import RefusedRestore

    if (target_dir is None) == (target_db is None):
        fail("give exactly one of --target-dir (physical) or --target-db (logical)", "bad_usage", USAGE)
    if target_dir is not None and (to_time is None) == (not latest):
        fail("give exactly one of --to-time or --latest", "bad_usage", USAGE)
    if force and not yes:
        typer.confirm("This replaces the production database. Continue?", abort=True)
    with operations() as ops:
        try:
            if target_db is not None:
                ops.restore_database(target_db, label=label, force=force)
                typer.echo(f"restored into {target_db.rpartition('@')[2]}")
                return
            assert target_dir is not None
            target = RecoveryTarget(time=parse_time(to_time))
            seconds = ops.restore_directory(target_dir.resolve(), target, label=label, force=force)
        except BackupUnusable as exc:
            fail(str(exc), "backup_unusable")
            return
        except RefusedRestore as exc:
            fail(str(exc), "restore_refused")
            return
        except (RecoveryFailed, LookupError) as exc:
            fail(str(exc), "restore_failed")
            return
    typer.echo(f"restored to {target.describe()} into {target_dir} in {seconds:.1f} s")


@app.command("status")
def status() -> None:
    """Whether the database archives its WAL into the repository (archive_mode, archive_timeout, the
    platform's archive command) and how the archiver keeps up; exits 1 when point-in-time recovery is
    not possible."""
    with operations() as ops:
        state = ops.archive_status()
        where = ops.storage.describe()
        backups = ops.backups()
    typer.echo(f"repository: {where} ({len(backups)} backups)")
    for name, value in sorted(state.settings.items()):
        typer.echo(f"  {name} = {value}")
    archived = (
        f"{state.last_archived_wal} {age(state.last_archived_at)} ago" if state.last_archived_at else "none"
    )
    typer.echo(f"archiver: last archived {archived}; failures {state.failed_count}")
    for problem in state.problems:
        typer.echo(f"PROBLEM: {problem}")
    if state.problems:
        raise typer.Exit(1)


@app.command("mark")
def mark(name: str | None = typer.Argument(None, help="Name of the restore point")) -> None:
    """Write a restore point and record every table's rows and checksum at it; a drill to its time
    compares the restored copy with exactly that state."""
    with operations() as ops:
        point = ops.mark(name)
    typer.echo(f"{point.name}: {point.at.isoformat(sep=' ')} (WAL {point.lsn}, {len(point.tables)} tables)")


@app.command("drill")
def drill(
    to_time: str | None = typer.Option(None, "--to-time", help="A marked time (default: mark now)"),
    kind: Kind | None = typer.Option(
        None, help="logical: restore the newest dump (default when no physical)"
    ),
) -> None:
    """Restore into a scratch server, compare every table with the source at the target, verify the
    audit chains, and print the measured RTO and RPO against the runbook. Exits 1 when it fails."""
    with operations() as ops:
        report = ops.drill(parse_time(to_time), kind)
    for line in report.lines():
        typer.echo(line)
    if not report.passed:
        raise typer.Exit(1)


@app.command("prune")
def prune(days: int | None = typer.Option(None, "--keep-days", min=1, help="Retention (default 30)")) -> None:
    """Delete backups older than the retention (the newest of each kind stays) and the WAL no kept
    base backup needs."""
    with operations() as ops:
        removed = ops.prune(days)
    typer.echo(f"removed {len(removed)} backups" + (f": {', '.join(removed)}" if removed else ""))
