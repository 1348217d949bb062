"""Minutes models: schemas for model answers, validation errors, and merging chunk extractions."""

from __future__ import annotations

import datetime as dt
import json

import jsonschema
import pytest
from pydantic import ValidationError

from aipair.meetings.errors import ModelAnswerInvalid
from aipair.meetings.minutes import (
    CHUNK_EXTRACTION_SCHEMA,
    MINUTES_JSON_SCHEMA,
    ActionItem,
    ChunkExtraction,
    MinuteItem,
    Minutes,
    assemble_minutes,
    merge_extractions,
    validate_chunk_answer,
)

GOOD_ANSWER = {
    "summary": ["The team agreed to delay the launch."],
    "key_points": [{"text": "Onboarding confuses new users.", "segment_refs": [2]}],
    "decisions": [{"text": "Launch moves to April.", "segment_refs": [3]}],
    "action_items": [
        {
            "task": "Update the mockups",
            "owner_name": "Bob Chen",
            "due_date": "2026-03-06",
            "due_text": "by Friday",
            "priority": "high",
            "segment_refs": [4],
        }
    ],
    "next_steps": [],
    "open_questions": [{"text": "Who owns the migration guide?", "segment_refs": [9]}],
    "topics": ["launch", "onboarding"],
}


def test_valid_answer_becomes_an_extraction() -> None:
    extraction = validate_chunk_answer(json.dumps(GOOD_ANSWER))
    assert extraction.action_items[0].due_date == dt.date(2026, 3, 6)
    assert extraction.action_items[0].owner_name == "Bob Chen"
    assert extraction.open_questions[0].segment_refs == [9]


def test_answer_wrapped_in_a_code_fence_is_accepted() -> None:
    raw = "```json\n" + json.dumps(GOOD_ANSWER, indent=2) + "\n```"
    assert validate_chunk_answer(raw) == validate_chunk_answer(json.dumps(GOOD_ANSWER))


def test_broken_json_is_a_clear_model_answer_error() -> None:
    with pytest.raises(ModelAnswerInvalid) as caught:
        validate_chunk_answer('{"decisions": [\n  {"text": "x",}\n]}')
    error = caught.value
    assert error.code == "model_answer_invalid"
    assert error.details["reason"] == "invalid_json"
    assert error.details["line"] == 2
    assert "not valid JSON" in error.message


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"action_items": [{"task": "x", "priority": "urgent"}]}, "action_items.0.priority"),
        ({"action_items": [{"task": "x", "due_date": "2026-03-06"}]}, "action_items.0"),
        (
            {"action_items": [{"task": "x", "due_date": "Friday", "due_text": "Friday"}]},
            "action_items.0.due_date",
        ),
        ({"decisions": ["a bare string"]}, "decisions.0"),
        ({"decisions": [{"text": "x", "segment_refs": [-1]}]}, "decisions.0.segment_refs.0"),
        ({"mood": "happy"}, "mood"),
        ({"topics": "launch"}, "topics"),
    ],
)
def test_schema_violations_name_the_field(change: dict[str, object], loc: str) -> None:
    with pytest.raises(ModelAnswerInvalid) as caught:
        validate_chunk_answer(json.dumps(GOOD_ANSWER | change))
    assert caught.value.details["reason"] == "schema"
    assert caught.value.details["errors"][0]["loc"] == loc
    assert loc in caught.value.message


def test_answer_that_is_not_an_object_is_rejected() -> None:
    with pytest.raises(ModelAnswerInvalid):
        validate_chunk_answer("[1, 2, 3]")


def test_segment_refs_outside_the_chunk_are_rejected() -> None:
    raw = json.dumps(GOOD_ANSWER)
    validate_chunk_answer(raw, segment_range=range(0, 10))
    with pytest.raises(ModelAnswerInvalid) as caught:
        validate_chunk_answer(raw, segment_range=range(0, 5))
    assert caught.value.details["errors"][0]["loc"] == "open_questions.0.segment_refs"


def test_json_schemas_accept_what_the_models_produce_and_reject_bad_priorities() -> None:
    jsonschema.validate(GOOD_ANSWER, CHUNK_EXTRACTION_SCHEMA)
    bad = GOOD_ANSWER | {"action_items": [{"task": "x", "priority": "urgent"}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, CHUNK_EXTRACTION_SCHEMA)
    minutes = Minutes(title="Sync", date=dt.date(2026, 3, 4), attendees=["Ana"])
    jsonschema.validate(minutes.model_dump(mode="json"), MINUTES_JSON_SCHEMA)


def test_due_date_without_the_words_is_refused() -> None:
    with pytest.raises(ValidationError):
        ActionItem(task="Ship", due_date=dt.date(2026, 3, 6))
    assert ActionItem(task="Ship", due_text="end of Q3").due_date is None


def _item(text: str, *refs: int) -> MinuteItem:
    return MinuteItem(text=text, segment_refs=list(refs))


def test_merge_dedupes_case_and_whitespace_insensitively_and_unions_refs() -> None:
    first = ChunkExtraction(
        decisions=[_item("Launch moves to April.", 3)],
        topics=["Launch", "pricing"],
        summary=["We met."],
    )
    second = ChunkExtraction(
        decisions=[_item("launch  moves to april", 12), _item("Hire two engineers", 14)],
        topics=["launch ", "hiring"],
        summary=["we met."],
    )
    merged = merge_extractions([first, second])
    assert merged.decisions == [_item("Launch moves to April.", 3, 12), _item("Hire two engineers", 14)]
    assert merged.topics == ["Launch", "pricing", "hiring"]
    assert merged.summary == ["We met."]


def test_merge_dedupes_action_items_by_task_and_owner() -> None:
    a = ActionItem(task="Send the deck", owner_name="Bob Chen", segment_refs=[4])
    b = ActionItem(
        task="send  the DECK",
        owner_name="bob chen",
        due_date=dt.date(2026, 3, 6),
        due_text="by Friday",
        priority="high",
        segment_refs=[9, 4],
    )
    other_owner = ActionItem(task="Send the deck", owner_name="Priya", segment_refs=[5])
    merged = merge_extractions(
        [ChunkExtraction(action_items=[a]), ChunkExtraction(action_items=[b, other_owner])]
    )

    assert len(merged.action_items) == 2
    combined = merged.action_items[0]
    assert combined.task == "Send the deck"
    assert combined.segment_refs == [4, 9]
    assert (combined.due_date, combined.due_text, combined.priority) == (
        dt.date(2026, 3, 6),
        "by Friday",
        "high",
    )
    assert merged.action_items[1].owner_name == "Priya"


def test_merge_of_nothing_is_empty() -> None:
    assert merge_extractions([]) == ChunkExtraction()


def test_assemble_minutes_keeps_summary_in_transcript_order() -> None:
    merged = ChunkExtraction(
        summary=[
            "The launch budget for the campaign is approved.",
            "Lunch was great.",
            "The campaign launch moves to April with the same budget.",
        ]
    )
    minutes = assemble_minutes(
        merged,
        title="Sync",
        meeting_date=dt.date(2026, 3, 4),
        attendees=["Ana", "ana", "Bob"],
        summary_sentences=2,
    )
    assert minutes.summary == (
        "The launch budget for the campaign is approved. "
        "The campaign launch moves to April with the same budget."
    )
    assert minutes.attendees == ["Ana", "Bob"]
