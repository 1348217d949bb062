"""Benchmark: the meeting processor on a 3-hour, ~30,000-word meeting, with both engines.

1. The offline ``local`` engine (``bench.meetings_local``: target ≤ 5 s).
2. The ``llm`` engine against a mock OpenAI-compatible upstream on loopback that answers every call
   after 200 ms: chunks go out ``llm_concurrency`` at a time, so the wall time is about
   ``ceil(chunks / concurrency) × 200 ms`` instead of ``chunks × 200 ms``.

Run with ``python -m bench.meetings`` (``make bench`` runs it too).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from typing import Any

import httpx

from aipair.config import MeetingSettings
from aipair.meetings.chunking import chunk_segments, render_transcript, verify_coverage
from aipair.meetings.engines import prepare_meeting
from aipair.meetings.llm import LlmEngine
from aipair.meetings.minutes import assemble_minutes, merge_extractions
from aipair.meetings.parsing import parse_transcript
from bench import meetings_local
from bench.mock_upstream import MockUpstream

CALL_DELAY_S = 0.2
ANSWER = json.dumps(
    {
        "summary": ["The team reviewed the roadmap and agreed on next steps."],
        "decisions": [{"text": "Ship the mobile release first", "segment_refs": []}],
        "action_items": [{"task": "Send the summary to the board", "owner_name": None, "segment_refs": []}],
        "topics": ["roadmap"],
    }
)


class LoopbackModel:
    """A :class:`~aipair.meetings.llm.MeetingModelClient` posting to the mock upstream over HTTP."""

    def __init__(self, client: httpx.AsyncClient, base_url: str) -> None:
        self._client = client
        self._url = f"{base_url}/v1/chat/completions"

    async def chat(self, body: dict[str, Any], *, request_id: str) -> dict[str, Any]:
        response = await self._client.post(self._url, json=body, headers={"x-request-id": request_id})
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        return answer

    def estimate_cost(self, model: str, input_tokens: int, max_output_tokens: int) -> int:
        return 0

    async def budget_headroom(self) -> int | None:
        return None


async def llm_engine_run() -> tuple[int, int, float, int]:
    """(chunks, concurrency, wall seconds, action items) for the 3-hour meeting through the mock."""
    settings = MeetingSettings()
    segments = parse_transcript("meeting.vtt", meetings_local.generate_vtt().encode())
    prepared = prepare_meeting(segments)
    chunks = chunk_segments(prepared.segments, settings.chunk_max_tokens)
    verify_coverage(chunks, len(render_transcript(prepared.segments)))
    upstream = MockUpstream()
    port = upstream.start_in_thread()  # its own loop and thread, like a real upstream
    upstream.behaviour.delay_s = CALL_DELAY_S
    upstream.behaviour.answers = [ANSWER] * len(chunks)
    async with httpx.AsyncClient(timeout=30) as client:
        engine = LlmEngine(
            client=LoopbackModel(client, f"http://127.0.0.1:{port}"),
            model="mock",
            concurrency=settings.llm_concurrency,
            max_output_tokens=settings.llm_max_output_tokens,
            answer_retries=settings.llm_answer_retries,
            meeting_date=dt.date(2026, 3, 4),
            language=prepared.language,
            attendees=prepared.attendees,
        )

        async def progress(done: int) -> None:
            return None

        started = time.perf_counter()
        extractions = await engine.extract_all(chunks, progress)
        minutes = assemble_minutes(
            merge_extractions(extractions), title="Bench", meeting_date=dt.date(2026, 3, 4), attendees=[]
        )
        elapsed = time.perf_counter() - started
    return len(chunks), settings.llm_concurrency, elapsed, len(minutes.action_items)


def run() -> None:
    """Both engines on the same generated 3-hour meeting; prints one line each."""
    meetings_local.run()
    chunks, concurrency, elapsed, _ = asyncio.run(llm_engine_run())
    sequential = chunks * CALL_DELAY_S
    print(
        f"meetings llm engine: {chunks} chunks, concurrency {concurrency}, mock upstream "
        f"{CALL_DELAY_S * 1000:.0f} ms per call: {elapsed:.2f} s (sequential would be {sequential:.1f} s, "
        f"{sequential / elapsed:.1f}x faster)"
    )


if __name__ == "__main__":
    run()
