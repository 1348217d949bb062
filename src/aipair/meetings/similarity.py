"""When two items of the minutes say the same thing: shared word stems.

A stem is a content word (no stop words of English or Spanish), lower-cased, accents removed, cut to
its first five letters, so "send"/"sending" and "revisar"/"revisión" meet. Two texts are near
duplicates when most of their stems are shared.
"""

from __future__ import annotations

import unicodedata

from aipair.kit.text import content_words

_STEM = 5
_JACCARD = 0.6
_CONTAINMENT = 0.8
_MIN_CONTAINED = 3


def _plain(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def stems(text: str) -> frozenset[str]:
    """The content-word stems of ``text``."""
    return frozenset(_plain(w)[:_STEM] for w in content_words(text))


def near_duplicates(first: frozenset[str], second: frozenset[str]) -> bool:
    """Most stems shared (Jaccard ≥ 0.6), or the shorter (≥ 3 stems) almost inside the longer."""
    if not first or not second:
        return False
    shared = len(first & second)
    smaller = min(len(first), len(second))
    return shared / len(first | second) >= _JACCARD or (
        smaller >= _MIN_CONTAINED and shared / smaller >= _CONTAINMENT
    )
