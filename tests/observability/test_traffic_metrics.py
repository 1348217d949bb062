"""Traffic against ``aipair serve --workers 2`` (API routes, AI calls with 429s, upstream errors and a
fallback, one meeting job); then every metric a dashboard panel or an alert rule names is in one scrape,
counting both server processes, and every SQL panel returns rows as the reporting role."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import pytest
from prometheus_client.multiprocess import MultiProcessCollector

from aipair.db.embedded import EmbeddedPostgres
from aipair.kit.local_secrets import local_secret
from tests.fixtures.live_gateway import control
from tests.observability.deploy_files import POSTGRES_DATASOURCE, named_metrics, targets
from tests.observability.platform import (
    PASSWORD,
    Platform,
    data_directory,
    login,
    running_platform,
    samples,
    value,
)

TRANSCRIPT = (
    b"Ana Torres: Good morning, let's review the budget.\nBob Chen: I will send the report by Friday.\n"
)
JOB_METRICS = {"aipair_jobs_runs_total", "aipair_jobs_duration_seconds_bucket"}
"""Counted by ``aipair worker`` (its own scrape target); everything else is in the server's scrape."""
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say hello"}], "max_tokens": 20}


@dataclass
class Traffic:
    platform: Platform
    metrics_dir: Path
    served_ok: int
    refused: int
    company_slug: str


def _company(admin: httpx.Client, slug: str) -> str:
    owner = {"email": f"owner@{slug}.example", "password": PASSWORD}
    body = {"name": slug.title(), "slug": slug, "plan": "ENTERPRISE", "status": "ACTIVE", "owner": owner}
    response = admin.post("/api/companies", json=body)
    assert response.status_code == 201, response.text
    company_id: str = response.json()["id"]
    return company_id


def _owner(platform: Platform, slug: str) -> httpx.Client:
    client = httpx.Client(base_url=platform.url, timeout=30)
    token = login(client, f"owner@{slug}.example", PASSWORD, slug)
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def _key(owner: httpx.Client, **limits: int) -> str:
    response = owner.post("/api/keys", json={"name": f"k-{uuid.uuid4().hex[:6]}", "scopes": ["ai"], **limits})
    assert response.status_code == 201, response.text
    secret: str = response.json()["key"]
    return secret


def _chat(platform: Platform, key: str, model: str = "gpt-4o-mini") -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"}
    return httpx.post(
        f"{platform.url}/v1/chat/completions", json={**CHAT, "model": model}, headers=headers, timeout=30
    )


def _ai_calls(platform: Platform, owner: httpx.Client) -> tuple[int, int]:
    """Successful calls, rate-limit refusals, an upstream 429, upstream errors and a fallback; returns
    how many calls were served and how many the key's limit refused."""
    key, slow_key = _key(owner), _key(owner, requests_per_minute=1)
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: _chat(platform, key), range(12)))
    assert [a.status_code for a in answers] == [200] * 12, answers[0].text
    # One call a minute for this key, counted in each server process (no Redis here): 5 calls, at most
    # one served per process.
    slow = [_chat(platform, slow_key) for _ in range(5)]
    refused = [a for a in slow if a.status_code == 429]
    assert len(refused) >= 3 and all(a.headers["retry-after"] for a in refused)
    primary, _ = platform.upstreams
    control(primary, fail_status=429, fail_count=2)
    limited = _chat(platform, key)
    assert limited.status_code == 429, limited.text
    assert limited.json()["error"]["code"] == "upstream_rate_limited"
    control(primary, fail_status=500, fail_count=2)
    assert _chat(platform, key).status_code in (502, 503)
    control(primary, fail_status=500, fail_count=2)
    assert _chat(platform, key, "resilient").status_code == 200  # served by the backup
    return 12 + (5 - len(refused)) + 1, len(refused)


def _meeting(owner: httpx.Client) -> str:
    files = {"file": ("standup.txt", TRANSCRIPT, "text/plain")}
    response = owner.post("/api/meetings", files=files, data={"date": "2026-03-04", "engine": "local"})
    assert response.status_code == 202, response.text
    meeting_id: str = response.json()["id"]
    deadline = time.monotonic() + 60
    while owner.get(f"/api/meetings/{meeting_id}").json()["status"] != "done":
        assert time.monotonic() < deadline, "the meeting job did not finish"
        time.sleep(0.2)
    return meeting_id


