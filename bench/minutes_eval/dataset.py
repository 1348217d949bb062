"""The evaluation set: meetings written for it, each with its gold minutes (``set/<id>.gold.json``).

A gold file names its transcript (``file``), its language, kind and split (``dev``: written before
the engine's rules and used while writing them; ``heldout``: written afterwards and never used to
change a rule; ``blind``: in ``set/blind/``, written by someone who had not read the rules), the
meeting date, the attendees given at upload (if any), and the gold action items
(task, owner as the minutes should name them, due date or null), decisions, open questions and a
short reference summary. ``set/README.md`` states the annotation rules.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aipair.meetings.engines import build_minutes
from aipair.meetings.minutes import Minutes
from aipair.meetings.parsing import parse_transcript

SET = Path(__file__).parent / "set"
BLIND = SET / "blind"


@dataclass(frozen=True, slots=True)
class GoldAction:
    """An action item as a careful minute-taker would write it."""

    task: str
    owner: str | None
    due: dt.date | None


@dataclass(frozen=True, slots=True)
class GoldMeeting:
    """One meeting of the set and its gold minutes."""

    id: str
    language: str
    kind: str
    split: str
    date: dt.date
    transcript: Path
    attendees: tuple[str, ...]
    actions: tuple[GoldAction, ...]
    decisions: tuple[str, ...]
    open_questions: tuple[str, ...]
    summary: str


def _action(raw: dict[str, Any]) -> GoldAction:
    due = dt.date.fromisoformat(raw["due"]) if raw.get("due") else None
    return GoldAction(raw["task"], raw.get("owner"), due)


def _meeting(path: Path) -> GoldMeeting:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return GoldMeeting(
        id=raw["id"],
        language=raw["language"],
        kind=raw["kind"],
        split=raw["split"],
        date=dt.date.fromisoformat(raw["date"]),
        transcript=path.parent / raw["file"],
        attendees=tuple(raw.get("attendees", [])),
        actions=tuple(_action(a) for a in raw["action_items"]),
        decisions=tuple(raw["decisions"]),
        open_questions=tuple(raw.get("open_questions", [])),
        summary=raw["summary"],
    )


def load_set(directory: Path = SET) -> list[GoldMeeting]:
    """Every meeting of ``directory`` (the set written with the rules by default), ordered by id."""
    return [_meeting(path) for path in sorted(directory.glob("*.gold.json"))]


def load_all() -> list[GoldMeeting]:
    """The set written with the rules, then its blind part."""
    return [*load_set(SET), *load_set(BLIND)]


def minutes_of(meeting: GoldMeeting) -> Minutes:
    """What the ``local`` engine writes for ``meeting`` (no title or language given, as on upload)."""
    segments = parse_transcript(meeting.transcript.name, meeting.transcript.read_bytes())
    return build_minutes(segments, meeting.date, None, list(meeting.attendees), None)
