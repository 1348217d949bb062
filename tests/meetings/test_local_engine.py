"""The offline engine turns real-shaped meetings into minutes a user can trust."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from aipair.meetings.chunking import chunk_segments
from aipair.meetings.engines import build_minutes, extract_chunk, prepare_meeting
from aipair.meetings.engines.rules import detect_language
from aipair.meetings.minutes import ActionItem, Minutes, merge_extractions
from aipair.meetings.parsing import Segment, parse_transcript

Read = Callable[[str], bytes]
WEDNESDAY = dt.date(2026, 3, 4)
MONDAY = dt.date(2026, 3, 2)


def _minutes(read: Read, name: str, meeting_date: dt.date = WEDNESDAY, **kwargs: object) -> Minutes:
    segments = parse_transcript(name, read(name))
    attendees = kwargs.pop("attendees", [])
    assert isinstance(attendees, list)
    return build_minutes(segments, meeting_date, None, attendees, None)


def _action(minutes: Minutes, starts_with: str) -> ActionItem:
    matches = [a for a in minutes.action_items if a.task.startswith(starts_with)]
    assert len(matches) == 1, [a.task for a in minutes.action_items]
    return matches[0]


def _segments(*turns: tuple[str | None, str]) -> list[Segment]:
    return [Segment(i, who, None, None, text) for i, (who, text) in enumerate(turns)]


def test_english_sync_action_items_have_owner_due_date_priority_and_source(sample_bytes: Read) -> None:
    minutes = _minutes(sample_bytes, "product_sync.txt")

    mockups = _action(minutes, "Update the onboarding mockups")
    assert (mockups.owner_name, mockups.due_date, mockups.due_text) == (
        "Bob Chen",
        dt.date(2026, 3, 6),
        "by Friday",
    )
    assert mockups.segment_refs == [4]
    assert mockups.priority == "medium"

    pricing = _action(minutes, "Review the pricing page copy")
    assert pricing.owner_name == "Priya Natarajan"  # "Priya, can you…" — addressed by first name
    assert (pricing.due_date, pricing.due_text) == (dt.date(2026, 3, 9), "before next Monday")
    assert pricing.priority == "high"  # "It's urgent." right after the request
    assert pricing.segment_refs == [5]

    # "We need to check the analytics dashboard numbers again." names nobody and no date: discussion,
    # not an action item; "Sure, I can do that." takes Priya's request on, it is not a second task.
    assert len(minutes.action_items) == 2


def test_english_sync_decisions_questions_next_steps_and_header(sample_bytes: Read) -> None:
    minutes = _minutes(sample_bytes, "product_sync.txt")

    assert [(d.text, d.segment_refs) for d in minutes.decisions] == [
        ("We decided to postpone the public launch to April so the onboarding flow can be redesigned.", [3]),
        ("Let's go with a fifteen percent discount for annual plans.", [8]),
    ]
    # "What about the enterprise tier discount?" was answered by the next speaker; this one was not.
    assert [(q.text, q.segment_refs) for q in minutes.open_questions] == [
        ("Who owns the migration guide for existing customers?", [9])
    ]
    assert [n.segment_refs for n in minutes.next_steps] == [[11]]
    assert minutes.attendees == ["Maria Lopez", "Bob Chen", "Priya Natarajan"]
    assert minutes.date == WEDNESDAY
    assert minutes.title.startswith("Meeting 2026-03-04")
    assert minutes.summary
    assert "onboarding" in minutes.topics


def test_teams_request_owner_and_end_of_month(sample_bytes: Read) -> None:
    minutes = _minutes(sample_bytes, "teams.vtt")

    budget = _action(minutes, "Prepare the hiring budget")
    assert (budget.owner_name, budget.due_date, budget.due_text) == (
        "Priya Natarajan",
        dt.date(2026, 3, 31),
        "by the end of the month",
    )
    roadmap = _action(minutes, "Send the roadmap to the board")
    assert (roadmap.owner_name, roadmap.due_date, roadmap.segment_refs) == (
        "Bob Chen",
        dt.date(2026, 3, 5),
        [3],
    )


def test_zoom_named_owner_vocative_and_action_item_label(sample_bytes: Read) -> None:
    minutes = _minutes(sample_bytes, "zoom.vtt")

    contract = _action(minutes, "Send the contract to legal")
    assert (contract.owner_name, contract.due_text, contract.segment_refs) == ("Maria Lopez", "tomorrow", [1])
    usage = _action(minutes, "Collect the usage numbers")
    assert (usage.owner_name, usage.due_date, usage.due_text) == (
        "Bob Chen",
        dt.date(2026, 3, 10),
        "by March 10",
    )
    renewal = _action(minutes, "Draft the renewal proposal")
    assert (renewal.owner_name, renewal.due_date) == ("Bob Chen", dt.date(2026, 3, 20))
    assert [q.text for q in minutes.open_questions] == ["When does the current discount end?"]


def test_srt_trailing_vocative_and_asap(sample_bytes: Read) -> None:
    minutes = _minutes(sample_bytes, "standup.srt")

    fix = _action(minutes, "Fix the flaky tests")
    assert (fix.task, fix.owner_name, fix.priority, fix.due_date) == (
        "Fix the flaky tests ASAP",
        "Priya Natarajan",
        "high",
        None,
    )
    deploy = _action(minutes, "Deploy it to staging")
    assert (deploy.owner_name, deploy.due_date, deploy.segment_refs) == ("Bob Chen", dt.date(2026, 3, 5), [1])


def test_spanish_meeting(sample_bytes: Read) -> None:
    minutes = _minutes(sample_bytes, "reunion_presupuesto.txt", MONDAY)

    quotes = _action(minutes, "Pedir tres presupuestos nuevos")
    assert (quotes.owner_name, quotes.due_date, quotes.due_text, quotes.segment_refs) == (
        "Luis Pérez",
        dt.date(2026, 3, 6),
        "para el viernes",
        [3],
    )
    report = _action(minutes, "Enviar también el informe de costes")
    assert (report.owner_name, report.due_date, report.due_text) == (
        "Luis Pérez",
        dt.date(2026, 3, 3),
        "el 3 de marzo",
    )
    sheet = _action(minutes, "Actualizar la hoja de cálculo")
    assert (sheet.owner_name, sheet.due_date, sheet.priority) == (None, dt.date(2026, 3, 13), "high")
    assert len(minutes.action_items) == 3

    assert [d.segment_refs for d in minutes.decisions] == [[2], [7]]
    assert [q.text for q in minutes.open_questions] == [
        "¿Quién va a hablar con el equipo legal sobre el contrato?"
    ]
    assert [n.segment_refs for n in minutes.next_steps] == [[9]]
    assert minutes.title.startswith("Reunión 2026-03-02")
    assert "presupuesto" in minutes.topics


def test_language_is_detected() -> None:
    assert detect_language("Hay que revisar el contrato y enviar los datos para la reunión") == "es"
    assert detect_language("We need to review the contract and send the data for the meeting") == "en"
    assert detect_language("") == "en"


def test_owner_is_never_invented() -> None:
    segments = _segments(
        ("Ana", "Carlos, can you review the contract by Friday?"),
        ("Ana", "John will send the invoice tomorrow."),
        (None, "I'll prepare the budget tomorrow."),
        ("Bob", "Sure."),
    )
    actions = extract_chunk(segments, WEDNESDAY, "en").action_items

    assert [(a.task, a.owner_name, a.due_text) for a in actions] == [
        ("Review the contract", None, "by Friday"),  # Carlos is not a participant
        ("Prepare the budget", None, "tomorrow"),
    ]


def test_attendee_who_does_not_speak_can_own_an_action() -> None:
    segments = _segments(("Ana", "Carlos will prepare the slides for the board."))
    action = extract_chunk(segments, WEDNESDAY, "en", attendees=["Carlos Ruiz"]).action_items[0]
    assert (action.owner_name, action.task) == ("Carlos Ruiz", "Prepare the slides for the board")


def test_meeting_narration_is_not_an_action_and_negated_decisions_are_not_decisions() -> None:
    segments = _segments(
        ("Ana", "I'll share my screen now. Let me know if you can see it."),
        ("Ana", "Voy a compartir la pantalla."),
        ("Bob", "We haven't decided on the vendor yet. No hemos decidido nada todavía."),
    )
    extraction = extract_chunk(segments, WEDNESDAY, "en")
    assert extraction.action_items == []
    assert extraction.decisions == []


def test_spanish_first_person_and_named_commitments() -> None:
    segments = _segments(
        ("Ana García", "Me encargo de revisar el contrato mañana."),
        ("Luis Pérez", "Ana va a llamar al proveedor el lunes, es urgente."),
        ("Ana García", "Luis, tienes que mandar las facturas antes del 15 de marzo."),
    )
    actions = extract_chunk(segments, MONDAY, None).action_items
    assert [(a.task, a.owner_name, a.due_date, a.priority, a.segment_refs) for a in actions] == [
        ("Revisar el contrato", "Ana García", dt.date(2026, 3, 3), "medium", [0]),
        ("Llamar al proveedor", "Ana García", dt.date(2026, 3, 9), "high", [1]),
        ("Mandar las facturas", "Luis Pérez", dt.date(2026, 3, 15), "medium", [2]),
    ]


def test_repeated_action_is_reported_once_with_every_source() -> None:
    segments = _segments(
        ("Bob", "I'll send the report by Friday."),
        ("Ana", "Great."),
        ("Bob", "I'll send the report by Friday."),
    )
    actions = extract_chunk(segments, WEDNESDAY, "en").action_items
    assert [(a.owner_name, a.segment_refs) for a in actions] == [("Bob", [0, 2])]


def test_minutes_are_deterministic(sample_bytes: Read) -> None:
    assert _minutes(sample_bytes, "product_sync.txt") == _minutes(sample_bytes, "product_sync.txt")


@pytest.mark.parametrize("max_tokens", [30, 60, 400])
def test_chunked_extraction_finds_the_same_actions_and_decisions(sample_bytes: Read, max_tokens: int) -> None:
    prepared = prepare_meeting(parse_transcript("sync.txt", sample_bytes("product_sync.txt")))
    whole = extract_chunk(prepared.segments, WEDNESDAY, "en", attendees=prepared.attendees)
    chunks = chunk_segments(prepared.segments, max_tokens)
    parts = [extract_chunk(c.segments, WEDNESDAY, "en", attendees=prepared.attendees) for c in chunks]
    merged = merge_extractions(parts)

    def found(actions: list[ActionItem]) -> list[tuple[object, ...]]:
        # a reply cut off by a chunk boundary may leave a request less certain, never different
        return [(a.task, a.owner_name, a.due_date, a.priority, a.segment_refs) for a in actions]

    assert found(merged.action_items) == found(whole.action_items)
    assert merged.decisions == whole.decisions


def test_three_hour_meeting_gets_complete_minutes() -> None:
    from bench.meetings_local import generate_vtt

    data = generate_vtt().encode()
    assert generate_vtt().encode() == data  # deterministic input
    segments = parse_transcript("long.vtt", data)
    assert sum(len(s.text.split()) for s in segments) >= 30_000
    minutes = build_minutes(segments, WEDNESDAY, "Quarterly planning", [], None)

    assert minutes.title == "Quarterly planning"
    assert len(minutes.attendees) == 6
    assert minutes.decisions and minutes.action_items and minutes.open_questions and minutes.next_steps
    assert all(a.owner_name is None or a.owner_name in minutes.attendees for a in minutes.action_items)
    assert all(0 <= ref < len(segments) for a in minutes.action_items for ref in a.segment_refs)
    assert all(a.due_text for a in minutes.action_items if a.due_date)