def _spread_over_both_workers(platform: Platform, metrics_dir: Path) -> None:
    """Requests on fresh connections until both server processes have answered some."""
    for _ in range(40):
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda _: httpx.get(f"{platform.url}/health", timeout=10), range(16)))
        if len(_requests_by_process(metrics_dir)) >= 2:
            return
    pytest.fail(f"one server process answered everything: {_requests_by_process(metrics_dir)}")


def _requests_by_process(metrics_dir: Path) -> dict[str, float]:
    """HTTP requests counted by each process, read from that process's own file."""
    counts = {}
    for path in metrics_dir.glob("counter_*.db"):
        total = sum(
            sample.value
            for family in MultiProcessCollector.merge([str(path)])
            for sample in family.samples
            if sample.name == "aipair_http_requests_total"
        )
        if total:
            counts[path.stem.removeprefix("counter_")] = total
    return counts


@pytest.fixture(scope="module")
def traffic() -> Iterator[Traffic]:
    with data_directory("traffic") as data_dir:
        yield from _traffic(data_dir)


def _traffic(data_dir: Path) -> Iterator[Traffic]:
    metrics_dir = data_dir / "metrics"
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoweekday()
    with running_platform(
        data_dir,
        workers=2,
        AIPAIR_METRICS__MULTIPROCESS_DIR=str(metrics_dir),
        AIPAIR_METRICS__SAMPLE_INTERVAL_S="0.2",
        AIPAIR_METRICS__ACTIVITY_FLUSH_S="0.3",
        AIPAIR_SIGNALS__FLUSH_INTERVAL_S="0.3",
        AIPAIR_SIGNALS__WORKING_HOURS_CACHE_S="0",
    ) as platform:
        slug, other = f"acme-{uuid.uuid4().hex[:6]}", f"globex-{uuid.uuid4().hex[:6]}"
        company_id = _company(platform.admin, slug)
        _company(platform.admin, other)
        owner, stranger = _owner(platform, slug), _owner(platform, other)
        # Working days that exclude today: every key call is off hours (an unusual-use signal).
        patched = owner.patch(f"/api/companies/{company_id}", json={"work_days": [tomorrow]})
        assert patched.status_code == 200, patched.text
        served_ok, refused = _ai_calls(platform, owner)
        meeting_id = _meeting(owner)
        assert stranger.get(f"/api/meetings/{meeting_id}").status_code == 404  # a cross-tenant probe
        grant = platform.admin.post(
            "/api/support/grants",
            json={"company_id": company_id, "reason": "customer asked", "ticket_ref": "T-1"},
        )
        assert grant.status_code == 201, grant.text
        as_staff = platform.admin.get("/api/limits", headers={"X-Aipair-Company": company_id})
        assert as_staff.status_code == 200, as_staff.text
        wrong = {"email": "nobody@example.com", "password": "wrong-password-1A"}
        assert httpx.post(f"{platform.url}/auth/login", json=wrong).status_code == 401
        _spread_over_both_workers(platform, metrics_dir)
        time.sleep(1.0)  # signals, activity and samples are written every 0.3 s
        yield Traffic(platform, metrics_dir, served_ok, refused, slug)
        owner.close()
        stranger.close()


def test_every_metric_a_dashboard_or_an_alert_names_is_in_one_scrape(traffic: Traffic) -> None:
    server = {name for name, _ in samples(httpx.get(f"{traffic.platform.url}/metrics").text)}
    assert traffic.platform.worker_metrics_url is not None
    worker = {name for name, _ in samples(httpx.get(traffic.platform.worker_metrics_url).text)}
    named = named_metrics()
    assert len(named) > 30
    missing = sorted(name for name in named - JOB_METRICS if name not in server)
    assert not missing, f"named by dashboards or rules, absent from the server's scrape: {missing}"
    assert named >= JOB_METRICS and worker >= JOB_METRICS


