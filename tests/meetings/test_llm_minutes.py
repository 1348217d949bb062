"""The ``llm`` engine reads what the local engine reads and its answers obey the same rules.

Model answers are recorded (``recorded/*.answer.json``): once through a fake model client, and once
served by a mock OpenAI-compatible upstream on loopback behind the real gateway.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import httpx
from bench.mock_upstream import MockUpstream

from aipair.composition import Runtime
from aipair.config import Settings
from aipair.meetings.chunking import chunk_segments
from aipair.meetings.engines import prepare_meeting
from aipair.meetings.llm import LlmEngine
from aipair.meetings.parsing import parse_transcript
from tests.fixtures.live_gateway import with_mock_provider
from tests.fixtures.tenants import Tenant
from tests.meetings.fake_model import FakeModel
from tests.meetings.helpers import processed_through_gateway, sample

RECORDED = Path(__file__).parent / "recorded"
MARKUP = ("{", "}", "_", " 's", " .", " ,", "Um")


def strings(value: Any) -> list[str]:
    """Every string value inside ``value`` (ids excluded)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for key, v in value.items() if not key.endswith("id") for t in strings(v)]
    if isinstance(value, list):
        return [t for v in value for t in strings(v)]
    return []


def recorded(name: str) -> str:
    return (RECORDED / f"{name}.answer.json").read_text(encoding="utf-8")


def committee_engine(model: FakeModel) -> tuple[LlmEngine, Any]:
    segments = parse_transcript("committee.txt", sample("committee_markup.txt"))
    prepared = prepare_meeting(segments)
    engine = LlmEngine(model, "mock", 2, 800, 0, dt.date(2026, 3, 4), prepared.language, prepared.attendees)
    return engine, chunk_segments(prepared.segments, 3000)[0]


async def test_the_model_reads_clean_turns_under_the_participants_names() -> None:
    model = FakeModel(answer=lambda body: recorded("committee_markup"))
    engine, chunk = committee_engine(model)
    await engine.extract(chunk)

    prompt = model.calls[0]["messages"][1]["content"]
    assert prompt.startswith("Participants: Mr. Tom Kmiec, Mr. Luc d'Arcy, Hon. Maria Santos\n")
    assert "[2] Hon. Maria Santos: I'll send the revised schedule to the clerk by Friday.\n" in prompt
    assert "[3] Hear!\n" in prompt  # a group speaks under no name
    assert not [mark for mark in ("{", "(Minister", " 's", " .", "I I'll") if mark in prompt]
    assert "write in the transcript's language (en)" in model.calls[0]["messages"][0]["content"].lower()


async def test_a_recorded_answer_is_cleaned_and_owners_are_participants_or_nobody() -> None:
    engine, chunk = committee_engine(FakeModel(answer=lambda body: recorded("committee_markup")))
    extraction = await engine.extract(chunk)

    assert [(a.task, a.owner_name, a.confidence) for a in extraction.action_items] == [
        ("Send the revised schedule to the clerk", "Hon. Maria Santos", 0.9),
        ("Provide the breakdown of consultant spending in writing", None, 0.6),  # not a participant
    ]
    texts = [*extraction.summary, *(d.text for d in extraction.decisions), *extraction.topics]
    assert texts == [
        "The minister said the procurement system is two years late.",
        "The committee adopted the motion.",
        "The motion is carried.",
        "procurement system",
        "LCD",
    ]


async def test_through_the_gateway_the_stored_minutes_are_clean_with_language_and_confidence(
    client: httpx.AsyncClient, runtime: Runtime, settings: Settings, tenant: Tenant
) -> None:
    upstream = MockUpstream()
    port = await upstream.start()
    upstream.behaviour.answers = [recorded("committee_markup")]
    configured = with_mock_provider(settings, port, "mock", "mock-chat", llm_model="mock-chat")
    data = sample("committee_markup.txt") + b"\nThe Chair (Mr. Tom Kmiec): Adjourned .\n"
    detail = await processed_through_gateway(
        client, runtime, configured, tenant, "committee.txt", data, engine="llm"
    )

    assert detail["status"] == "done" and detail["language"] == "en", detail
    assert [(i["owner_name"], i["confidence"], i["due_date"]) for i in detail["action_items"]] == [
        ("Hon. Maria Santos", 0.9, "2026-03-06"),
        (None, 0.6, None),
    ]
    minutes = detail["minutes"]
    assert minutes["attendees"] == ["Mr. Tom Kmiec", "Mr. Luc d'Arcy", "Hon. Maria Santos"]
    assert not [(m, t) for t in strings(minutes) for m in MARKUP if m in t]
    sources = detail["action_items"][0]["sources"]
    assert (
        sources[0]["text"] == "Yes . I I 'll send the revised schedule to the clerk by Friday . {vocalsound}"
    )
