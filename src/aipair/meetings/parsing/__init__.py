"""Transcript parsing: bytes of a plain-text, WebVTT, SRT or JSON transcript to :class:`Segment` s.

Pure functions, no I/O. See :func:`parse_transcript` for the entry point and the errors it raises.
"""

from aipair.meetings.parsing.segments import Segment
from aipair.meetings.parsing.transcript import TranscriptFormat, detect_format, parse_transcript

__all__ = ["Segment", "TranscriptFormat", "detect_format", "parse_transcript"]
