"""The backup repository in an S3-compatible bucket: a real S3 server (moto) on loopback, its own
process; create, verify and restore round trips, physical and logical."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator

import boto3
import httpx
import psycopg
import pytest

from aipair.config import BackupSettings, Settings
from aipair.db.urls import libpq
from aipair.ops.backups.fingerprint import fingerprint
from aipair.ops.backups.location import wal_archive_dir
from aipair.ops.backups.restore import RecoveryTarget
from aipair.ops.backups.scratch import ScratchServer
from aipair.ops.backups.shipping import ship_wal
from aipair.ops.backups.storage import BucketStorage
from tests.fixtures.live_gateway import free_port
from tests.fixtures.tenants import Tenant
from tests.ops.conftest import Source, aipair
from tests.ops.test_logical_backups import empty_database

BUCKET = "aipair-backups"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(url, timeout=1)
            break
        except httpx.TransportError:
            assert server.poll() is None, "the S3 server exited"
            assert time.monotonic() < deadline, "the S3 server did not start"
            time.sleep(0.2)
    client = boto3.client("s3", endpoint_url=url, region_name="us-east-1", **_keys())
    client.create_bucket(Bucket=BUCKET)
    yield url
    server.terminate()
    server.wait(10)


def _keys() -> dict[str, str]:
    return {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def bucket_settings(source: Source, endpoint: str) -> Settings:
    backup = BackupSettings(
        repository=f"s3://{BUCKET}/production",
        s3_endpoint_url=endpoint,
        s3_access_key_id="testing",  # type: ignore[arg-type]
        s3_secret_access_key="testing",  # type: ignore[arg-type]
    )
    return source.settings.model_copy(update={"backup": backup})


def bucket_env(source: Source, endpoint: str) -> dict[str, str]:
    return source.env(
        AIPAIR_BACKUP__REPOSITORY=f"s3://{BUCKET}/production",
        AIPAIR_BACKUP__S3_ENDPOINT_URL=endpoint,
        AIPAIR_BACKUP__S3_ACCESS_KEY_ID="testing",
        AIPAIR_BACKUP__S3_SECRET_ACCESS_KEY="testing",
    )


def test_logical_round_trip_through_the_bucket(
    source: Source, populated: list[Tenant], s3_endpoint: str
) -> None:
    operations = source.operations(bucket_settings(source, s3_endpoint))
    assert isinstance(operations.storage, BucketStorage)
    with source.owner() as original:
        expected = fingerprint(original)
    manifest = operations.create("logical")
    stored = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **_keys()).list_objects_v2(
        Bucket=BUCKET, Prefix=f"production/backups/{manifest.label}/"
    )
    assert {item["Key"].rsplit("/", 1)[-1] for item in stored["Contents"]} == {
        "aipair.dump",
        "aipair-manifest.json",
    }

    verified = aipair(bucket_env(source, s3_endpoint), "backup", "verify", manifest.label)
    assert f"ok      {manifest.label}" in verified.stdout and "tables with data" in verified.stdout

    target = empty_database(source, "restored_from_bucket")
    operations.restore_database(target, label=manifest.label)
    with psycopg.connect(target) as restored:
        assert fingerprint(restored, manifest.tables) == expected


def test_physical_round_trip_through_the_bucket(
    source: Source, populated: list[Tenant], s3_endpoint: str
) -> None:
    operations = source.operations(bucket_settings(source, s3_endpoint))
    with source.owner() as original:  # nothing writes meanwhile: the backup holds this state
        expected = fingerprint(original)
    manifest = operations.create("physical")
    verified = aipair(bucket_env(source, s3_endpoint), "backup", "verify", manifest.label)
    assert f"ok      {manifest.label}" in verified.stdout

    target = source.settings.data_path / "restored-from-bucket"
    operations.restore_directory(target, RecoveryTarget(), label=manifest.label)
    copy = ScratchServer(target)
    copy.configure({})
    copy.start()
    try:
        with psycopg.connect(copy.url(libpq(source.urls.owner))) as conn:
            assert fingerprint(conn, list(expected)) == expected
    finally:
        copy.stop()


def test_archived_wal_is_shipped_from_the_spool_to_the_bucket(
    source: Source, base_backup: str, s3_endpoint: str
) -> None:
    settings = bucket_settings(source, s3_endpoint)
    spool = wal_archive_dir(settings)
    spool.mkdir(parents=True, exist_ok=True)
    archived = sorted((source.settings.data_path / "backups" / "wal").glob("0*.gz"))[-2:]
    for segment in archived:  # what the archive command leaves in the spool
        shutil.copy(segment.with_name(segment.name + ".sha256"), spool)
        shutil.copy(segment, spool)

    assert ship_wal(settings) == 2
    assert list(spool.iterdir()) == []
    storage = source.operations(settings).storage
    names = {item.key for item in storage.list("wal")}
    for segment in archived:
        assert f"wal/{segment.name}" in names and f"wal/{segment.name}.sha256" in names
        assert storage.read(f"wal/{segment.name}") == segment.read_bytes()
