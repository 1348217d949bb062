"""A meeting made ready for an engine: language, participants, and normalised speaker turns.

The stored transcript stays verbatim; engines read this instead. Each turn keeps the index of the
segment it came from (so ``segment_refs`` point into the stored transcript), carries the
participant who spoke it (see :class:`~aipair.meetings.engines.people.Participants`) and its text
normalised (:func:`~aipair.meetings.normalisation.normalise_text`); turns left empty by
normalisation ("Mm-hmm.") are dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aipair.meetings.engines.language import detect_language
from aipair.meetings.engines.people import Participants
from aipair.meetings.normalisation import normalise_text
from aipair.meetings.parsing.segments import Segment

_DETECTION_SEGMENTS = 400


@dataclass(frozen=True, slots=True)
class PreparedMeeting:
    """What engines read: ``segments`` are normalised turns with canonical speakers."""

    language: str
    participants: Participants
    segments: tuple[Segment, ...]

    @property
    def attendees(self) -> list[str]:
        """Given attendees, then every speaker, one spelling each."""
        return list(self.participants.names)


def meeting_language(segments: Sequence[Segment]) -> str:
    """``"en"`` or ``"es"``, from the first 400 segments."""
    return detect_language(" ".join(s.text for s in segments[:_DETECTION_SEGMENTS]))


def prepare_meeting(
    segments: Sequence[Segment], attendees: Sequence[str] = (), language: str | None = None
) -> PreparedMeeting:
    """Normalise ``segments`` for the engines; ``language`` is detected when not given."""
    chosen = language or meeting_language(segments)
    participants = Participants(attendees, (s.speaker for s in segments))
    turns: list[Segment] = []
    for segment in segments:
        text = normalise_text(segment.text, chosen)
        if text:
            speaker = participants.speaker(segment.speaker)
            turns.append(Segment(segment.index, speaker, segment.start, segment.end, text))
    return PreparedMeeting(chosen, participants, tuple(turns))
