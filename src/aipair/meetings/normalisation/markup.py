"""Transcription markup and tokenisation artefacts, removed or repaired.

What research corpora and transcription services put into text that nobody said:

- events in braces or brackets (``{disfmarker}``, ``{vocalsound}``, ``{gap}``, ``[laughter]``,
  ``[inaudible]``, ``[crosstalk]``), tags (``<laugh>``), and parenthesised sound events
  ("(laughs)", "(risas)", "(inaudible)"): removed; other parentheses are speech and stay;
- spelled letters (``L_C_D_`` → "LCD", ``T_V_`` → "TV");
- tokenised text: split contractions (``that 's``, ``do n't``, ``I 'm``) joined again, punctuation
  attached to the word before it (``word .`` → "word.", ``¿ no ?`` → "¿no?"), repeated or dangling
  punctuation tidied.

Every pattern is bounded, so the cost is linear in the text.
"""

from __future__ import annotations

import re

from aipair.kit.text import word_set

_SOUND_EVENTS = (
    r"laughs?|laughing|laughter|chuckles?|giggles?|coughs?|coughing|sighs?|clears?\s+throat|pause"
    r"|silence|inaudible|unintelligible|indiscernible|crosstalk|cross-talk|overlapping|applause"
    r"|music|noise|background\s+noise|static|beep|phone\s+rings?|door\s+closes|typing"
    r"|risas?|ríe|tos|tose|silencio|inaudible|ininteligible|aplausos|música|ruido|pausa"
)
_RESTART_MARK = re.compile(r"\{disfmarker\}|(?<=\w)--(?=\s)", re.IGNORECASE)
_RESTART_LOOKBACK = 4
_WORD_KEY = re.compile(r"[^\w'’]+")
_ACKNOWLEDGEMENTS = word_set("yeah yes yep okay ok right mm-hmm mhm sure sí vale claro")
_BRACED = re.compile(r"\{[^{}\n]{0,60}\}|\[[^\[\]\n]{0,60}\]|<[^<>\n]{0,60}>")
_SOUND_IN_PARENS = re.compile(rf"\(\s*(?:{_SOUND_EVENTS})\s*\)", re.IGNORECASE)
_SPELLED = re.compile(r"\b(?:[A-Za-z]_){2,}|\b[A-Z]_(?=\s|$)")
_CONTRACTION = re.compile(r"(?<=\w) +(n't|'(?:s|re|ve|ll|d|m))\b", re.IGNORECASE)
_SPACE_BEFORE = re.compile(r"\s+(?=[.,!?;:…%)\]»”])")
_SPACE_AFTER = re.compile(r"(?<=[¿¡(«“])\s+")
_PAUSE_BEFORE_END = re.compile(r"[,;:]+\s*(?=[.?!…])|(?<=[.?!…])\s*[,;:]+")
_REPEATED_PAUSE = re.compile(r"([,;:])(?:\s*[,;:])+")
_REPEATED_END = re.compile(r"(?<=[.?!…])(?:\s*\.)+")
_LEADING_PUNCTUATION = re.compile(r"^[\s,;:.…\-–—]+")
_WHITESPACE = re.compile(r"\s+")


def _join_spelled(match: re.Match[str]) -> str:
    return match.group(0).replace("_", "")


def drop_restarts(text: str) -> str:
    """A false start cut off by a disfluency mark is dropped when the speaker starts it again.

    "should be {disfmarker} should have a" → "should have a": the word after the mark is looked
    for among the last four words before it, and the words from there to the mark are dropped.
    """
    pieces = _RESTART_MARK.split(text)
    kept = [pieces[0]]
    for piece in pieces[1:]:
        words = piece.split(maxsplit=2)
        if words:
            kept[-1] = _cut_restart(kept[-1], _key(words[0]))
        if len(words) > 1 and _key(words[0]) in _ACKNOWLEDGEMENTS and words[1][:1] in ".?!":
            kept[-1] = kept[-1].rstrip() + " ."  # "it 's {disfmarker} Yeah ." : the yeah is said apart
        kept.append(piece)
    return " ".join(kept)


def _key(word: str) -> str:
    return _WORD_KEY.sub("", word).lower()


def _cut_restart(before: str, restart: str) -> str:
    words = before.split()
    for back in range(1, min(_RESTART_LOOKBACK, len(words)) + 1):
        if restart and _key(words[-back]) == restart:
            return " ".join(words[:-back])
    return before


def strip_markup(text: str) -> str:
    """``text`` without transcription events, tags and sound events; spelled letters joined."""
    text = _BRACED.sub(" ", drop_restarts(text))
    text = _SOUND_IN_PARENS.sub(" ", text)
    return _SPELLED.sub(_join_spelled, text)


def repair_tokenisation(text: str) -> str:
    """Contractions joined, punctuation attached, repeated and leading punctuation tidied."""
    text = _CONTRACTION.sub(r"\1", text)
    text = _SPACE_BEFORE.sub("", text)
    text = _SPACE_AFTER.sub("", text)
    text = _PAUSE_BEFORE_END.sub("", text)
    text = _REPEATED_PAUSE.sub(r"\1", text)
    text = _REPEATED_END.sub("", text)
    text = _LEADING_PUNCTUATION.sub("", text)
    return _WHITESPACE.sub(" ", text).strip()
