"""Meeting participants: who spoke or attended, and which of them a sentence names.

Only names of attendees and speakers are ever returned, so an owner is never invented. Speakers are
known by the person their label names (:func:`~aipair.meetings.parsing.names.participant_name`:
"Hon. Maria Santos (Minister of …)" speaks as "Hon. Maria Santos"); a speaker who is also a given
attendee takes the attendee's spelling. A participant is found in a sentence by full name (with or
without honorific), or by first or last name (or the leading or trailing words of a longer name)
when that part belongs to nobody else ("Maria" for "Maria Lopez", "Beltrán" for "Sra. Beltrán",
"Ana Belén" for "Ana Belén Soto"); mentions must be capitalised as names are ("Will" the person,
not "will" the verb), particles may sit inside ("De la Fuente").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from aipair.meetings.parsing.names import HONORIFICS, PARTICLES, participant_name, role_of

HONORIFIC_WORDS = HONORIFICS | frozenset(
    {"licenciado", "licenciada", "ingeniero", "ingeniera", "doctor", "doctora", "profesor", "profesora"}
)
"""Honorifics and the titles people are addressed by ("Licenciado, ¿se encarga usted…?")."""

_WORD = re.compile(r"[^\W\d_][\w'’\-]*\.?")
_PAREN = re.compile(r"\s*\([^)]*\)")
_ELIDED = re.compile(r"[dlDL]['’][^\W\d_]")
_POSSESSIVE = ("'s", "’s")
_MAX_NAME_WORDS = 5
_VOCATIVE_BEFORE = frozenset(",¿¡")
_VOCATIVE_AFTER = frozenset(",?!.:;")


@dataclass(frozen=True, slots=True)
class Mention:
    """A participant named in a sentence: ``[start, end)`` in the sentence and the canonical name."""

    start: int
    end: int
    name: str


def _words(name: str) -> list[str]:
    return _PAREN.sub("", name).lower().replace("’", "'").split()


def _without_honorifics(words: list[str]) -> list[str]:
    position = 0
    while position < len(words) - 1 and words[position].rstrip(".") in HONORIFICS:
        position += 1
    return words[position:]


def _key(words: list[str]) -> str:
    return " ".join(w.rstrip(".") if i == len(words) - 1 else w for i, w in enumerate(words))


class NameIndex:
    """Lookup from mentions ("Maria", "maria lopez", "Santos") to participants' canonical names."""

    def __init__(self, names: Iterable[str], roles: Mapping[str, str] | None = None) -> None:
        canonical = list(dict.fromkeys(n.strip() for n in names if n and n.strip()))
        self._roles = dict(roles or {})
        self._role_pattern = (
            re.compile(
                r"\b(?:(?:el|la|the|our|señor|señora)\s+)?(" + "|".join(map(re.escape, self._roles)) + r")\b",
                re.IGNORECASE,
            )
            if self._roles
            else None
        )
        keys: dict[str, str] = {}
        part_owners: Counter[str] = Counter()
        parts: dict[str, str] = {}
        for name in canonical:
            words = _words(name)
            bare = _without_honorifics(words)
            keys.setdefault(_key(words), name)
            keys.setdefault(_key(bare), name)
            significant = [w for w in bare if w not in PARTICLES]
            for part in _parts(significant):
                part_owners[part] += 1
                parts[part] = name
        for word, owner in parts.items():
            if part_owners[word] == 1:
                keys.setdefault(word, owner)
        self._keys = keys
        self.names: tuple[str, ...] = tuple(canonical)

    def canonical(self, mention: str) -> str | None:
        """The participant ``mention`` refers to, or ``None``."""
        words = mention.lower().replace("’", "'").split()
        if words:
            for suffix in _POSSESSIVE:
                words[-1] = words[-1].removesuffix(suffix)
        return self._keys.get(_key(words)) or self._keys.get(_key(_without_honorifics(words)))

    def find(self, sentence: str) -> list[Mention]:
        """Participants mentioned in ``sentence``, left to right, longest match first (linear); a
        participant's role ("la tesorera", "the clerk") names them when only they hold it."""
        named = self._find_names(sentence)
        if self._role_pattern is None:
            return named
        roles = [
            Mention(m.start(), m.end(), self._roles[m.group(1).lower()])
            for m in self._role_pattern.finditer(sentence)
            if not any(n.start < m.end() and m.start() < n.end for n in named)
            and (m.start() != m.start(1) or not sentence[: m.start()].rstrip()[-1:].isalpha())
        ]  # "the clerk", "Tesorero, …", but not "my deputy minister" for the minister
        return sorted([*named, *roles], key=lambda m: m.start) if roles else named

    def _find_names(self, sentence: str) -> list[Mention]:
        if not self._keys:
            return []
        words = list(_WORD.finditer(sentence))
        mentions: list[Mention] = []
        position = 0
        while position < len(words):
            found = self._longest_at(sentence, words, position) if _capitalised(words[position]) else None
            if found is None:
                position += 1
                continue
            mentions.append(found[0])
            position += found[1]
        return mentions

    def _longest_at(
        self, sentence: str, words: list[re.Match[str]], position: int
    ) -> tuple[Mention, int] | None:
        for size in range(min(_MAX_NAME_WORDS, len(words) - position), 0, -1):
            first, last = words[position], words[position + size - 1]
            inner = words[position + 1 : position + size - 1]
            if not _capitalised(last) or any(
                not (w.group()[0].isupper() or w.group().lower() in PARTICLES) for w in inner
            ):
                continue
            text = sentence[first.start() : last.end()]
            if size > 1 and len(text.split()) != size:
                continue  # the words are not adjacent
            name = self.canonical(text)
            if name is not None:
                end = last.end() - (1 if text.endswith(".") and not self._keys.get(text.lower()) else 0)
                return Mention(first.start(), end, name), size
        return None


