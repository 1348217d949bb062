"""Chunks respect the token budget, break at speaker turns and cover every character exactly once."""

from __future__ import annotations

import random

import pytest

from aipair.kit.text import estimate_tokens
from aipair.meetings.chunking import (
    Chunk,
    CoverageError,
    chunk_segments,
    render_segment,
    render_transcript,
    verify_coverage,
)
from aipair.meetings.parsing import Segment, parse_transcript

WORDS = ("budget", "launch", "we", "decided", "the", "Friday.", "okay?", "x" * 37, "¿qué?", "año", "I'll")
SPEAKERS = ("Maria Lopez", "Bob", None, "Ana García")


def _random_segments(rng: random.Random, count: int, max_words: int) -> list[Segment]:
    segments = []
    for index in range(count):
        words = [rng.choice(WORDS) for _ in range(rng.randint(1, max_words))]
        segments.append(Segment(index, rng.choice(SPEAKERS), None, None, " ".join(words)))
    return segments


def _assert_chunks_are_sound(segments: list[Segment], chunks: list[Chunk], max_tokens: int) -> None:
    canonical = render_transcript(segments)
    verify_coverage(chunks, len(canonical))
    assert [c.index for c in chunks] == list(range(len(chunks)))
    for chunk in chunks:
        covered = canonical[chunk.char_start : chunk.char_end]
        assert estimate_tokens(covered) <= max_tokens
        assert chunk.tokens == estimate_tokens(covered)
        assert chunk.first_segment == chunk.segments[0].index
        assert chunk.last_segment == chunk.segments[-1].index
    # Whole segments appear in exactly one chunk, in order; pieces keep their segment's index.
    seen = [s.index for c in chunks for s in c.segments]
    assert sorted(set(seen)) == [s.index for s in segments]
    assert seen == sorted(seen)


@pytest.mark.parametrize("seed", range(12))
def test_random_transcripts_are_covered_exactly_once_at_many_budgets(seed: int) -> None:
    rng = random.Random(seed)
    segments = _random_segments(rng, rng.randint(1, 150), max_words=rng.choice([3, 40, 250]))
    for max_tokens in (1, 3, 17, 64, 250, 1000, 100_000):
        _assert_chunks_are_sound(segments, chunk_segments(segments, max_tokens), max_tokens)


def test_chunks_break_at_speaker_turns_when_segments_fit() -> None:
    segments = [Segment(i, f"S{i % 3}", None, None, "word " * 9 + "end.") for i in range(10)]
    chunks = chunk_segments(segments, max_tokens=40)  # 160 chars; each rendering is 55
    assert [(c.first_segment, c.last_segment) for c in chunks] == [(0, 1), (2, 3), (4, 5), (6, 7), (8, 9)]
    assert all(len(c.segments) == 2 for c in chunks)
    assert chunks[0].prompt_text() == render_segment(segments[0]) + render_segment(segments[1])


def test_long_segment_is_cut_at_sentence_ends_into_pieces() -> None:
    sentences = [f"Sentence number {i} talks about the budget." for i in range(40)]
    long = Segment(1, "Maria", 10.0, 99.0, " ".join(sentences))
    segments = [Segment(0, "Bob", 0.0, 9.0, "Short intro."), long, Segment(2, "Bob", 99.0, 100.0, "Thanks.")]
    chunks = chunk_segments(segments, max_tokens=60)

    _assert_chunks_are_sound(segments, chunks, 60)
    pieces = [s for c in chunks for s in c.segments if s.index == 1]
    assert len(pieces) > 1
    assert all(p.speaker == "Maria" and (p.start, p.end) == (10.0, 99.0) for p in pieces)
    assert all(p.text.endswith("budget.") for p in pieces)  # cut after a full sentence
    assert " ".join(p.text for p in pieces) == long.text


def test_segment_without_spaces_is_cut_hard() -> None:
    segments = [Segment(0, None, None, None, "x" * 1000)]
    chunks = chunk_segments(segments, max_tokens=10)
    _assert_chunks_are_sound(segments, chunks, 10)
    assert "".join(s.text for c in chunks for s in c.segments) == "x" * 1000


def test_five_megabyte_segment_chunks_linearly() -> None:
    data = b"Bob: ok\nAna: " + b"The plan is fine. We will ship it on Friday. " * 110_000
    segments = parse_transcript("big.txt", data)
    chunks = chunk_segments(segments, max_tokens=2000)
    _assert_chunks_are_sound(segments, chunks, 2000)
    assert len(chunks) > 600


def test_empty_input_gives_no_chunks_and_zero_characters_are_covered() -> None:
    assert chunk_segments([], 100) == []
    verify_coverage([], 0)


def test_budget_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_tokens"):
        chunk_segments([Segment(0, None, None, None, "hi")], 0)


def _chunk(index: int, start: int, end: int) -> Chunk:
    return Chunk(index, (Segment(0, None, None, None, "x"),), 0, 0, start, end)


@pytest.mark.parametrize(
    ("spans", "message"),
    [
        ([(0, 5), (6, 10)], "not covered"),
        ([(0, 6), (5, 10)], "covered twice"),
        ([(0, 5), (5, 9)], "not covered"),
        ([(0, 5), (5, 5), (5, 10)], "empty"),
        ([(1, 10)], "not covered"),
    ],
)
def test_verify_coverage_rejects_gaps_overlaps_and_short_coverage(
    spans: list[tuple[int, int]], message: str
) -> None:
    with pytest.raises(CoverageError, match=message):
        verify_coverage([_chunk(i, a, b) for i, (a, b) in enumerate(spans)], 10)


def test_verify_coverage_accepts_chunks_in_any_order() -> None:
    verify_coverage([_chunk(1, 4, 10), _chunk(0, 0, 4)], 10)
