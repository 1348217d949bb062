"""The worker takes the daily backup (verified), and the gauges the backup-age alert reads follow it."""

from __future__ import annotations

from aipair.observability import metrics
from aipair.ops.gauges import refresh_gauges
from aipair.ops.maintenance.state import MaintenanceState
from aipair.ops.tasks import create_backup
from aipair.worker.registry import load_registry
from aipair.worker.runner import Worker
from tests.fixtures.staff import make_staff
from tests.fixtures.tenants import Tenant, make_tenant
from tests.ops.conftest import Source, running


def test_the_worker_schedules_backups_retention_and_drills() -> None:
    every = {schedule.job_name: schedule.every_s for schedule in load_registry().schedules}
    assert every["ops.create_backup"] == 24 * 3600
    assert every["ops.prune_backups"] == 24 * 3600
    assert every["ops.run_drill"] == 7 * 24 * 3600


async def test_the_daily_backup_job_stores_a_verified_backup_and_the_gauge_shows_it(
    source: Source, populated: list[Tenant]
) -> None:
    before = {listed.manifest.label for listed in source.operations().backups()}
    async with running(source) as (runtime, client):
        async with runtime.sessions() as session, session.begin():
            job = await create_backup.defer(session)
        worker = Worker(runtime.services, load_registry(), source.settings.worker, concurrency=1)
        await worker.run_until_idle()
        async with runtime.sessions() as session:
            state = await runtime.jobs.get(session, job.id)
            assert state is not None and state.state == "succeeded", state.last_error if state else None

        [new] = [item for item in source.operations().backups() if item.manifest.label not in before]
        assert new.manifest.kind == "physical" and new.verification is not None and new.verification.ok
        with source.owner() as conn:
            row = conn.execute(
                "SELECT verified_ok, finished_at FROM ops_backups WHERE label = %s", [new.manifest.label]
            ).fetchone()
        assert row is not None and row[0] is True
        admin = await make_staff(runtime, "SUPER_ADMIN")
        overview = await client.get("/api/ops/backups", headers=admin.auth())
        assert overview.status_code == 200, overview.text
        listed = {b["label"]: b for b in overview.json()["backups"]}
        assert (
            listed[new.manifest.label]["verified_ok"] is True
            and listed[new.manifest.label]["kind"] == "physical"
        )
        owner = (await make_tenant(runtime)).auth("OWNER")  # a fresh sign-in (the session's may be old)
        customer = await client.get("/api/ops/backups", headers=owner)
        assert customer.status_code == 403

        await refresh_gauges(runtime.sessions, runtime.incidents, MaintenanceState())
        assert metrics.BACKUP_LAST_SUCCESS._value.get() >= row[1].timestamp()
        scraped = (await client.get("/metrics")).text
        assert "aipair_backup_last_success_timestamp_seconds" in scraped
        assert 'aipair_incidents_open{severity="P0"}' in scraped
