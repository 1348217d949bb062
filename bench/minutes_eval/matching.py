"""Matching what the engine wrote to the gold items, by the content-word stems they share.

Stems are those the engine itself uses to spot near duplicates
(:func:`aipair.meetings.similarity.stems`: stop words of English and Spanish ignored, accents removed,
first five letters), so "send"/"sending" and "revisar"/"revisión" meet. A produced item and a gold
item are the same when they share at least two stems (one, when one side has a single stem) and at
least half of the stems of the shorter of the two: "Cambiar las alertas" is the gold "Cambiar las
alertas de disco: bajar el umbral…", "Check the exact price" is not "Send the price of the chip".
Pairs are taken best first (Dice coefficient), each item used once.
"""

from __future__ import annotations

from collections.abc import Sequence

from aipair.meetings.similarity import stems

_MIN_SHARED = 2
_SHORTER_COVERAGE = 0.5


def similarity(gold: frozenset[str], produced: frozenset[str]) -> float:
    """Dice coefficient when the pair counts as the same item, else 0."""
    if not gold or not produced:
        return 0.0
    shared = len(gold & produced)
    shorter = min(len(gold), len(produced))
    if shared < min(_MIN_SHARED, shorter) or shared < _SHORTER_COVERAGE * shorter:
        return 0.0
    return 2 * shared / (len(gold) + len(produced))


def match(gold: Sequence[str], produced: Sequence[str]) -> list[tuple[int, int]]:
    """(gold index, produced index) pairs, best first, one-to-one."""
    gold_stems = [stems(g) for g in gold]
    produced_stems = [stems(p) for p in produced]
    scored = (
        (similarity(g, p), gi, pi) for gi, g in enumerate(gold_stems) for pi, p in enumerate(produced_stems)
    )
    candidates = sorted((-score, gi, pi) for score, gi, pi in scored if score > 0)
    used_gold: set[int] = set()
    used_produced: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for _, gi, pi in candidates:
        if gi not in used_gold and pi not in used_produced:
            pairs.append((gi, pi))
            used_gold.add(gi)
            used_produced.add(pi)
    return pairs
