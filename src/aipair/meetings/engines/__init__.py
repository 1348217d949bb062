"""Minutes engines. ``local`` is rule-based and offline; the gateway engine is wired elsewhere."""

from aipair.meetings.engines.local import LocalEngine, build_minutes, extract_chunk, finish_minutes
from aipair.meetings.engines.prepare import PreparedMeeting, prepare_meeting

__all__ = [
    "LocalEngine",
    "PreparedMeeting",
    "build_minutes",
    "extract_chunk",
    "finish_minutes",
    "prepare_meeting",
]
