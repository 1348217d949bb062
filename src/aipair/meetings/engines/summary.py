"""Extractive summaries written for a reader: the sentences that carry the meeting, in meeting order.

Candidates are whole thoughts after normalisation: statements of six to forty words that are not
questions, backchannels or small talk. Each is scored by centrality — the weight of its distinct
content-word stems (frequency in the meeting times inverse turn frequency), normalised by the
square root of their number — with a bonus for sentences that state a decision or an action. Then
sentences are chosen greedily by maximal marginal relevance (score minus redundancy with what is
already chosen), until the summary reaches its length: about 15 % of the meeting's words, at least
80 and at most 250. The chosen sentences are given in the order they were said; one that speaks in
the first or second person ("I'll send…", "os paso…") comes after the name of who said it.

Linear in the meeting's words, plus a sort of the sentences and a bounded number of comparisons.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from aipair.kit.text import split_sentences, word_count
from aipair.meetings.engines.decisions import is_question
from aipair.meetings.normalisation import is_backchannel
from aipair.meetings.parsing.segments import Segment
from aipair.meetings.similarity import stems

_MIN_WORDS = 6
_MAX_WORDS = 40
_SHARE = 0.15
_MIN_SUMMARY = 80
_MAX_SUMMARY = 250
_POOL = 80
_REDUNDANCY = 0.7
_HIGHLIGHT_BONUS = 1.3
_OVERSHOOT = 1.25

Place = tuple[int, int]  # (segment index, sentence number)


@dataclass(frozen=True, slots=True)
class _Candidate:
    place: Place
    text: str
    stems: frozenset[str]
    words: int
    speaker: str | None

    def shown(self) -> str:
        """The sentence as the summary gives it: who said it, without a leading "and"/"y"."""
        text = _LEADING_LINK.sub("", self.text)
        text = text[:1].upper() + text[1:]
        return f"{self.speaker}: {text}" if self.speaker and _PERSONAL.search(text) else text


_PERSONAL = re.compile(
    r"\b(?:I|I'm|I'll|I've|I'd|[Mm]y|[Ww]e|[Ww]e're|[Ww]e'll|[Ww]e've|[Oo]ur|[Yy]ou|[Yy]our|[Yy]o|[Mm]e|[Mm]is?"
    r"|[Tt]e|[Oo]s|[Nn]os|[Nn]osotros|[Nn]uestr[oa]s?|[Uu]sted|[Vv]osotros)\b"
)
_LEADING_LINK = re.compile(r"^(?:and|but|also|so|y|e|pero|también|además)\b[\s,]*", re.IGNORECASE)


def target_words(total_words: int) -> int:
    """The summary's length for a meeting of ``total_words`` words."""
    return max(_MIN_SUMMARY, min(_MAX_SUMMARY, round(total_words * _SHARE)))


def _whole_thought(sentence: str) -> bool:
    words = word_count(sentence)
    return _MIN_WORDS <= words <= _MAX_WORDS and not is_question(sentence) and not is_backchannel(sentence)


def _candidates(segments: Sequence[Segment], skip: Collection[Place]) -> list[_Candidate]:
    found: list[_Candidate] = []
    for segment in segments:
        for number, sentence in enumerate(split_sentences(segment.text, lowercase_continues=False)):
            if (segment.index, number) not in skip and _whole_thought(sentence):
                found.append(
                    _Candidate(
                        (segment.index, number),
                        sentence,
                        stems(sentence),
                        word_count(sentence),
                        segment.speaker,
                    )
                )
    return found


def _scores(
    segments: Sequence[Segment], candidates: Sequence[_Candidate], highlights: Collection[Place]
) -> list[float]:
    frequency: Counter[str] = Counter()
    spread: Counter[str] = Counter()
    for segment in segments:
        turn = stems(segment.text)
        spread.update(turn)
        frequency.update(turn)
    turns = max(1, len(segments))
    weight = {stem: frequency[stem] * math.log(1 + turns / spread[stem]) for stem in frequency}
    return [
        sum(weight.get(s, 0.0) for s in c.stems)
        / math.sqrt(max(1, len(c.stems)))
        * (_HIGHLIGHT_BONUS if c.place in highlights else 1.0)
        for c in candidates
    ]


def _redundancy(candidate: _Candidate, chosen: Sequence[_Candidate]) -> float:
    return max(
        (len(candidate.stems & c.stems) / max(1, len(candidate.stems | c.stems)) for c in chosen), default=0.0
    )


def summarise(
    segments: Sequence[Segment],
    *,
    highlights: Collection[Place] = (),
    skip: Collection[Place] = (),
) -> str:
    """The summary of a normalised meeting; ``highlights`` are the places of decisions and actions,
    ``skip`` the places never to quote (small talk)."""
    candidates = _candidates(segments, skip)
    if not candidates:
        return ""
    scores = _scores(segments, candidates, highlights)
    ranked = sorted(range(len(candidates)), key=lambda i: (-scores[i], candidates[i].place))[:_POOL]
    top = scores[ranked[0]] or 1.0
    budget = target_words(sum(word_count(s.text) for s in segments))
    chosen: list[_Candidate] = []
    words = 0
    pool = list(ranked)
    while pool and words < budget:
        best = max(pool, key=lambda i: scores[i] / top - _REDUNDANCY * _redundancy(candidates[i], chosen))
        pool.remove(best)
        if words and words + candidates[best].words > budget * _OVERSHOOT:
            continue
        chosen.append(candidates[best])
        words += candidates[best].words
    return " ".join(c.shown() for c in sorted(chosen, key=lambda c: c.place))
