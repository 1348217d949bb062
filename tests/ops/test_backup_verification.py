"""``aipair backup verify`` names what is wrong with a backup, and ``restore`` refuses to use it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from aipair.config import Settings
from aipair.db.urls import DatabaseUrls, libpq
from tests.ops.conftest import Source, aipair, repository, switch_wal


def damaged_copy(source: Source, name: str) -> Path:
    """A copy of the repository to damage (the original stays good for the other tests)."""
    copy = source.settings.data_path / name
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(repository(source), copy)
    return copy


def test_a_flipped_byte_is_named_and_the_backup_is_not_restored(source: Source, base_backup: str) -> None:
    copy = damaged_copy(source, "repo-flipped-byte")
    tarball = copy / "backups" / base_backup / "base.tar.gz"
    data = bytearray(tarball.read_bytes())
    data[len(data) // 2] ^= 0x01
    tarball.write_bytes(bytes(data))
    env = source.env(AIPAIR_BACKUP__REPOSITORY=str(copy))

    verified = aipair(env, "backup", "verify", base_backup, check=False)
    assert verified.returncode == 1
    assert f"backups/{base_backup}/base.tar.gz is damaged: SHA-256" in verified.stdout

    target = source.settings.data_path / "restore-from-flipped"
    restored = aipair(env, "backup", "restore", "--latest", "--target-dir", str(target), check=False)
    assert restored.returncode == 1
    assert "cannot be restored" in restored.stderr and "base.tar.gz is damaged" in restored.stderr
    assert not target.exists()


def test_a_missing_wal_segment_is_named_and_the_backup_is_not_restored(
    source: Source, base_backup: str
) -> None:
    switch_wal(source, times=3)
    copy = damaged_copy(source, "repo-missing-wal")
    segments = sorted(p for p in (copy / "wal").glob("*.gz") if len(p.name) == 27)
    missing = segments[-2]  # not the newest: a restore would replay past it
    missing.unlink()
    env = source.env(AIPAIR_BACKUP__REPOSITORY=str(copy))

    verified = aipair(env, "backup", "verify", base_backup, check=False)
    assert verified.returncode == 1
    assert f"WAL segment {missing.name.removesuffix('.gz')} is missing from the archive" in verified.stdout

    target = source.settings.data_path / "restore-without-wal"
    restored = aipair(env, "backup", "restore", "--latest", "--target-dir", str(target), check=False)
    assert restored.returncode == 1
    assert f"WAL segment {missing.name.removesuffix('.gz')} is missing" in restored.stderr
    assert not target.exists()


def test_an_intact_backup_verifies_with_its_wal(source: Source, base_backup: str) -> None:
    verified = aipair(source.env(), "backup", "verify", base_backup)
    assert f"ok      {base_backup}" in verified.stdout
    listed = aipair(source.env(), "backup", "list").stdout
    assert base_backup in listed and "ok (" in listed


def test_status_shows_the_platform_archiving_every_segment(source: Source) -> None:
    switch_wal(source)
    shown = aipair(source.env(), "backup", "status").stdout
    assert "archive_mode = on" in shown and "archive_timeout = 5" in shown
    assert "wal_command.sh" in shown and "PROBLEM" not in shown
    assert "archiver: last archived 0000" in shown


def test_status_names_a_server_that_does_not_archive(settings: Settings, urls: DatabaseUrls) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIPAIR_")}
    env.update(AIPAIR_DATABASE_URL=urls.owner, AIPAIR_DATA_DIR=str(settings.data_path))
    shown = aipair(env, "backup", "status", check=False)  # the shared test server archives nothing
    assert shown.returncode == 1
    assert "PROBLEM: archive_mode is off: no point-in-time recovery" in shown.stdout
    assert "PROBLEM: archive_timeout is 0" in shown.stdout


def test_restore_refuses_the_running_production_database(source: Source, base_backup: str) -> None:
    source.operations().create("logical")
    env = source.env()
    over_directory = aipair(
        env, "backup", "restore", "--latest", "--target-dir", str(source.server.pgdata), check=False
    )
    assert over_directory.returncode == 1
    assert "running production data directory: pass --force" in over_directory.stderr
    over_database = aipair(env, "backup", "restore", "--target-db", libpq(source.urls.owner), check=False)
    assert over_database.returncode == 1
    assert "that is the production database: pass --force" in over_database.stderr
    with source.owner() as conn:  # untouched, still serving
        assert conn.execute("SELECT count(*) > 0 FROM companies").fetchone() == (True,)
