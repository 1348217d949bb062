"""A gateway that dies between reservation and settlement: the worker closes what it left open."""

from __future__ import annotations

import uuid

import psycopg
from sqlalchemy import text

from aipair.composition import Runtime
from aipair.config import Settings, WorkerSettings
from aipair.db.engine import DbContext, transaction
from aipair.db.urls import libpq
from aipair.usage.service import Reservation
from aipair.usage.tasks import expire_reservations
from aipair.usage.tasks import jobs as usage_jobs
from aipair.worker.registry import JobRegistry, load_registry
from aipair.worker.runner import Worker
from aipair.worker.schedules import with_intervals
from tests.fixtures.tenants import Tenant
from tests.fixtures.usage import reservation as make_reservation

COST = 7_000
FAST = WorkerSettings(poll_interval_s=0.05, lease_s=1.0, shutdown_grace_s=0.2)


def reservation(company_id: uuid.UUID) -> Reservation:
    return make_reservation(company_id, COST)


def owner_sql(settings: Settings, sql: str, *params: object) -> list[tuple[object, ...]]:
    assert settings.database_url is not None
    with psycopg.connect(libpq(settings.database_url.get_secret_value())) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def event(settings: Settings, r: Reservation) -> tuple[object, ...]:
    rows = owner_sql(
        settings,
        "SELECT status, cost_micro_usd, error_code FROM usage_events"
        " WHERE company_id = %s AND request_id = %s",
        r.company_id,
        r.request_id,
    )
    return rows[0]


def counters(settings: Settings, company_id: uuid.UUID) -> tuple[object, ...]:
    rows = owner_sql(
        settings,
        "SELECT reserved_micro_usd, cost_micro_usd FROM usage_counters"
        " WHERE company_id = %s AND api_key_id = '00000000-0000-0000-0000-000000000000'",
        company_id,
    )
    return rows[0]


async def run_expiry_job(runtime: Runtime) -> None:
    registry = JobRegistry()
    registry.add(usage_jobs)
    async with transaction(runtime.sessions, DbContext()) as session:
        await expire_reservations.defer(session)
    await Worker(runtime.services, registry, FAST, concurrency=1).run_until_idle()


async def test_reservations_a_dead_gateway_left_open_are_billed_as_abandoned_in_every_company(
    runtime: Runtime, settings: Settings, tenant: Tenant, other_tenant: Tenant
) -> None:
    stale = [reservation(tenant.id), reservation(other_tenant.id)]
    fresh = reservation(tenant.id)
    for r in [*stale, fresh]:
        await runtime.usage.reserve(r)  # and the process "dies": nobody settles them
    minutes = settings.gateway.abandoned_reservation_minutes
    for r in stale:
        owner_sql(
            settings,
            "UPDATE usage_events SET created_at = now() - make_interval(mins => %s)"
            " WHERE company_id = %s AND request_id = %s",
            minutes + 1,
            r.company_id,
            r.request_id,
        )

    await run_expiry_job(runtime)

    for r in stale:
        assert event(settings, r) == ("abandoned", COST, "outcome_unknown")
    assert event(settings, fresh) == ("reserved", 0, None)
    assert counters(settings, tenant.id) == (COST, COST)  # the fresh one still held, the stale one billed
    assert counters(settings, other_tenant.id) == (0, COST)
    daily = owner_sql(
        settings,
        "SELECT sum(requests), sum(cost_micro_usd) FROM usage_daily WHERE company_id = %s",
        tenant.id,
    )
    assert daily == [(1, COST)]  # visible in the usage reports now


async def test_the_app_role_cannot_close_requests_still_in_flight(
    runtime: Runtime, settings: Settings, other_tenant: Tenant
) -> None:
    in_flight = reservation(other_tenant.id)
    await runtime.usage.reserve(in_flight)
    async with transaction(runtime.sessions, DbContext()) as session:
        await session.execute(text("SELECT gateway_expire_reservations(interval '0 seconds')"))
    assert event(settings, in_flight) == ("reserved", 0, None)


async def test_with_a_one_minute_setting_reservations_past_a_minute_are_closed_and_younger_ones_kept(
    runtime: Runtime, settings: Settings, tenant: Tenant
) -> None:
    old, young = reservation(tenant.id), reservation(tenant.id)
    for r, seconds in ((old, 90), (young, 30)):
        await runtime.usage.reserve(r)
        owner_sql(
            settings,
            "UPDATE usage_events SET created_at = now() - make_interval(secs => %s)"
            " WHERE company_id = %s AND request_id = %s",
            seconds,
            r.company_id,
            r.request_id,
        )

    await runtime.usage.expire_abandoned(older_than_minutes=1)

    assert event(settings, old) == ("abandoned", COST, "outcome_unknown")
    assert event(settings, young) == ("reserved", 0, None)


def test_the_expiry_runs_every_minute_unless_the_settings_say_otherwise() -> None:
    schedules = {s.job_name: s for s in load_registry().schedules}
    assert schedules["usage.expire_reservations"].every_s == 60
    changed = with_intervals(list(schedules.values()), {"usage.expire_reservations": 20})
    assert {s.job_name: s.every_s for s in changed}["usage.expire_reservations"] == 20
    assert {s.job_name: s.every_s for s in changed}["worker.prune_jobs"] == schedules[
        "worker.prune_jobs"
    ].every_s
