"""Audio of a meeting transcribed through the gateway is governed and billed like any AI call, tagged
``meeting_processing`` (not ``transcription``, which is what a key's own call is)."""

from __future__ import annotations

import httpx
import psycopg
from bench.mock_upstream import MockUpstream

from aipair.composition import Runtime
from aipair.config import Settings
from aipair.db.urls import libpq
from tests.fixtures.live_gateway import with_mock_provider
from tests.fixtures.tenants import Tenant
from tests.meetings.helpers import processed_through_gateway, sample


async def test_a_meetings_audio_is_transcribed_through_the_gateway_and_billed_as_meeting_processing(
    client: httpx.AsyncClient, runtime: Runtime, settings: Settings, tenant: Tenant
) -> None:
    upstream = MockUpstream()
    port = await upstream.start()
    configured = with_mock_provider(settings, port, "openai", "whisper-1", transcription_model="whisper-1")
    detail = await processed_through_gateway(
        client, runtime, configured, tenant, "call.wav", sample("spoken.wav"), "audio/wav"
    )
    assert detail["status"] == "done", detail
    assert upstream.behaviour.calls == {"/v1/audio/transcriptions": 1}
    with psycopg.connect(libpq(runtime.urls.owner)) as conn:
        rows = conn.execute(
            "SELECT operation, status, public_model, provider, cost_micro_usd FROM usage_events"
            " WHERE company_id = %s",
            [tenant.id],
        ).fetchall()
    # The mock reports 3 s of audio; whisper-1 costs $0.006 a minute, 100 micro-USD a second.
    assert rows == [("meeting_processing", "succeeded", "whisper-1", "openai", 300)]