def _parts(significant: list[str]) -> set[str]:
    """First and last name, and the leading or trailing words of longer names ("Ana Belén" of
    "Ana Belén Soto", "Rodríguez García" of "Sra. Ana Rodríguez García")."""
    parts = {w for w in significant[:1] + significant[-1:] if len(w) > 1}
    for size in range(2, len(significant)):
        parts |= {_key(significant[:size]), _key(significant[-size:])}
    return parts


def _capitalised(word: re.Match[str]) -> bool:
    return word.group()[0].isupper() or _ELIDED.match(word.group()) is not None


class Participants:
    """Attendees and speakers of one meeting, under one spelling each."""

    def __init__(self, attendees: Sequence[str], speaker_labels: Iterable[str | None]) -> None:
        given = NameIndex(attendees)
        self._speakers: dict[str, str | None] = {}
        speakers: list[str] = []
        for label in dict.fromkeys(s for s in speaker_labels if s):
            person = participant_name(label)
            known = given.canonical(person) if person else None
            self._speakers[label] = known or person
            if person and not known:
                speakers.append(person)
        self.names: tuple[str, ...] = tuple(dict.fromkeys([*given.names, *speakers]))
        holders: dict[str, set[str]] = {}
        for label, person in self._speakers.items():
            role = role_of(label)
            if role is not None and person:
                holders.setdefault(role, set()).add(person)
        self.roles: dict[str, str] = {r: next(iter(p)) for r, p in holders.items() if len(p) == 1}
        """Role word → the one participant whose label gives that role ("tesorero" → "Lic. Andrés Zamora")."""
        self.index = NameIndex(self.names, self.roles)

    def speaker(self, label: str | None) -> str | None:
        """The participant who speaks under ``label`` (``None`` for no label or a group)."""
        return self._speakers.get(label) if label else None


def is_vocative(sentence: str, mention: Mention) -> bool:
    """Whether the mention addresses someone: "Bob, can you…", "…, Bob?", "¿Luis, puedes…"."""
    before = sentence[: mention.start].rstrip()
    after = sentence[mention.end :].lstrip()
    opens = not before or before[-1] in _VOCATIVE_BEFORE or _ends_with_title(before)
    closes = not after or after[0] in _VOCATIVE_AFTER
    return opens and closes


def _ends_with_title(before: str) -> bool:
    """ "…, señora Beltrán, …": a title word right before the name still opens a vocative."""
    words = before.split()
    return (
        bool(words)
        and words[-1].lower().rstrip(".") in HONORIFICS
        and (len(words) == 1 or words[-2][-1:] in _VOCATIVE_BEFORE)
    )
