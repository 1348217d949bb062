"""Fillers, false starts, stutters and backchannels of spoken English and Spanish.

- fillers ("um", "uh", "erm", "mm-hmm"; "eh", "em", "este…"): removed wherever they stand;
  discourse fillers only where they are fillers ("you know," / "I mean," / ", like," / "o sea");
- openers that carry nothing at the start of a sentence ("so", "well", "okay"; "pues", "bueno"):
  removed, so the sentence starts with what was said;
- stutters and restarts ("I I I", "the the", "should have a should have a", "pre- presupuesto"):
  the repeated words said once;
- backchannels ("Yeah.", "Mm-hmm.", "Okay.", "Vale.", "Sí, sí."): see :func:`is_backchannel`.

Token-level and linear: a repeat is looked for only over the next three words.
"""

from __future__ import annotations

import re

from aipair.kit.text import word_set

_MAX_REPEAT = 3
_MAX_BACKCHANNEL_WORDS = 5

_FILLERS = {
    "en": r"u+m+|u+h+m*|e+r+m+|er|h+m+|h+m|m+h?m+|mm-hmm|mhm|uh-huh|um-hum|ah+|eh",
    "es": r"e+h+|e+h*m+|m+h?m+|mhm|a+h+|ajá|aja",
}
_PHRASE_FILLERS = {
    "en": (
        r",?\s*\byou\s+know\b\s*,|,\s*you\s+know(?=\s*[.?!]|$)|\bI\s+mean\s*,|,\s*like\s*,"
        r"|\bkind\s+of\s*,|,\s*sort\s+of\s*,"
    ),
    "es": r"\bo\s+sea\b\s*,?|\beste\s*(?:…|\.\.\.|,)|,\s*digamos\s*,|,\s*¿?sabes\?\s*,?",
}
_OPENERS = {
    "en": r"(?:so|well|okay|ok|alright|all\s+right|anyway|oh|yeah|yep|yup|right(?=\s*,))",
    "es": r"(?:pues|bueno|o\s+sea|a\s+ver|vale(?=\s*,)|eh|entonces(?=\s*,)|oye|mira(?=\s*,))",
}
_ASSENT = {
    "en": re.compile(r"^\s*(yes|yeah|yep|yup|sure)\s*,\s*(?=\w)", re.IGNORECASE),
    "es": re.compile(r"^\s*(sí|si|claro|vale|dale|va|venga|órale)\s*,\s*(?=\w)", re.IGNORECASE),
}
_TERMINATORS = frozenset(".?!…")
_ARTICLES = frozenset({"a", "an", "the", "el", "la", "los", "las", "un", "una"})
_SPANISH_ARTICLES = frozenset({"el", "la", "los", "las", "un", "una"})
_COMMA_AFTER_CONJUNCTION = re.compile(r"\b(y|e|o|u|and|or|but|pero|que|so)\s*,\s*", re.IGNORECASE)
_FRAGMENT = re.compile(r"\b(\w{1,12})-\s+(?=\1)", re.IGNORECASE)
_TOKEN_CORE = re.compile(r"^[^\w']+|[^\w']+$")
_BACKCHANNEL_WORDS = word_set(
    "yeah yes yep yup okay ok right sure alright mm-hmm uh-huh mhm good great cool perfect fine thanks "
    "thank you exactly true indeed hear wow nice sí si vale ajá aja claro bien genial perfecto exacto ya "
    "venga gracias muy estupendo okey vale vaya bueno"
)


def _compile(table: dict[str, str], template: str) -> dict[str, re.Pattern[str]]:
    return {lang: re.compile(template.format(p=pattern), re.IGNORECASE) for lang, pattern in table.items()}


_FILLER_RX = _compile(_FILLERS, r"(?<![\w'’\-])(?:{p})(?![\w'’\-])\s*,?")
_PHRASE_RX = _compile(_PHRASE_FILLERS, r"{p}")
_ONLY_OPENERS = _compile(_OPENERS, r"(?:\s*{p}\b[\s,.…!?]*)+")
_OPENER_RX = _compile(_OPENERS, r"^(?:\s*{p}\b[\s,.…]*)+(?=[^\W_]|[¿¡\"'“])")


def remove_fillers(text: str, language: str) -> str:
    """``text`` without fillers and discourse fillers of ``language`` ("en" or "es")."""
    text = _PHRASE_RX[language].sub(" ", text)
    text = _FILLER_RX[language].sub(" ", text)
    text = _COMMA_AFTER_CONJUNCTION.sub(r"\1 ", text)  # "y, eh, la demo" → "y la demo"
    return _FRAGMENT.sub("", text)


def remove_opener(sentence: str, language: str, *, keep_assent: bool = False) -> str:
    """``sentence`` without empty openers ("So, we…" → "we…"); ``""`` when it is nothing else.

    With ``keep_assent`` an opening "Yes," / "Sí," stays ("Yep, after this."): at the start of a
    turn it is the reply that takes a task on.
    """
    assent = _ASSENT[language].match(sentence) if keep_assent else None
    if assent is not None:
        rest = remove_opener(sentence[assent.end() :], language)
        return f"{assent.group(1)}, {rest}" if rest else assent.group(1)
    if _ONLY_OPENERS[language].fullmatch(sentence):
        return ""
    return _OPENER_RX[language].sub("", sentence)


def collapse_repeats(text: str) -> str:
    """Words said again right away ("the the", "I'll I'll send", "a b a b") said once."""
    tokens = text.split()
    keys = [_TOKEN_CORE.sub("", t).lower() for t in tokens]
    kept: list[str] = []
    position = 0
    while position < len(tokens):
        size = _repeat_at(tokens, keys, position)
        if size:
            position += size  # drop the first copy, keep the second with its punctuation
            continue
        kept.append(tokens[position])
        position += 1
    return " ".join(kept)


def _repeat_at(tokens: list[str], keys: list[str], position: int) -> int:
    if position + 1 < len(keys) and keys[position] and keys[position + 1].startswith(keys[position] + "'"):
        return 1  # "I I'll", "we we're": the restart is the contraction's first word
    if (
        position + 1 < len(keys)
        and keys[position] in _ARTICLES
        and keys[position + 1] in _ARTICLES
        and not (keys[position] == "a" and keys[position + 1] in _SPANISH_ARTICLES)
    ):
        return 1  # "a an LCD", "el la guía": the first article was a false start ("a la" is not)
    for size in range(_MAX_REPEAT, 0, -1):
        first = keys[position : position + size]
        if len(first) == size and all(first) and first == keys[position + size : position + 2 * size]:
            if tokens[position + size - 1][-1:] in _TERMINATORS:
                continue  # "…titanium. Titanium is…": the repeat starts a new sentence
            if size == 1 and first[0].isdigit():
                return 0  # "2 2" may be a score or a count
            return size
    return 0


def is_backchannel(sentence: str) -> bool:
    """Whether ``sentence`` only acknowledges ("Yeah.", "Mm-hmm.", "Okay, thanks.", "Sí, sí. Vale.")."""
    words = [w for w in (_TOKEN_CORE.sub("", t).lower() for t in sentence.split()) if w]
    return 0 < len(words) <= _MAX_BACKCHANNEL_WORDS and all(w in _BACKCHANNEL_WORDS for w in words)
