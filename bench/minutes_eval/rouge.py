"""ROUGE-1, ROUGE-2 and ROUGE-Lsum (F1), for English and Spanish alike.

Tokens are lower-cased runs of letters and digits (accents kept, so Spanish words stay whole); no
stemming, no stop words removed. ROUGE-Lsum splits both texts into sentences and takes, for each
reference sentence, the union of its longest common subsequences with every candidate sentence,
each token counted at most as often as it occurs on both sides. On English text (where its
tokenisation is the same) it gives the same F1 as the ``rouge-score`` package without stemming.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from aipair.kit.text import split_sentences

_TOKEN = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Rouge:
    """F1 scores of one candidate against one reference (0 to 1)."""

    r1: float
    r2: float
    rlsum: float


def tokens(text: str) -> list[str]:
    """Lower-cased word and number tokens of ``text``."""
    return _TOKEN.findall(text.lower())


def _f1(hits: int, candidate: int, reference: int) -> float:
    if not hits or not candidate or not reference:
        return 0.0
    precision, recall = hits / candidate, hits / reference
    return 2 * precision * recall / (precision + recall)


def _ngrams(words: list[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def rouge_n(reference: str, candidate: str, n: int) -> float:
    """ROUGE-N F1."""
    ref, cand = _ngrams(tokens(reference), n), _ngrams(tokens(candidate), n)
    hits = sum((ref & cand).values())
    return _f1(hits, sum(cand.values()), sum(ref.values()))


def _lcs_positions(reference: list[str], candidate: list[str]) -> set[int]:
    """Positions in ``reference`` of one longest common subsequence with ``candidate``."""
    rows, cols = len(reference), len(candidate)
    table = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(rows):
        for j in range(cols):
            same = reference[i] == candidate[j]
            table[i + 1][j + 1] = table[i][j] + 1 if same else max(table[i][j + 1], table[i + 1][j])
    positions: set[int] = set()
    i, j = rows, cols
    while i and j:
        if reference[i - 1] == candidate[j - 1]:
            positions.add(i - 1)
            i, j = i - 1, j - 1
        elif table[i - 1][j] >= table[i][j - 1]:
            i -= 1
        else:
            j -= 1
    return positions


def rouge_lsum(reference: str, candidate: str) -> float:
    """ROUGE-Lsum F1 (summary-level LCS over sentences)."""
    ref_sentences = [tokens(s) for s in split_sentences(reference)]
    cand_sentences = [tokens(s) for s in split_sentences(candidate)]
    ref_left = Counter(t for s in ref_sentences for t in s)
    cand_left = Counter(t for s in cand_sentences for t in s)
    reference_total, candidate_total = sum(ref_left.values()), sum(cand_left.values())
    hits = 0
    for sentence in ref_sentences:
        union: set[int] = set()
        for other in cand_sentences:
            union |= _lcs_positions(sentence, other)
        for position in sorted(union):
            word = sentence[position]
            if ref_left[word] and cand_left[word]:
                hits += 1
                ref_left[word] -= 1
                cand_left[word] -= 1
    return _f1(hits, candidate_total, reference_total)


def rouge(reference: str, candidate: str) -> Rouge:
    """ROUGE-1, ROUGE-2 and ROUGE-Lsum F1 of ``candidate`` against ``reference``."""
    return Rouge(
        rouge_n(reference, candidate, 1), rouge_n(reference, candidate, 2), rouge_lsum(reference, candidate)
    )
