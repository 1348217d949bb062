"""Plain-text transcripts: ``Name: text`` turns, or prose without speakers.

When the file uses speaker turns (heuristic in :mod:`aipair.meetings.parsing.speakers`), every turn
line starts a segment and the following non-turn lines (wrapped text, blank lines, "Note: …") continue
it; lines before the first turn form a segment without speaker. A line whose label is uncertain
starts a segment without speaker that keeps the whole line, so it never joins the previous turn.
Otherwise no speaker is ever set and each paragraph (text between blank lines) is one segment.
Plain text has no end times; a leading clock ("[00:01:05] Ana: …") gives the start.
"""

from __future__ import annotations

from aipair.meetings.parsing.segments import Segment, build_segments
from aipair.meetings.parsing.speakers import SpeakerLabel, match_label, uses_speaker_turns

Row = tuple[str | None, float | None, float | None, str]


def parse_plain(text: str) -> list[Segment]:
    """Segments of a plain-text transcript (may be empty; the caller decides about emptiness)."""
    lines = text.split("\n")
    labels = [match_label(line, allow_clock=True) if line.strip() else None for line in lines]
    nonempty = sum(1 for line in lines if line.strip())
    if uses_speaker_turns(labels, nonempty):
        return build_segments(_turn_rows(lines, labels))
    return build_segments(_paragraph_rows(lines))


def _turn_rows(lines: list[str], labels: list[SpeakerLabel | None]) -> list[Row]:
    rows: list[Row] = []
    speaker: str | None = None
    start: float | None = None
    parts: list[str] = []
    for line, label in zip(lines, labels, strict=True):
        if label is None:
            parts.append(line)
            continue
        rows.append((speaker, start, None, " ".join(parts)))
        if label.certain:
            speaker, start, parts = label.speaker, label.start, [label.rest]
        else:
            speaker, start, parts = None, label.start, [line]
    rows.append((speaker, start, None, " ".join(parts)))
    return rows


def _paragraph_rows(lines: list[str]) -> list[Row]:
    rows: list[Row] = []
    parts: list[str] = []
    for line in lines:
        if line.strip():
            parts.append(line)
        elif parts:
            rows.append((None, None, None, " ".join(parts)))
            parts = []
    rows.append((None, None, None, " ".join(parts)))
    return rows
