"""The offline ``local`` engine: rule-based, deterministic minutes in English and Spanish.

It reads a :class:`~aipair.meetings.engines.prepare.PreparedMeeting` (normalised turns, canonical
speakers). Each turn is split into sentences and every sentence is classified once, in one pass:

- a question is an action only when it is a request ("Bob, can you…?"), otherwise an open question
  when nobody answers it (:mod:`~aipair.meetings.engines.decisions`);
- a statement may state a decision (or sit in a list of decisions) and may carry an action cue
  (:mod:`~aipair.meetings.engines.actions`); candidates are settled together, replies taking tasks
  on (:mod:`~aipair.meetings.engines.followups`); otherwise a next-step cue makes a next step;
- what remains, when it is a whole thought, may become a key point.

Summary (:mod:`~aipair.meetings.engines.summary`), topics and title
(:mod:`~aipair.meetings.engines.topics`) are taken over the whole meeting. Every item's
``segment_refs`` holds the index of the segment it came from. A 3-hour meeting (~30,000 words)
takes a few seconds at most; see ``bench/meetings_local.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from aipair.meetings.engines.passes import extract_segments
from aipair.meetings.engines.prepare import PreparedMeeting, meeting_language, prepare_meeting
from aipair.meetings.engines.rules import rules_for
from aipair.meetings.engines.summary import summarise
from aipair.meetings.engines.topics import find_topics, title_for
from aipair.meetings.minutes import ChunkExtraction, Minutes, assemble_minutes, merge_extractions
from aipair.meetings.parsing.segments import Segment

__all__ = ["LocalEngine", "build_minutes", "extract_chunk", "finish_minutes"]


def extract_chunk(
    chunk_segments: Sequence[Segment],
    meeting_date: dt.date,
    language: str | None,
    *,
    attendees: Sequence[str] = (),
) -> ChunkExtraction:
    """Decisions, action items, questions, next steps and key points of prepared turns.

    ``chunk_segments`` are turns of a :class:`PreparedMeeting` (normalised, canonical speakers);
    ``language`` is detected from them when ``None``. Owners are the speaker or a named participant
    only: ``attendees`` plus this chunk's speakers, so when extracting chunk by chunk pass every
    participant of the meeting. Repeated items are merged. Deterministic.
    """
    rules = rules_for(language or meeting_language(chunk_segments))
    return merge_extractions([extract_segments(chunk_segments, meeting_date, rules, attendees).extraction()])


def finish_minutes(
    prepared: PreparedMeeting,
    extractions: Sequence[ChunkExtraction],
    *,
    meeting_date: dt.date,
    title: str | None,
    summary: str | None = None,
) -> Minutes:
    """Minutes of a whole meeting from its chunks' extractions.

    ``summary`` replaces the summary the chunks suggest (the local engine summarises the whole
    meeting at once); topics come from the whole meeting and make the title when none is given.
    """
    merged = merge_extractions(extractions)
    topics = find_topics(prepared.segments, prepared.attendees) or merged.topics
    return assemble_minutes(
        merged.model_copy(update={"topics": topics}),
        title=title or title_for(rules_for(prepared.language), meeting_date, topics),
        meeting_date=meeting_date,
        attendees=prepared.attendees,
        language=prepared.language,
        summary=summary,
    )


class LocalEngine:
    """The local engine on one prepared meeting, chunk by chunk (progress can be reported between
    chunks); it keeps where decisions, actions and small talk were, for the whole-meeting summary."""

    def __init__(self, prepared: PreparedMeeting, meeting_date: dt.date) -> None:
        self._prepared = prepared
        self._meeting_date = meeting_date
        self._rules = rules_for(prepared.language)
        self._extractions: list[ChunkExtraction] = []
        self._highlights: set[tuple[int, int]] = set()
        self._small_talk: set[tuple[int, int]] = set()

    def extract(self, chunk_segments: Sequence[Segment]) -> ChunkExtraction:
        """One chunk's findings (kept for :meth:`minutes`, and returned)."""
        prepared = self._prepared
        found = extract_segments(
            chunk_segments, self._meeting_date, self._rules, prepared.attendees, prepared.participants.roles
        )
        self._highlights |= found.highlights
        self._small_talk |= found.small_talk
        extraction = merge_extractions([found.extraction()])
        self._extractions.append(extraction)
        return extraction

    def minutes(self, title: str | None) -> Minutes:
        """The minutes of every chunk extracted so far, summarised as one meeting."""
        segments = self._prepared.segments
        summary = summarise(segments, highlights=self._highlights, skip=self._small_talk)
        return finish_minutes(
            self._prepared, self._extractions, meeting_date=self._meeting_date, title=title, summary=summary
        )


def build_minutes(
    segments: Sequence[Segment],
    meeting_date: dt.date,
    title: str | None,
    attendees: Sequence[str],
    language: str | None,
) -> Minutes:
    """Minutes of a whole meeting with the local engine (one pass over every segment).

    Attendees are the given ones followed by every speaker, one spelling each. Without a ``title``
    one is made from the meeting date and the main topics; without a ``language`` it is detected.
    """
    prepared = prepare_meeting(segments, attendees, language)
    engine = LocalEngine(prepared, meeting_date)
    engine.extract(prepared.segments)
    return engine.minutes(title)
