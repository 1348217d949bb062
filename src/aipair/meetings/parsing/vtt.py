"""WebVTT transcripts (Teams ``<v Name>`` voices, Zoom ``Name: text`` cues, plain captions).

Handled: the ``WEBVTT`` header and its header lines, cue identifiers, timestamps with or without
hours, cue settings after the timing, ``NOTE``/``STYLE``/``REGION`` blocks, voice spans including
classes (``<v.loud Name>``) and ``</v>``, any other tag stripped, HTML entities decoded.
"""

from __future__ import annotations

from aipair.meetings.errors import TranscriptParseError
from aipair.meetings.parsing.cues import Cue, cues_to_segments, iter_blocks, parse_timing, split_voices
from aipair.meetings.parsing.segments import Segment

_SKIPPED_BLOCKS = ("NOTE", "STYLE", "REGION")


def parse_vtt(text: str) -> list[Segment]:
    """Segments of a WebVTT file; raises :class:`TranscriptParseError` with the 1-based line at fault."""
    lines = text.split("\n")
    header = lines[0].lstrip("\ufeff")
    if not header.startswith("WEBVTT") or header[6:7] not in ("", " ", "\t"):
        raise TranscriptParseError("Line 1: a WebVTT file must start with 'WEBVTT'", line=1)
    cues: list[Cue] = []
    blocks = iter_blocks(lines)
    next(blocks, None)  # the header block: "WEBVTT" and its optional header lines
    for first, block in blocks:
        cue = _parse_block(first, block)
        if cue is not None:
            cues.append(cue)
    return cues_to_segments(cues)


def _is_skipped(line: str) -> bool:
    return any(
        line.startswith(kw) and line[len(kw) : len(kw) + 1] in ("", " ", "\t") for kw in _SKIPPED_BLOCKS
    )


def _parse_block(first: int, block: list[str]) -> Cue | None:
    if _is_skipped(block[0]):
        return None
    if "-->" in block[0]:
        timing_at = 0
    elif len(block) > 1 and "-->" in block[1]:
        timing_at = 1  # block[0] is a cue identifier
    else:
        line = first + min(1, len(block) - 1)
        raise TranscriptParseError(f"Line {line}: expected a cue timing line ('start --> end')", line=line)
    start, end = parse_timing(block[timing_at], first + timing_at)
    parts = split_voices("\n".join(block[timing_at + 1 :]))
    return Cue(first + timing_at, start, end, parts)
