"""Normalisation of spoken text before anything reads it; the stored transcript stays verbatim.

:func:`normalise_text` turns "So , um {disfmarker} I I 'll send the the L_C_D_ specs . Yeah ." into
"I'll send the LCD specs.": markup and tokenisation artefacts (:mod:`.markup`), then fillers,
stutters, empty openers (but the "Yes," that opens a turn) and backchannel sentences
(:mod:`.disfluency`). A segment that only
acknowledges keeps its first sentence ("Yeah."), so answers and agreement stay visible; one that
only hesitates ("Mm-hmm.", "Um.") becomes empty.
"""

from __future__ import annotations

from aipair.kit.text import split_sentences
from aipair.meetings.normalisation.disfluency import (
    collapse_repeats,
    is_backchannel,
    remove_fillers,
    remove_opener,
)
from aipair.meetings.normalisation.markup import repair_tokenisation, strip_markup

__all__ = ["is_backchannel", "normalise_text"]


def normalise_text(text: str, language: str) -> str:
    """Clean spoken ``text`` of ``language`` (``"en"`` or ``"es"``); linear, may return ``""``."""
    cleaned = repair_tokenisation(strip_markup(text))
    cleaned = repair_tokenisation(collapse_repeats(remove_fillers(cleaned, language)))
    sentences = [s for s in split_sentences(cleaned, lowercase_continues=False) if _said(s)]
    tidy = [_tidy(s, language, first=not number) for number, s in enumerate(sentences)]
    content = [t for t in tidy if _said(t) and not is_backchannel(t)]
    if content:
        return " ".join(content)
    return _capitalised(sentences[0]) if sentences else ""


def _said(sentence: str) -> bool:
    return any(c.isalpha() for c in sentence)


def _tidy(sentence: str, language: str, *, first: bool) -> str:
    return _capitalised(repair_tokenisation(remove_opener(sentence, language, keep_assent=first)))


def _capitalised(sentence: str) -> str:
    for position, char in enumerate(sentence):
        if char.isalpha():
            return sentence[:position] + char.upper() + sentence[position + 1 :]
    return sentence
