"""The offline ``local`` engine: rule-based, deterministic minutes in English and Spanish.

Each segment is split into sentences (:func:`aipair.kit.text.split_sentences`) and every sentence is
classified once, in a single linear pass:

- a question ("…?") is an action when it is a request ("Bob, can you…?"), otherwise an *open
  question* unless one of the next three segments, by someone else, answers it (starts with
  "yes"/"no"/"claro"… or shares two content words with it); questions under four words are ignored;
- a statement with a decision cue (not negated: "we haven't decided" is not a decision) is a decision;
- a statement with an action cue is an action item (owner, due date, priority: see
  :mod:`~aipair.meetings.engines.actions` and :mod:`~aipair.meetings.engines.due_dates`), otherwise
  with a next-step cue a next step;
- the remaining statements of six words or more are ranked (:func:`aipair.kit.text.rank_sentences`)
  into key points; summary candidates are the best statements including decisions and actions;
- topics are the most frequent content words and word pairs, names and fillers excluded.

Every item's ``segment_refs`` holds the index of the segment it came from. A 3-hour meeting
(~30,000 words) takes well under a second; see ``bench/meetings_local.py``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from aipair.kit.text import (
    STOPWORDS,
    content_words,
    rank_sentences,
    split_sentences,
    tokenize_words,
    word_count,
)
from aipair.meetings.engines.actions import find_action, priority_of
from aipair.meetings.engines.due_dates import find_due_date
from aipair.meetings.engines.people import NameIndex
from aipair.meetings.engines.rules import LanguageRules, detect_language, rules_for
from aipair.meetings.minutes import (
    ActionItem,
    ChunkExtraction,
    MinuteItem,
    Minutes,
    assemble_minutes,
    merge_extractions,
)
from aipair.meetings.parsing.segments import Segment

_MIN_STATEMENT_WORDS = 6
_MIN_QUESTION_WORDS = 4
_ANSWER_WINDOW = 3
_SHARED_WORDS_FOR_ANSWER = 1
_MAX_TOPICS = 8
_MIN_TOPIC_COUNT = 2
_DETECTION_SEGMENTS = 400
_PRIORITY_FOLLOWER_WORDS = 5  # "… by Monday? It's urgent." — a short next sentence sets the priority


@dataclass(slots=True)
class _Pass:
    """What one pass over the segments collects (local to one call, never shared)."""

    rules: LanguageRules
    names: NameIndex
    meeting_date: dt.date
    segments: Sequence[Segment]
    decisions: list[MinuteItem] = field(default_factory=list)
    actions: list[ActionItem] = field(default_factory=list)
    next_steps: list[MinuteItem] = field(default_factory=list)
    questions: list[MinuteItem] = field(default_factory=list)
    statements: list[tuple[str, int]] = field(default_factory=list)
    summary_pool: list[tuple[str, int]] = field(default_factory=list)


def extract_chunk(
    chunk_segments: Sequence[Segment],
    meeting_date: dt.date,
    language: str | None,
    *,
    attendees: Sequence[str] = (),
) -> ChunkExtraction:
    """Extract decisions, action items, questions, next steps, key points and topics from segments.

    ``language`` is ``"en"``/``"es"`` or ``None`` to detect it. Owners are the speaker or a named
    participant only: ``attendees`` plus this chunk's speakers, so when extracting chunk by chunk pass
    every attendee and every speaker of the meeting. Due dates only when stated. Deterministic and
    linear in the text.
    """
    segments = list(chunk_segments)
    rules = rules_for(language or _detect(segments))
    speakers = [s.speaker for s in segments if s.speaker]
    state = _Pass(rules, NameIndex([*attendees, *speakers]), meeting_date, segments)
    for position, segment in enumerate(segments):
        sentences = split_sentences(segment.text)
        for number, sentence in enumerate(sentences):
            follower = sentences[number + 1] if number + 1 < len(sentences) else ""
            context = (
                f"{sentence} {follower}" if word_count(follower) <= _PRIORITY_FOLLOWER_WORDS else sentence
            )
            _classify(state, position, segment, sentence, context)
    return merge_extractions([_finish(state)])


def build_minutes(
    segments: Sequence[Segment],
    meeting_date: dt.date,
    title: str | None,
    attendees: Sequence[str],
    language: str | None,
) -> Minutes:
    """Minutes of a whole meeting with the local engine (one pass over every segment).

    Attendees are the given ones followed by every speaker, without duplicates. Without a ``title``
    one is made from the meeting date and the main topics.
    """
    rules = rules_for(language or _detect(segments))
    extraction = extract_chunk(segments, meeting_date, rules.language, attendees=attendees)
    everyone = [*attendees, *(s.speaker for s in segments if s.speaker)]
    return assemble_minutes(
        extraction,
        title=title or _default_title(rules, meeting_date, extraction.topics),
        meeting_date=meeting_date,
        attendees=list(dict.fromkeys(everyone)),
    )


def default_title(language: str, meeting_date: dt.date, topics: Sequence[str]) -> str:
    """ "Meeting 2026-03-04: roadmap, hiring" (or "Reunión …"): the title when none was given."""
    return _default_title(rules_for(language), meeting_date, topics)


def _detect(segments: Sequence[Segment]) -> str:
    return detect_language(" ".join(s.text for s in segments[:_DETECTION_SEGMENTS]))


def _default_title(rules: LanguageRules, meeting_date: dt.date, topics: Sequence[str]) -> str:
    about = ", ".join(topics[:3])
    return f"{rules.meeting_word} {meeting_date.isoformat()}" + (f": {about}" if about else "")


def _classify(state: _Pass, position: int, segment: Segment, sentence: str, context: str) -> None:
    """File ``sentence`` under at most one of question/action/next step, plus decision/statement."""
    speaker = state.names.canonical(segment.speaker) if segment.speaker else None
    ref = [segment.index]
    if sentence.rstrip("\"'”’»)").endswith("?"):
        if not _add_action(state, segment, sentence, context, speaker, question=True):
            _maybe_open_question(state, position, segment, sentence)
        return
    rules = state.rules
    is_decision = bool(rules.decision.search(sentence)) and not rules.decision_negated.search(sentence)
    if is_decision:
        state.decisions.append(MinuteItem(text=sentence, segment_refs=ref))
    is_action = _add_action(state, segment, sentence, context, speaker, question=False)
    if not is_action and not is_decision and rules.next_step.search(sentence):
        state.next_steps.append(MinuteItem(text=sentence, segment_refs=ref))
    elif word_count(sentence) >= _MIN_STATEMENT_WORDS:
        state.summary_pool.append((sentence, segment.index))
        if not is_action and not is_decision:
            state.statements.append((sentence, segment.index))


def _add_action(
    state: _Pass, segment: Segment, sentence: str, context: str, speaker: str | None, *, question: bool
) -> bool:
    cue = find_action(state.rules, sentence, speaker, state.names, question=question)
    if cue is None:
        return False
    due = find_due_date(sentence, state.meeting_date, state.rules.language)
    state.actions.append(
        ActionItem(
            task=cue.task,
            owner_name=cue.owner,
            due_date=due.date if due else None,
            due_text=due.text if due else None,
            priority=priority_of(state.rules, context),
            segment_refs=[segment.index],
        )
    )
    return True


def _maybe_open_question(state: _Pass, position: int, segment: Segment, question: str) -> None:
    if word_count(question) < _MIN_QUESTION_WORDS or _is_answered(state, position, segment, question):
        return
    state.questions.append(MinuteItem(text=question, segment_refs=[segment.index]))


def _is_answered(state: _Pass, position: int, segment: Segment, question: str) -> bool:
    asked = {w for w in content_words(question) if len(w) > 3}
    for later in state.segments[position + 1 : position + 1 + _ANSWER_WINDOW]:
        if segment.speaker is not None and later.speaker == segment.speaker:
            continue
        if state.rules.answer_opening.match(later.text):
            return True
        if len(asked.intersection(content_words(later.text[:1000]))) >= _SHARED_WORDS_FOR_ANSWER:
            return True
    return False


def _finish(state: _Pass) -> ChunkExtraction:
    key_count = min(8, max(1, len(state.statements) // 20))
    summary_count = min(5, max(1, len(state.summary_pool) // 30))
    key_points = [state.statements[i] for i in rank_sentences([s for s, _ in state.statements], key_count)]
    summary = [
        state.summary_pool[i][0] for i in rank_sentences([s for s, _ in state.summary_pool], summary_count)
    ]
    return ChunkExtraction(
        summary=summary,
        key_points=[MinuteItem(text=text, segment_refs=[index]) for text, index in key_points],
        decisions=state.decisions,
        action_items=state.actions,
        next_steps=state.next_steps,
        open_questions=state.questions,
        topics=_topics(state),
    )


def _topics(state: _Pass) -> list[str]:
    """Most frequent word pairs (then words) over the segments, names and fillers excluded."""
    excluded = state.rules.fillers | {w.lower() for name in state.names.names for w in name.split()}
    words: Counter[str] = Counter()
    pairs: Counter[str] = Counter()
    for segment in state.segments:
        tokens = tokenize_words(segment.text)
        keep = [len(w) > 3 and w not in excluded and w not in STOPWORDS for w in tokens]
        words.update(w for w, kept in zip(tokens, keep, strict=True) if kept)
        pairs.update(
            f"{tokens[i]} {tokens[i + 1]}"
            for i in range(len(tokens) - 1)
            if keep[i] and keep[i + 1] and tokens[i] != tokens[i + 1]
        )
    chosen = [p for p, n in pairs.most_common(_MAX_TOPICS // 2) if n >= _MIN_TOPIC_COUNT + 1]
    covered = {w for p in chosen for w in p.split()}
    for word, count in sorted(words.items(), key=lambda item: (-item[1], item[0])):
        if len(chosen) >= _MAX_TOPICS or count < _MIN_TOPIC_COUNT:
            break
        if word not in covered:
            chosen.append(word)
    return chosen