def test_one_scrape_counts_every_server_process(traffic: Traffic) -> None:
    by_process = _requests_by_process(traffic.metrics_dir)
    assert len(by_process) == 2 and all(count > 0 for count in by_process.values())
    scrape = samples(httpx.get(f"{traffic.platform.url}/metrics").text)
    # Nothing else happened meanwhile (the scrape counts itself only once it has been answered).
    assert value(scrape, "aipair_http_requests_total") == sum(by_process.values())


def test_counts_follow_the_traffic(traffic: Traffic) -> None:
    scrape = samples(httpx.get(f"{traffic.platform.url}/metrics").text)
    assert value(scrape, "aipair_ai_requests_total", outcome="success") == traffic.served_ok
    assert value(scrape, "aipair_ai_requests_total", outcome="rate_limited") == 1
    assert value(scrape, "aipair_ai_requests_total", outcome="upstream_error") == 1
    assert value(scrape, "aipair_ai_fallbacks_total", provider="backup") == 1
    assert (
        value(scrape, "aipair_gateway_rejections_total", kind="rate_limited", limit="key_rpm")
        == traffic.refused
    )
    # The mock counts 12 prompt tokens per call; the fallback's provider has no price: model "other".
    openai_calls = traffic.served_ok - 1
    assert (
        value(scrape, "aipair_ai_tokens_total", model="gpt-4o-mini", direction="input") == 12 * openai_calls
    )
    assert value(scrape, "aipair_ai_requests_total", provider="backup", model="other", outcome="success") == 1
    assert value(scrape, "aipair_ai_cost_micro_usd_total", model="gpt-4o-mini") > 0
    assert (
        value(scrape, "aipair_http_requests_total", route="/v1/chat/completions", status_class="2xx")
        == traffic.served_ok
    )
    assert value(scrape, "aipair_auth_failed_logins_total") == 1
    assert value(scrape, "aipair_security_events_total", kind="cross_tenant_probe") == 1
    assert value(scrape, "aipair_support_actions_total", access="read") >= 1
    assert value(scrape, "aipair_security_unusual_key_use_total", reason="off_hours") >= 1
    assert value(scrape, "aipair_auth_active_principals", kind="key") >= 2
    assert value(scrape, "aipair_auth_active_principals", kind="user") >= 2
    assert value(scrape, "aipair_jobs_queue_depth", state="succeeded") >= 1
    assert value(scrape, "aipair_db_connections", state="idle") >= 1
    build = [dict(labels) for name, labels in scrape if name == "aipair_build_info"]
    migration = httpx.get(f"{traffic.platform.url}/health/db").json()["database"]["migration"]
    assert len(build) == 1 and build[0]["migration_head"] == migration["current"] == migration["head"]
    assert traffic.platform.worker_metrics_url is not None
    worker = samples(httpx.get(traffic.platform.worker_metrics_url).text)
    assert value(worker, "aipair_jobs_runs_total", job="meetings.process_meeting", outcome="succeeded") == 1


def _expand(sql: str) -> str:
    """Grafana's PostgreSQL macros, as Grafana expands them for the last six hours."""
    sql = re.sub(r"\$__timeFilter\((\w+)\)", r"\1 BETWEEN now() - interval '6 hours' AND now()", sql)
    return sql.replace("$__timeFrom()", "(now() - interval '6 hours')").replace("$__timeTo()", "now()")


def test_every_sql_panel_returns_rows_as_the_reporting_role(traffic: Traffic) -> None:
    server = EmbeddedPostgres(traffic.platform.data_dir, port=0)
    password = local_secret(traffic.platform.data_dir, "db_reporting_password")
    url = server.url("aipair_reporting", password)
    panels = list(targets(POSTGRES_DATASOURCE))
    assert len(panels) >= 5
    with psycopg.connect(url) as conn:
        for name, title, target in panels:
            rows = conn.execute(_expand(target["rawSql"])).fetchall()
            assert rows, f"{name} › {title} returned no rows"
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT * FROM usage_events LIMIT 1")
