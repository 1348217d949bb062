"""Entry points: recognise a transcript's format and parse it into segments."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

from aipair.meetings.errors import EmptyTranscript
from aipair.meetings.parsing.decoding import decode_transcript
from aipair.meetings.parsing.json_segments import parse_json_segments
from aipair.meetings.parsing.plain import parse_plain
from aipair.meetings.parsing.segments import Segment
from aipair.meetings.parsing.srt import parse_srt
from aipair.meetings.parsing.vtt import parse_vtt

TranscriptFormat = Literal["text", "vtt", "srt", "json"]

_EXTENSIONS: dict[str, TranscriptFormat] = {
    ".vtt": "vtt",
    ".webvtt": "vtt",
    ".srt": "srt",
    ".json": "json",
}
_SNIFF_CHARS = 4096
_SRT_HEAD = re.compile(r"\d+[ \t]*\n[ \t]*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}[ \t]+-->")
_PARSERS: dict[TranscriptFormat, Callable[[str], list[Segment]]] = {
    "text": parse_plain,
    "vtt": parse_vtt,
    "srt": parse_srt,
    "json": parse_json_segments,
}


def detect_format(filename: str, data: bytes) -> TranscriptFormat:
    """The transcript format: ``"vtt"``, ``"srt"``, ``"json"`` or ``"text"``.

    A known extension (``.vtt``, ``.srt``, ``.json``) decides, so a broken ``.vtt`` is reported as
    malformed WebVTT rather than read as prose. Otherwise the content is sniffed: ``WEBVTT`` header,
    an SRT cue, or a JSON list/object; anything else is plain text. Raises
    :class:`TranscriptEncodingError` if the bytes cannot be decoded.
    """
    return _detect(filename, decode_transcript(data))


def _detect(filename: str, text: str) -> TranscriptFormat:
    lowered = filename.lower()
    for extension, fmt in _EXTENSIONS.items():
        if lowered.endswith(extension):
            return fmt
    head = text[:_SNIFF_CHARS].lstrip()
    if head.startswith("WEBVTT"):
        return "vtt"
    if _SRT_HEAD.match(head):
        return "srt"
    if head.startswith(("[", "{")) and text.rstrip().endswith(("]", "}")):
        return "json"
    return "text"


def parse_transcript(filename: str, data: bytes) -> list[Segment]:
    """Decode, detect and parse an uploaded transcript into numbered segments.

    Invariants of the result: non-empty; ``segments[i].index == i``; texts are single-spaced; no
    speaker is invented. Raises :class:`TranscriptEncodingError`, :class:`TranscriptParseError`
    (with the 1-based ``line``) or :class:`EmptyTranscript`. Linear in the size of ``data``.
    """
    text = decode_transcript(data)
    if not text.strip():
        raise EmptyTranscript()
    segments = _PARSERS[_detect(filename, text)](text)
    if not segments:
        raise EmptyTranscript("The transcript contains no spoken text")
    return segments
