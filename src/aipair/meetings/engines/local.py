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

from aipair.meetings.engines.passes import MeetingPass, extract_segments
from aipair.meetings.engines.prepare import PreparedMeeting, meeting_language, prepare_meeting
from aipair.meetings.engines.rules import rules_for
from aipair.meetings.engines.summary import summarise
from aipair.meetings.engines.topics import find_topics, title_for
from aipair.meetings.minutes import ChunkExtraction, Minutes, assemble_minutes, merge_extractions
from aipair.meetings.parsing.segments import Segment

__all__ = ["build_minutes", "default_title", "extract_chunk", "finish_minutes"]


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


def local_summary(prepared: PreparedMeeting, meeting_date: dt.date) -> str:
    """The local engine's summary of the whole meeting."""
    whole: MeetingPass = extract_segments(
        prepared.segments, meeting_date, rules_for(prepared.language), prepared.attendees
    )
    return summarise(prepared.segments, highlights=whole.highlights, skip=whole.small_talk)


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
    whole = extract_segments(
        prepared.segments, meeting_date, rules_for(prepared.language), prepared.attendees
    )
    return finish_minutes(
        prepared,
        [merge_extractions([whole.extraction()])],
        meeting_date=meeting_date,
        title=title,
        summary=summarise(prepared.segments, highlights=whole.highlights, skip=whole.small_talk),
    )


def default_title(language: str, meeting_date: dt.date, topics: Sequence[str]) -> str:
    """ "Meeting 2026-03-04: roadmap, hiring" (or "Reunión …"): the title when none was given."""
    return title_for(rules_for(language), meeting_date, topics)
