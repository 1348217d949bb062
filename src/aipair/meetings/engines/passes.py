"""One pass of the local engine over prepared turns: every sentence classified once.

See :mod:`~aipair.meetings.engines.local` for what each kind of sentence becomes. The pass also
records where decisions and actions were said (``highlights``, which the summary favours) and where
the meeting only talks to itself (``small_talk``: greetings, thanks, "let's move on"), which the
summary never quotes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from aipair.kit.text import rank_sentences, split_sentences, word_count
from aipair.meetings.engines.actions import find_cue, priority_of
from aipair.meetings.engines.decisions import (
    agreed_question,
    explain,
    is_decision,
    is_open_question,
    is_question,
    list_opening,
)
from aipair.meetings.engines.due_dates import DueDate, find_due_date
from aipair.meetings.engines.followups import Candidate, settle
from aipair.meetings.engines.people import NameIndex
from aipair.meetings.engines.rules import LanguageRules
from aipair.meetings.engines.wording import clause_end, is_pronominal, refers_back, task_words
from aipair.meetings.minutes import ChunkExtraction, MinuteItem, fit
from aipair.meetings.parsing.segments import Segment

_MIN_STATEMENT_WORDS = 6
_MAX_ITEM_CHARS = 600
_MAX_KEY_POINTS = 8
_STATEMENTS_PER_KEY_POINT = 20
_SHORT_WORDS = 4  # "Agreed, then.", "Acordado.": what they agree to was said before
_LOOK_BACK_TURNS = 3
_FOLLOWER_WORDS = 8  # "…by Monday? It's urgent." / "Os cuento el martes.": a short next sentence counts

Place = tuple[int, int]


@dataclass(slots=True)
class MeetingPass:
    """What one pass over the turns collects (local to one call, never shared)."""

    rules: LanguageRules
    names: NameIndex
    meeting_date: dt.date
    segments: Sequence[Segment]
    decisions: list[MinuteItem] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    next_steps: list[MinuteItem] = field(default_factory=list)
    questions: list[MinuteItem] = field(default_factory=list)
    statements: list[tuple[str, int]] = field(default_factory=list)
    highlights: set[Place] = field(default_factory=set)
    small_talk: set[Place] = field(default_factory=set)
    proposals: list[str] = field(default_factory=list)

    def _due_in(self, sentence: str) -> DueDate | None:
        return find_due_date(sentence, self.meeting_date, self.rules.language)

    def extraction(self) -> ChunkExtraction:
        """The pass's findings as a chunk extraction (no summary: the engine summarises the meeting)."""
        key_count = min(_MAX_KEY_POINTS, max(1, len(self.statements) // _STATEMENTS_PER_KEY_POINT))
        chosen = rank_sentences([s for s, _ in self.statements], key_count)
        return ChunkExtraction(
            key_points=[
                MinuteItem(text=self.statements[i][0], segment_refs=[self.statements[i][1]]) for i in chosen
            ],
            decisions=self.decisions,
            action_items=settle(self.candidates, self.segments, self.rules, self._due_in),
            next_steps=self.next_steps,
            open_questions=self.questions,
        )


def extract_segments(
    segments: Sequence[Segment],
    meeting_date: dt.date,
    rules: LanguageRules,
    attendees: Sequence[str],
    roles: Mapping[str, str] | None = None,
) -> MeetingPass:
    """Classify every sentence of ``segments`` (prepared turns); linear in the text. ``roles`` maps
    role words of the speaker labels to participants ("tesorero" → "Lic. Andrés Zamora")."""
    speakers = [s.speaker for s in segments if s.speaker]
    state = MeetingPass(rules, NameIndex([*attendees, *speakers], roles), meeting_date, segments)
    for position, segment in enumerate(segments):
        _turn(state, position, segment)
    return state


def _turn(state: MeetingPass, position: int, segment: Segment) -> None:
    sentences = split_sentences(segment.text, lowercase_continues=False)
    listing: bool | None = None  # inside a list of decisions: False, of a recap: True
    for number, sentence in enumerate(sentences):
        follower = sentences[number + 1] if number + 1 < len(sentences) else ""
        place = (segment.index, number)
        if _small_talk(state.rules, sentence):
            state.small_talk.add(place)
        if is_question(sentence):
            _question(state, position, number, segment, sentence, follower)
            continue
        opening = list_opening(state.rules, sentence)
        if opening is not None:
            listing, first = opening
            if first:
                _decision(state, place, segment, first)
            continue
        acted = listing is not True and any(
            [
                _action(state, position, number, segment, clause, follower)
                for clause in _clauses(state, sentence)
            ]
        )
        around = (follower, sentences[number - 1] if number else _last_sentence(state, position))
        decided = _decide(state, (position, number), segment, sentence, listing, acted, around)
        if state.rules.proposal.search(sentence):
            state.proposals.append(sentence)
        if not acted and not decided:
            _statement(state, place, segment, sentence)


_CLAUSE_LINK = re.compile(r",\s+(?:and|y|e)\s+", re.IGNORECASE)


def _clauses(state: MeetingPass, sentence: str) -> list[str]:
    """A sentence that turns to someone else ("…, and Grad D, you do the figures") is two clauses."""
    clauses: list[str] = []
    start = 0
    for link in _CLAUSE_LINK.finditer(sentence):
        mentions = state.names.find(sentence[link.end() : link.end() + 60])
        if mentions and mentions[0].start == 0:
            clauses.append(sentence[start : link.start()])
            start = link.end()
    return [*clauses, sentence[start:]]


def _statement(state: MeetingPass, place: Place, segment: Segment, sentence: str) -> None:
    """A sentence that is neither action nor decision: a next step, or a key point candidate."""
    if state.rules.next_step.search(sentence):
        state.next_steps.append(_item(sentence, segment))
    elif word_count(sentence) >= _MIN_STATEMENT_WORDS and place not in state.small_talk:
        state.statements.append((fit(sentence, _MAX_ITEM_CHARS), segment.index))


def _earlier_statement(state: MeetingPass, position: int, number: int) -> str:
    """The last statement of some length said before sentence ``number`` of the turn at
    ``position``, within the last few turns."""
    for back in range(_LOOK_BACK_TURNS + 1):
        if position - back < 0:
            break
        sentences = split_sentences(state.segments[position - back].text, lowercase_continues=False)
        for sentence in reversed(sentences[:number] if back == 0 else sentences):
            if word_count(sentence) >= _MIN_STATEMENT_WORDS and not is_question(sentence):
                return sentence
    return ""


def _sentence_before(state: MeetingPass, position: int, number: int) -> str:
    """The sentence said right before sentence ``number`` of the turn at ``position``."""
    if number:
        return split_sentences(state.segments[position].text, lowercase_continues=False)[number - 1]
    return _last_sentence(state, position)


def _last_sentence(state: MeetingPass, position: int) -> str:
    if position == 0:
        return ""
    previous = split_sentences(state.segments[position - 1].text, lowercase_continues=False)
    return previous[-1] if previous else ""


def _decide(
    state: MeetingPass,
    at: tuple[int, int],  # (position in the pass, sentence number)
    segment: Segment,
    sentence: str,
    listing: bool | None,
    acted: bool,
    around: tuple[str, str],
) -> bool:
    place = (segment.index, at[1])
    in_list = listing is False or (listing is True and not acted and not state.names.find(sentence[:20]))
    if in_list:
        _decision(state, place, segment, sentence)
        return True
    if is_decision(state.rules, sentence):
        earlier = _earlier_statement(state, *at) if word_count(sentence) <= _SHORT_WORDS else ""
        explained = explain(sentence, state.proposals, after=around[0], before=around[1], earlier=earlier)
        _decision(state, place, segment, explained)
        return True
    return False


def _decision(state: MeetingPass, place: Place, segment: Segment, text: str) -> None:
    state.decisions.append(_item(_capitalised(_AND.sub("", text)), segment))
    state.highlights.add(place)


def _item(text: str, segment: Segment) -> MinuteItem:
    return MinuteItem(text=fit(text, _MAX_ITEM_CHARS), segment_refs=[segment.index])


_AND = re.compile(r"^(?:and|also|y|también)\s+", re.IGNORECASE)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _small_talk(rules: LanguageRules, sentence: str) -> bool:
    return bool(rules.small_talk.search(sentence) or rules.narration_phrase.search(sentence))


def _question(
    state: MeetingPass, position: int, number: int, segment: Segment, sentence: str, follower: str
) -> None:
    if _action(state, position, number, segment, sentence, follower, question=True):
        return
    before = _sentence_before(state, position, number)
    agreed = agreed_question(state.rules, state.segments, position, sentence, before)
    if agreed is not None:
        _decision(state, (segment.index, number), segment, agreed)
        return
    if is_open_question(state.rules, state.segments, position, sentence):
        state.questions.append(_item(sentence, segment))


def _due(state: MeetingPass, sentence: str, follower: str) -> DueDate | None:
    due = find_due_date(sentence, state.meeting_date, state.rules.language)
    if due is None and follower and word_count(follower) <= _FOLLOWER_WORDS and not is_question(follower):
        due = find_due_date(follower, state.meeting_date, state.rules.language)
    return due


def _action(
    state: MeetingPass,
    position: int,
    number: int,
    segment: Segment,
    sentence: str,
    follower: str,
    *,
    question: bool = False,
) -> bool:
    cue = find_cue(state.rules, sentence, segment.speaker, state.names, question=question)
    if cue is None:
        return False
    due = _due(state, sentence[: clause_end(sentence, cue.end)], follower)
    task = task_words(state.rules, cue.rest, cue.owner, state.names, due.text if due else None)
    agenda = bool(state.rules.agenda.search(sentence)) and (due is None or due.date == state.meeting_date)
    state.candidates.append(
        Candidate(
            cue=cue,
            task=task,
            owner=cue.owner,
            due=due,
            priority=priority_of(state.rules, f"{sentence} {follower}" if follower else sentence),
            position=position,
            index=segment.index,
            sentence=number,
            pronominal=is_pronominal(
                state.rules, task.replace(due.text, "") if due else task, sentence, cue.end
            ),
            refers_back=refers_back(task),
            agenda=agenda,
        )
    )
    state.highlights.add((segment.index, number))
    return True
