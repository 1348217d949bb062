"""Splitting a transcript into chunks that fit a model's token budget and cover every character.

Canonical text: each segment is rendered as ``"Speaker: text\\n"`` (``"text\\n"`` without a speaker)
and the renderings are concatenated (:func:`render_transcript`). Chunks are consecutive, non-empty
character ranges of that text that tile it exactly: every character belongs to exactly one chunk
(:func:`verify_coverage` checks it). Chunks break at segment boundaries (speaker turns); a segment
whose rendering alone exceeds the budget is cut at a sentence end, else at a space, else hard, into
pieces that each form their own chunk.

Budget invariant: ``estimate_tokens(canonical[chunk.char_start:chunk.char_end]) <= max_tokens``.
Everything is O(total characters).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aipair.meetings.parsing.segments import Segment

_CHARS_PER_TOKEN = 4  # must agree with aipair.kit.text.estimate_tokens
_SENTENCE_ENDS = (". ", "? ", "! ", "… ", ".\n", "?\n", "!\n")


class CoverageError(ValueError):
    """Chunks do not cover the canonical text exactly once (a bug, never a user error)."""


@dataclass(frozen=True, slots=True)
class Chunk:
    """A contiguous slice of the canonical transcript and the segments (or segment pieces) in it.

    ``segments`` keep their original ``index``; a piece of a long segment is a :class:`Segment` with
    the same index, speaker and times and part of the text. ``first_segment``/``last_segment`` are
    inclusive segment indices; ``[char_start, char_end)`` is the covered canonical range.
    """

    index: int
    segments: tuple[Segment, ...]
    first_segment: int
    last_segment: int
    char_start: int
    char_end: int

    @property
    def tokens(self) -> int:
        """Estimated tokens of the covered canonical text (never above the budget it was cut for)."""
        return max(1, -(-(self.char_end - self.char_start) // _CHARS_PER_TOKEN))

    def prompt_text(self) -> str:
        """The chunk as shown to a model: one ``Speaker: text`` line per segment or piece."""
        return "".join(render_segment(s) for s in self.segments)


def render_segment(segment: Segment) -> str:
    """Canonical rendering of one segment: ``"Speaker: text\\n"`` or ``"text\\n"``."""
    return f"{segment.speaker}: {segment.text}\n" if segment.speaker else f"{segment.text}\n"


def render_transcript(segments: Iterable[Segment]) -> str:
    """The canonical transcript text that chunk character ranges refer to."""
    return "".join(render_segment(s) for s in segments)


def chunk_segments(segments: Sequence[Segment], max_tokens: int) -> list[Chunk]:
    """Group ``segments`` into chunks of at most ``max_tokens`` estimated tokens each.

    Greedy and O(n): segments are added to the current chunk until the next one would not fit.
    Raises ``ValueError`` when ``max_tokens < 1``. An empty input gives no chunks.
    """
    if max_tokens < 1:
        raise ValueError("max_tokens must be at least 1")
    budget = max_tokens * _CHARS_PER_TOKEN
    builder = _ChunkBuilder()
    for segment in segments:
        rendered = render_segment(segment)
        if builder.size + len(rendered) > budget:
            builder.flush()
        if len(rendered) <= budget:
            builder.add(segment, len(rendered))
        else:
            for piece, length in _split_segment(segment, rendered, budget):
                builder.add(piece, length)
                builder.flush()
    builder.flush()
    return builder.chunks


class _ChunkBuilder:
    """Accumulates segments into the current chunk; ``flush`` closes it (no-op when empty)."""

    def __init__(self) -> None:
        self.chunks: list[Chunk] = []
        self.current: list[Segment] = []
        self.start = 0
        self.size = 0

    def add(self, segment: Segment, length: int) -> None:
        """Append a segment (or piece) covering ``length`` canonical characters."""
        self.current.append(segment)
        self.size += length

    def flush(self) -> None:
        """Close the current chunk; the next one starts where it ended."""
        if not self.current:
            return
        end = self.start + self.size
        first, last = self.current[0].index, self.current[-1].index
        self.chunks.append(Chunk(len(self.chunks), tuple(self.current), first, last, self.start, end))
        self.current, self.start, self.size = [], end, 0


def _split_segment(segment: Segment, rendered: str, budget: int) -> list[tuple[Segment, int]]:
    """Pieces of an over-long segment as (piece segment, rendered length covered), in order."""
    prefix = len(rendered) - len(segment.text) - 1  # "Speaker: " (or nothing) before the text
    pieces: list[tuple[Segment, int]] = []
    position = 0
    while position < len(rendered):
        cut = _cut_point(rendered, position, budget)
        text = rendered[max(position, prefix) : max(cut, prefix)].strip()
        piece = Segment(segment.index, segment.speaker, segment.start, segment.end, text)
        pieces.append((piece, cut - position))
        position = cut
    return pieces


def _cut_point(rendered: str, position: int, budget: int) -> int:
    """End of the piece starting at ``position``: a sentence end in the window's second half, else
    the last space, else the full window. Scans only the window, so the whole split is linear."""
    limit = position + budget
    if limit >= len(rendered):
        return len(rendered)
    half = position + budget // 2
    sentence_end = max(rendered.rfind(mark, half, limit) for mark in _SENTENCE_ENDS)
    if sentence_end >= 0:
        return sentence_end + 2
    space = rendered.rfind(" ", position + 1, limit)
    return space + 1 if space > position else limit


def verify_coverage(chunks: Sequence[Chunk], total_chars: int) -> None:
    """Raise :class:`CoverageError` unless the chunks' ranges cover ``[0, total_chars)`` exactly once.

    Each range must be non-empty; ranges are checked in order of their start (O(m log m) for m chunks,
    independent of the text length).
    """
    position = 0
    for chunk in sorted(chunks, key=lambda c: (c.char_start, c.char_end)):
        if chunk.char_end <= chunk.char_start:
            raise CoverageError(f"chunk {chunk.index} is empty ({chunk.char_start}..{chunk.char_end})")
        if chunk.char_start < position:
            raise CoverageError(f"characters {chunk.char_start}..{position} are covered twice")
        if chunk.char_start > position:
            raise CoverageError(f"characters {position}..{chunk.char_start} are not covered")
        position = chunk.char_end
    if position != total_chars:
        raise CoverageError(f"characters {position}..{total_chars} are not covered")
