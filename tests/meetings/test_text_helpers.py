"""aipair.kit.text: sentence splitting, counts and ranking used by the meeting processor."""

from __future__ import annotations

import pytest

from aipair.kit.text import estimate_tokens, rank_sentences, split_sentences, word_count


def test_sentences_do_not_break_after_abbreviations() -> None:
    text = "Dr. Smith joined late. We need data, e.g. churn by cohort. Mr. Lee agreed."
    assert split_sentences(text) == [
        "Dr. Smith joined late.",
        "We need data, e.g. churn by cohort.",
        "Mr. Lee agreed.",
    ]


def test_spanish_questions_and_exclamations_keep_their_openers() -> None:
    text = "La Sra. García llegó. ¿Vienes mañana? ¡Claro que sí! Vale."
    assert split_sentences(text) == ["La Sra. García llegó.", "¿Vienes mañana?", "¡Claro que sí!", "Vale."]


def test_initials_decimals_and_lowercase_continuations_are_not_boundaries() -> None:
    text = "J. R. Tolkien wrote it. Growth was 3.5 percent. It was ok. and then it ended"
    assert split_sentences(text) == [
        "J. R. Tolkien wrote it.",
        "Growth was 3.5 percent.",
        "It was ok. and then it ended",
    ]


def test_blank_lines_end_sentences_and_whitespace_is_collapsed() -> None:
    assert split_sentences("First  line\nwrapped\n\nSecond part") == ["First line wrapped", "Second part"]
    assert split_sentences("   ") == []


def test_word_count_and_token_estimate() -> None:
    assert word_count("  one two\tthree\n") == 3
    assert word_count("") == 0
    assert estimate_tokens("") == 0
    assert estimate_tokens("a") == 1
    assert estimate_tokens("x" * 400) == 100


@pytest.mark.parametrize("k", [0, -1])
def test_rank_sentences_with_no_room_returns_nothing(k: int) -> None:
    assert rank_sentences(["a b c"], k) == []


def test_rank_sentences_prefers_recurring_terms_and_keeps_original_order() -> None:
    sentences = [
        "Hello everyone and welcome.",
        "The budget for the migration is too small.",
        "Lunch was nice.",
        "We will increase the migration budget next quarter.",
        "Okay.",
    ]
    assert rank_sentences(sentences, 2) == [1, 3]
    assert rank_sentences(sentences, 10) == [0, 1, 2, 3, 4]


def test_rank_sentences_is_deterministic() -> None:
    sentences = [f"topic {i % 3} with shared words" for i in range(30)]
    assert rank_sentences(sentences, 5) == rank_sentences(list(sentences), 5)
