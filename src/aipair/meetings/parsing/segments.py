"""The unit every transcript format is parsed into."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Segment:
    """One stretch of speech: who spoke (if known), when (if known) and what was said.

    Invariants: ``index`` is the 0-based position in the parsed transcript; ``text`` is non-empty,
    single-spaced and stripped; ``speaker`` is only set when the source names one (never invented);
    ``start``/``end`` are seconds from the start of the recording, ``end >= start`` when both are set.
    """

    index: int
    speaker: str | None
    start: float | None
    end: float | None
    text: str


def collapse_whitespace(text: str) -> str:
    """``text`` with runs of whitespace replaced by one space and stripped (linear)."""
    return " ".join(text.split())


def build_segments(rows: list[tuple[str | None, float | None, float | None, str]]) -> list[Segment]:
    """Number ``(speaker, start, end, text)`` rows into segments, dropping rows whose text is blank."""
    segments: list[Segment] = []
    for speaker, start, end, raw_text in rows:
        text = collapse_whitespace(raw_text)
        if text:
            segments.append(Segment(len(segments), speaker or None, start, end, text))
    return segments
