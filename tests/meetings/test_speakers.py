"""Speaker labels people actually use: honorifics, particles, roles, all caps, groups; never a merged turn."""

from __future__ import annotations

import datetime as dt

import pytest

from aipair.meetings.engines import build_minutes
from aipair.meetings.parsing import Segment, parse_transcript
from aipair.meetings.parsing.names import participant_name

REPRODUCER = (
    "Ana Torres: Good morning, let's start with the budget for the next quarter.\n"
    "Mr. Luc d'Arcy: I will send the revised budget to the committee by Friday.\n"
    "Ana Torres: Thank you, that works for everyone here.\n"
    "Hon. Maria Santos (Minister of Public Works and Government Services): I'll publish the new guidelines"
    " next week.\n"
    "Ana Torres: Good, we decided to hold the next session on Monday.\n"
)


def test_honorific_and_role_labels_are_separate_speakers_who_own_their_commitments() -> None:
    segments = parse_transcript("committee.txt", REPRODUCER.encode())
    minutes = build_minutes(segments, dt.date(2026, 3, 4), None, [], None)

    assert len(segments) == 5
    assert minutes.attendees == ["Ana Torres", "Mr. Luc d'Arcy", "Hon. Maria Santos"]
    owners = {a.task: (a.owner_name, a.due_date) for a in minutes.action_items}
    assert owners == {
        "Send the revised budget to the committee": ("Mr. Luc d'Arcy", dt.date(2026, 3, 6)),
        "Publish the new guidelines": ("Hon. Maria Santos", dt.date(2026, 3, 13)),
    }
    assert [d.text for d in minutes.decisions] == ["Good, we decided to hold the next session on Monday."]
    assert [d.segment_refs for d in minutes.decisions] == [[4]]


@pytest.mark.parametrize(
    ("label", "speaker", "person"),
    [
        (
            "Mr. Luc d'Arcy (Beauport—Limoilou, CPC)",
            "Mr. Luc d'Arcy (Beauport—Limoilou, CPC)",
            "Mr. Luc d'Arcy",
        ),
        ("The Chair (Mr. Tom Kmiec)", "The Chair (Mr. Tom Kmiec)", "Mr. Tom Kmiec"),
        ("Dr. Helen O'Neill", "Dr. Helen O'Neill", "Dr. Helen O'Neill"),
        ("Prof. Pieter van der Berg", "Prof. Pieter van der Berg", "Prof. Pieter van der Berg"),
        ("Sra. María de la Cruz", "Sra. María de la Cruz", "Sra. María de la Cruz"),
        ("El señor DE LA FUENTE MARTÍN", "El señor DE LA FUENTE MARTÍN", "Sr. De la Fuente Martín"),
        (
            "La señora MINISTRA DE VIVIENDA (Rodríguez García)",
            "La señora MINISTRA DE VIVIENDA (Rodríguez García)",
            "Sra. Rodríguez García",
        ),
        ("AMARA OKAFOR", "AMARA OKAFOR", "Amara Okafor"),
        ("Project Manager", "Project Manager", "Project Manager"),
        ("Grad B", "Grad B", "Grad B"),
        ("SPEAKER_01", "SPEAKER_01", "SPEAKER_01"),
        ("Some hon. members", "Some hon. members", None),
    ],
)
def test_labels_become_speakers_and_name_the_person(label: str, speaker: str, person: str | None) -> None:
    data = f"{label}: First thing said.\nAna Ruiz: Second.\n{label}: Third thing said.\n"
    segments = parse_transcript("t.txt", data.encode())
    assert [s.speaker for s in segments] == [speaker, "Ana Ruiz", speaker]
    assert participant_name(speaker) == person


def test_a_label_the_parser_is_unsure_of_starts_a_turn_without_speaker() -> None:
    data = (
        "Ana Ruiz: I will review the contract tomorrow.\n"
        "Speaker for the vendor: We will ship the fix on Friday.\n"
        "Bob Chen: Thanks.\n"
        "Ana Ruiz: Good.\n"
    )
    segments = parse_transcript("t.txt", data.encode())
    assert segments[1] == Segment(
        1, None, None, None, "Speaker for the vendor: We will ship the fix on Friday."
    )
    minutes = build_minutes(segments, dt.date(2026, 3, 4), None, [], None)
    assert {a.owner_name for a in minutes.action_items} == {"Ana Ruiz", None}


def test_a_speaker_who_is_a_given_attendee_keeps_the_attendees_spelling() -> None:
    segments = parse_transcript("t.txt", REPRODUCER.encode())
    minutes = build_minutes(segments, dt.date(2026, 3, 4), None, ["Maria Santos", "Luc d'Arcy"], None)
    assert minutes.attendees == ["Maria Santos", "Luc d'Arcy", "Ana Torres"]
    assert {a.owner_name for a in minutes.action_items} == {"Maria Santos", "Luc d'Arcy"}
