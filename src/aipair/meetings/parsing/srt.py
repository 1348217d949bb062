"""SubRip (SRT) transcripts: numbered cues, ``HH:MM:SS,mmm`` timings, ``Name:`` inside the text.

A missing cue number is tolerated when the block starts with its timing line. Formatting tags
(``<i>``, ``<font …>``) and ``{\\an8}`` overrides are stripped, HTML entities decoded.
"""

from __future__ import annotations

from aipair.meetings.errors import TranscriptParseError
from aipair.meetings.parsing.cues import Cue, cues_to_segments, iter_blocks, parse_timing, split_voices
from aipair.meetings.parsing.segments import Segment


def parse_srt(text: str) -> list[Segment]:
    """Segments of an SRT file; raises :class:`TranscriptParseError` with the 1-based line at fault."""
    cues = [_parse_block(first, block) for first, block in iter_blocks(text.split("\n"))]
    return cues_to_segments(cues)


def _parse_block(first: int, block: list[str]) -> Cue:
    head = block[0].strip().lstrip("\ufeff")
    if "-->" in head:
        timing_at = 0
    elif head.isdigit():
        timing_at = 1
        if len(block) < 2:
            raise TranscriptParseError(f"Line {first + 1}: cue {head} has no timing line", line=first + 1)
    else:
        raise TranscriptParseError(f"Line {first}: expected a cue number or timing line", line=first)
    start, end = parse_timing(block[timing_at], first + timing_at)
    parts = split_voices("\n".join(block[timing_at + 1 :]))
    return Cue(first + timing_at, start, end, parts)
