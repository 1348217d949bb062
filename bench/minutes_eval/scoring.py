"""Scores of the engine's minutes against the gold minutes, summed per meeting group.

Per meeting: action items matched to gold ones (:mod:`.matching`); among matched pairs, whether the
owner is the gold owner (both ``None`` counts as right) and whether the due date is exactly the gold
one (both ``None`` counts as right; also reported over the gold items that state a date); gold
decisions found among the decisions written (and how many written decisions are gold ones); ROUGE
of the summary against the reference, next to a baseline that takes the transcript's first
sentences (normalised) up to the same length; markup, fillers and stutters left in any output text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields

from aipair.kit.text import split_sentences, word_count
from aipair.meetings.minutes import Minutes
from aipair.meetings.normalisation import normalise_text
from aipair.meetings.parsing import parse_transcript
from bench.minutes_eval.dataset import GoldMeeting
from bench.minutes_eval.matching import match
from bench.minutes_eval.rouge import rouge

MARKUP = re.compile(
    r"\{[^{}]*\}|\[[^\[\]]*\]|<[^<>]+>|\b[A-Za-z]_|\s(?:'s|'re|'ve|'ll|'d|'m|n't)\b|\s[.,!?;:…](?=\s|$)"
)
FILLER = re.compile(r"(?<![\w'-])(?:u+m+|u+h+|erm|mm+|mm-hmm|uh-huh|mhm|h+m+|e+h+|e+h*m+)(?![\w'-])", re.I)
STUTTER = re.compile(r"\b(\w+)\s+\1\b", re.IGNORECASE)


@dataclass
class Tally:
    """Counts summed over meetings; :meth:`ratio` turns them into the reported figures."""

    meetings: int = 0
    gold_actions: int = 0
    produced_actions: int = 0
    matched_actions: int = 0
    owners_right: int = 0
    dues_right: int = 0
    stated_dues: int = 0
    stated_dues_right: int = 0
    gold_decisions: int = 0
    produced_decisions: int = 0
    decisions_found: int = 0
    decisions_right: int = 0
    rouge1: float = 0.0
    rouge2: float = 0.0
    rougelsum: float = 0.0
    lead1: float = 0.0
    lead2: float = 0.0
    leadlsum: float = 0.0
    summary_words: int = 0
    markup: int = 0
    fillers: int = 0
    stutters: int = 0
    markup_examples: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        """Add ``other``'s counts to these."""
        for item in fields(self):
            mine, theirs = getattr(self, item.name), getattr(other, item.name)
            setattr(self, item.name, mine + theirs)

    @staticmethod
    def ratio(part: float, whole: float) -> float:
        """``part / whole``, 1.0 when there is nothing to count."""
        return part / whole if whole else 1.0

    @property
    def precision(self) -> float:
        """Share of produced action items that are gold ones."""
        return self.ratio(self.matched_actions, self.produced_actions)

    @property
    def recall(self) -> float:
        """Share of gold action items produced."""
        return self.ratio(self.matched_actions, self.gold_actions)

    @property
    def owner_accuracy(self) -> float:
        """Share of matched action items with the gold owner."""
        return self.ratio(self.owners_right, self.matched_actions)

    @property
    def due_accuracy(self) -> float:
        """Share of matched action items with exactly the gold due date (or rightly none)."""
        return self.ratio(self.dues_right, self.matched_actions)

    @property
    def stated_due_accuracy(self) -> float:
        """Share of matched action items whose gold due date is stated that got it exactly."""
        return self.ratio(self.stated_dues_right, self.stated_dues)

    @property
    def decision_recall(self) -> float:
        """Share of gold decisions found."""
        return self.ratio(self.decisions_found, self.gold_decisions)

    @property
    def decision_precision(self) -> float:
        """Share of written decisions that are gold ones."""
        return self.ratio(self.decisions_right, self.produced_decisions)

    def mean(self, total: float) -> float:
        """``total`` averaged over meetings."""
        return self.ratio(total, self.meetings) if self.meetings else 0.0


def output_texts(minutes: Minutes) -> list[str]:
    """Every text of the minutes a reader sees."""
    items = [*minutes.key_points, *minutes.decisions, *minutes.next_steps, *minutes.open_questions]
    actions = [text for a in minutes.action_items for text in (a.task, a.owner_name, a.due_text) if text]
    return [
        minutes.title,
        minutes.summary,
        *minutes.attendees,
        *minutes.topics,
        *(i.text for i in items),
        *actions,
    ]


def lead_summary(meeting: GoldMeeting, words: int) -> str:
    """The transcript's first sentences, normalised, up to ``words`` words."""
    segments = parse_transcript(meeting.transcript.name, meeting.transcript.read_bytes())
    chosen: list[str] = []
    for segment in segments:
        for sentence in split_sentences(normalise_text(segment.text, meeting.language)):
            if sum(word_count(s) for s in chosen) >= words:
                return " ".join(chosen)
            chosen.append(sentence)
    return " ".join(chosen)


def _leftovers(tally: Tally, texts: Iterable[str]) -> None:
    for text in texts:
        found = MARKUP.findall(text)
        tally.markup += len(found)
        tally.fillers += len(FILLER.findall(text))
        tally.stutters += len(STUTTER.findall(text))
        if found and len(tally.markup_examples) < 5:
            tally.markup_examples.append(text[:120])


def _actions(tally: Tally, meeting: GoldMeeting, minutes: Minutes) -> None:
    produced = minutes.action_items
    pairs = match([g.task for g in meeting.actions], [p.task for p in produced])
    tally.gold_actions += len(meeting.actions)
    tally.produced_actions += len(produced)
    tally.matched_actions += len(pairs)
    tally.stated_dues += sum(1 for gi, _ in pairs if meeting.actions[gi].due is not None)
    for gi, pi in pairs:
        gold, item = meeting.actions[gi], produced[pi]
        tally.owners_right += _same_owner(gold.owner, item.owner_name)
        tally.dues_right += gold.due == item.due_date
        tally.stated_dues_right += gold.due is not None and gold.due == item.due_date


def _same_owner(gold: str | None, produced: str | None) -> bool:
    return " ".join((gold or "").casefold().split()) == " ".join((produced or "").casefold().split())


def score(meeting: GoldMeeting, minutes: Minutes) -> Tally:
    """The counts of one meeting."""
    tally = Tally(meetings=1)
    _actions(tally, meeting, minutes)
    decisions = [d.text for d in minutes.decisions]
    found = match(list(meeting.decisions), decisions)
    tally.gold_decisions, tally.produced_decisions = len(meeting.decisions), len(decisions)
    tally.decisions_found = tally.decisions_right = len(found)
    summary = rouge(meeting.summary, minutes.summary)
    tally.summary_words = word_count(minutes.summary)
    lead = rouge(meeting.summary, lead_summary(meeting, max(tally.summary_words, 1)))
    tally.rouge1, tally.rouge2, tally.rougelsum = summary.r1, summary.r2, summary.rlsum
    tally.lead1, tally.lead2, tally.leadlsum = lead.r1, lead.r2, lead.rlsum
    _leftovers(tally, output_texts(minutes))
    return tally
