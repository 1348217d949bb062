"""The ``llm`` engine: bounded concurrency, retried malformed answers, failing chunks, budget waits.

Most tests use a fake :class:`MeetingModelClient`; the last one goes through the real gateway to a
mock OpenAI-compatible upstream on loopback and checks the call is billed once, tagged for meetings.
"""

from __future__ import annotations

import datetime as dt

import httpx
import psycopg
import pytest
from bench.mock_upstream import MockUpstream

from aipair.composition import Runtime
from aipair.config import Settings
from aipair.db.urls import libpq
from aipair.meetings.chunking import chunk_segments
from aipair.meetings.errors import ModelAnswerInvalid
from aipair.meetings.llm import LlmEngine, MeetingModelClient
from aipair.meetings.parsing import Segment
from aipair.meetings.pipeline import MeetingPipeline
from tests.fixtures.live_gateway import with_mock_provider
from tests.fixtures.tenants import Tenant
from tests.meetings.fake_model import FakeModel, extraction_for
from tests.meetings.helpers import processed_through_gateway, run_jobs, sample, upload


def segments(count: int) -> list[Segment]:
    return [
        Segment(i, "Bob Chen" if i % 2 else "Ana", None, None, f"Point number {i} about the roadmap.")
        for i in range(count)
    ]


def engine(client: MeetingModelClient, retries: int = 2) -> LlmEngine:
    return LlmEngine(client, "mock", 4, 500, retries, dt.date(2026, 3, 4), "en", ("Ana", "Bob Chen"))


async def test_chunks_run_at_most_four_at_a_time_and_keep_their_order() -> None:
    fake = FakeModel(delay_s=0.05)
    chunks = chunk_segments(segments(40), 30)
    done: list[int] = []

    async def progress(count: int) -> None:
        done.append(count)

    results = await engine(fake).extract_all(chunks, progress)
    assert len(chunks) >= 10 and fake.peak == 4
    assert [r.decisions[0].segment_refs[0] for r in results] == [c.first_segment for c in chunks]
    assert done == list(range(1, len(chunks) + 1))


async def test_a_malformed_answer_is_asked_again_with_the_problem_stated() -> None:
    answers = iter(
        ["not json at all", '{"decisions": [{"text": "x", "segment_refs": [999]}]}', '{"topics": ["a"]}']
    )
    fake = FakeModel(answer=lambda body: next(answers))
    chunk = chunk_segments(segments(3), 1000)[0]
    result = await engine(fake).extract(chunk)
    assert result.topics == ["a"] and len(fake.calls) == 3
    last_prompt = fake.calls[-1]["messages"][-1]["content"]
    assert "cites unknown segments" in last_prompt


async def test_a_chunk_that_never_answers_validly_fails_the_whole_run() -> None:
    fake = FakeModel(answer=lambda body: "{broken")
    chunks = chunk_segments(segments(20), 30)

    async def progress(count: int) -> None:
        return None

    with pytest.raises(ModelAnswerInvalid):
        await engine(fake, retries=1).extract_all(chunks, progress)
    assert len(fake.calls) <= 2 * len(chunks)


def with_model(runtime: Runtime, fake: FakeModel) -> Runtime:
    """The runtime, with a meeting pipeline whose model is ``fake``."""
    pipeline = MeetingPipeline(
        runtime.sessions,
        runtime.settings.meetings,
        runtime.members,
        lambda p: fake,
        lambda p: [],
        audit=runtime.audit,
    )
    return runtime.replacing(meeting_pipeline=pipeline)


async def test_llm_meetings_get_minutes_and_a_failing_chunk_fails_the_job(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    good = await upload(
        client, tenant, "EMPLOYEE", "a.vtt", sample("teams.vtt") + b"\nNOTE a\n", engine="llm"
    )
    await run_jobs(with_model(runtime, FakeModel()))
    detail = (await client.get(f"/api/meetings/{good.json()['id']}", headers=tenant.auth("EMPLOYEE"))).json()
    assert detail["status"] == "done" and detail["engine"] == "llm"
    assert detail["action_items"][0]["task"] == "Follow up on segment 0"
    assert detail["estimated_cost_micro_usd"] > 0
    bad = await upload(client, tenant, "EMPLOYEE", "b.vtt", sample("teams.vtt") + b"\nNOTE b\n", engine="llm")
    with psycopg.connect(libpq(runtime.urls.owner)) as conn:
        conn.execute("UPDATE jobs SET max_attempts = 1 WHERE id = %s", [bad.json()["job"]["id"]])
    await run_jobs(with_model(runtime, FakeModel(answer=lambda body: "[]")))
    failed = (await client.get(f"/api/meetings/{bad.json()['id']}", headers=tenant.auth("EMPLOYEE"))).json()
    assert failed["status"] == "failed" and failed["job"]["state"] == "failed"
    assert (
        "model_answer_invalid" in failed["job"]["last_error"]
        or "ModelAnswerInvalid" in failed["job"]["last_error"]
    )
    assert failed["minutes"] is None


async def test_over_budget_the_meeting_waits_and_says_why_then_resumes(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    accepted = await upload(
        client, tenant, "EMPLOYEE", "c.vtt", sample("teams.vtt") + b"\nNOTE c\n", engine="llm"
    )
    poor = FakeModel(headroom=10)
    await run_jobs(with_model(runtime, poor))
    waiting = (
        await client.get(f"/api/meetings/{accepted.json()['id']}", headers=tenant.auth("ADMIN"))
    ).json()
    assert waiting["status"] == "awaiting_budget" and poor.calls == []
    assert waiting["error"]["code"] == "awaiting_budget" and "budget" in waiting["error"]["message"]
    assert (waiting["job"]["state"], waiting["job"]["attempts"], waiting["job"]["stage"]) == (
        "queued",
        0,
        "awaiting budget",
    )
    with psycopg.connect(libpq(runtime.urls.owner)) as conn:
        conn.execute("UPDATE jobs SET run_after = now() WHERE id = %s", [accepted.json()["job"]["id"]])
    await run_jobs(with_model(runtime, FakeModel(headroom=10**9)))
    done = (await client.get(f"/api/meetings/{accepted.json()['id']}", headers=tenant.auth("ADMIN"))).json()
    assert done["status"] == "done" and done["error"] is None


async def test_through_the_gateway_to_a_mock_upstream_each_chunk_is_billed_once(
    client: httpx.AsyncClient, runtime: Runtime, settings: Settings, tenant: Tenant
) -> None:
    upstream = MockUpstream()
    port = await upstream.start()
    upstream.behaviour.answers = [extraction_for({"messages": [{}, {"content": "[0] x"}]})]
    configured = with_mock_provider(settings, port, "mock", "mock-chat", llm_model="mock-chat")
    data = sample("teams.vtt") + b"\nNOTE d\n"
    detail = await processed_through_gateway(client, runtime, configured, tenant, "d.vtt", data, engine="llm")
    assert detail["status"] == "done", detail
    assert detail["action_items"][0]["owner_name"] == "Bob Chen"
    assert upstream.behaviour.calls == {"/v1/chat/completions": 1}
    with psycopg.connect(libpq(runtime.urls.owner)) as conn:
        rows = conn.execute(
            "SELECT operation, status, public_model FROM usage_events WHERE company_id = %s", [tenant.id]
        ).fetchall()
    assert rows == [("meeting_processing", "succeeded", "mock-chat")]
