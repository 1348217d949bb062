"""Recognising meeting participants mentioned in a sentence.

Only names of attendees and speakers are ever returned, so an owner is never invented. A participant
is found by full name, or by first or last name when that part belongs to nobody else ("Maria" for
"Maria Lopez"); mentions must be capitalised as names are ("Will" the person, not "will" the verb).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

_WORD = re.compile(r"[^\W\d_][\w'’\-]*")
_PAREN = re.compile(r"\s*\([^)]*\)")
_POSSESSIVE = ("'s", "’s")
_MAX_NAME_WORDS = 3
_VOCATIVE_BEFORE = frozenset(",¿¡")
_VOCATIVE_AFTER = frozenset(",?!.:;")


@dataclass(frozen=True, slots=True)
class Mention:
    """A participant named in a sentence: ``[start, end)`` in the sentence and the canonical name."""

    start: int
    end: int
    name: str


class NameIndex:
    """Lookup from mentions ("Maria", "maria lopez") to participants' canonical names."""

    def __init__(self, names: Iterable[str]) -> None:
        canonical = list(dict.fromkeys(n.strip() for n in names if n and n.strip()))
        keys: dict[str, str] = {}
        part_owners: Counter[str] = Counter()
        parts: dict[str, str] = {}
        for name in canonical:
            words = _PAREN.sub("", name).lower().split()
            keys[" ".join(words)] = name
            for word in {words[0], words[-1]} if words else set():
                if len(word) > 1:
                    part_owners[word] += 1
                    parts[word] = name
        for word, owner in parts.items():
            if part_owners[word] == 1:
                keys.setdefault(word, owner)
        self._keys = keys
        self.names: tuple[str, ...] = tuple(canonical)

    def canonical(self, mention: str) -> str | None:
        """The participant ``mention`` refers to, or ``None``."""
        key = " ".join(mention.lower().split())
        for suffix in _POSSESSIVE:
            key = key.removesuffix(suffix)
        return self._keys.get(key)

    def find(self, sentence: str) -> list[Mention]:
        """Participants mentioned in ``sentence``, left to right, longest match first (linear)."""
        if not self._keys:
            return []
        words = [m for m in _WORD.finditer(sentence) if m.group()[0].isupper()]
        mentions: list[Mention] = []
        position = 0
        while position < len(words):
            mention = self._longest_at(sentence, words, position)
            if mention is None:
                position += 1
                continue
            mentions.append(mention[0])
            position += mention[1]
        return mentions

    def _longest_at(
        self, sentence: str, words: list[re.Match[str]], position: int
    ) -> tuple[Mention, int] | None:
        for size in range(min(_MAX_NAME_WORDS, len(words) - position), 0, -1):
            first, last = words[position], words[position + size - 1]
            text = sentence[first.start() : last.end()]
            if size > 1 and len(text.split()) != size:
                continue  # the capitalised words are not adjacent
            name = self.canonical(text)
            if name is not None:
                return Mention(first.start(), last.end(), name), size
        return None


def is_vocative(sentence: str, mention: Mention) -> bool:
    """Whether the mention addresses someone: "Bob, can you…", "…, Bob?", "¿Luis, puedes…"."""
    before = sentence[: mention.start].rstrip()
    after = sentence[mention.end :].lstrip()
    opens = not before or before[-1] in _VOCATIVE_BEFORE
    closes = not after or after[0] in _VOCATIVE_AFTER
    return opens and closes
