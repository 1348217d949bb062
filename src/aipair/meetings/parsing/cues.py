"""Pieces shared by the cue formats (WebVTT and SRT): blocks, timing lines, cue text, speakers.

Each cue becomes one segment, or one per ``<v Name>`` voice span when a cue holds several voices.
Consecutive cues of the same speaker are deliberately *not* merged: every segment keeps its cue's own
start and end, and segment indices stay a faithful map back to the file.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

from aipair.meetings.errors import TranscriptParseError
from aipair.meetings.parsing.segments import Segment, build_segments, collapse_whitespace
from aipair.meetings.parsing.speakers import match_label, uses_speaker_turns
from aipair.meetings.parsing.timecodes import parse_clock

_MAX_TIMING_LINE = 256
_TIMING = re.compile(r"\s*(?P<start>\S+)[ \t]+-->[ \t]+(?P<end>\S+)(?:[ \t]+(?P<settings>.*))?")
_VOICE = re.compile(r"<v(?:\.[^\s<>]*)?(?:[ \t]+(?P<name>[^<>]*))?>")
_TAG = re.compile(r"<[^<>]*>")
_ASS_OVERRIDE = re.compile(r"\{\\[^{}]*\}")

Part = tuple[str | None, str]


@dataclass(frozen=True, slots=True)
class Cue:
    """A timed cue: its 1-based line, times in seconds, and its text split by voice (speaker, text)."""

    line: int
    start: float
    end: float
    parts: tuple[Part, ...]


def iter_blocks(lines: list[str]) -> Iterator[tuple[int, list[str]]]:
    """Each run of non-blank lines as (1-based number of its first line, lines)."""
    block: list[str] = []
    first = 0
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if not block:
                first = number
            block.append(line)
        elif block:
            yield first, block
            block = []
    if block:
        yield first, block


def parse_timing(line: str, line_number: int) -> tuple[float, float]:
    """(start, end) seconds of a ``start --> end [settings]`` line; raises with ``line_number``."""
    match = _TIMING.fullmatch(line) if len(line) <= _MAX_TIMING_LINE else None
    if match is None:
        raise TranscriptParseError(f"Line {line_number}: expected 'start --> end'", line=line_number)
    start, end = parse_clock(match["start"]), parse_clock(match["end"])
    if start is None or end is None:
        bad = match["start"] if start is None else match["end"]
        raise TranscriptParseError(f"Line {line_number}: invalid timestamp {bad!r}", line=line_number)
    if end < start:
        raise TranscriptParseError(f"Line {line_number}: cue ends before it starts", line=line_number)
    return start, end


def split_voices(raw: str) -> tuple[Part, ...]:
    """Cue text split at ``<v Name>`` spans, other tags removed and HTML entities decoded."""
    pieces: list[Part] = []
    speaker: str | None = None
    position = 0
    for match in _VOICE.finditer(raw):
        pieces.append((speaker, raw[position : match.start()]))
        name = collapse_whitespace(html.unescape(match["name"] or ""))
        speaker, position = name or None, match.end()
    pieces.append((speaker, raw[position:]))
    cleaned = ((who, _clean(text)) for who, text in pieces)
    return tuple((who, text) for who, text in cleaned if text)


def _clean(text: str) -> str:
    without_tags = _ASS_OVERRIDE.sub("", _TAG.sub("", text))
    return collapse_whitespace(html.unescape(without_tags))


def cues_to_segments(cues: list[Cue]) -> list[Segment]:
    """Segments from cues; Zoom-style ``Name: text`` labels apply only if the file uses them throughout.

    A voice tag always wins. Labels are detected with :func:`uses_speaker_turns` over the unvoiced cue
    texts, so a single "Note: …" caption never turns into a speaker.
    """
    unvoiced = [text for cue in cues for who, text in cue.parts if who is None]
    labels = [match_label(text) for text in unvoiced]
    use_labels = uses_speaker_turns(labels, len(unvoiced))
    rows: list[tuple[str | None, float | None, float | None, str]] = []
    for cue in cues:
        for who, text in cue.parts:
            speaker, body = who, text
            if who is None and use_labels:
                label = match_label(text)
                if label is not None and label.certain:
                    speaker, body = label.speaker, label.rest
            rows.append((speaker, cue.start, cue.end, body))
    return build_segments(rows)
