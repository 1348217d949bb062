"""JSON transcripts: a list of segment objects, or an object holding one under ``segments``.

Field aliases (first present wins): speaker ← ``speaker``, ``speaker_name``, ``speakerName``, ``name``,
``speaker_label``; start ← ``start``, ``start_time``, ``startTime``, ``begin``, ``from``; end ← ``end``,
``end_time``, ``endTime``, ``to``; text ← ``text``, ``content``, ``transcript``, ``utterance``. Times
are seconds (numbers or numeric strings) or clocks ("HH:MM:SS.mmm"). Errors carry the 1-based line
of the offending item; positions are tracked while decoding, so this stays linear.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from aipair.meetings.errors import TranscriptParseError
from aipair.meetings.parsing.segments import Segment, build_segments
from aipair.meetings.parsing.timecodes import parse_clock

_CONTAINER_KEYS = ("segments", "utterances", "results")
_SPEAKER_KEYS = ("speaker", "speaker_name", "speakerName", "name", "speaker_label")
_START_KEYS = ("start", "start_time", "startTime", "begin", "from")
_END_KEYS = ("end", "end_time", "endTime", "to")
_TEXT_KEYS = ("text", "content", "transcript", "utterance")
_WHITESPACE = re.compile(r"[ \t\n\r]*")


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _skip(text: str, position: int) -> int:
    match = _WHITESPACE.match(text, position)
    return match.end() if match else position


def parse_json_segments(text: str) -> list[Segment]:
    """Segments of a JSON transcript; raises :class:`TranscriptParseError` on bad JSON or bad items."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TranscriptParseError(f"Line {exc.lineno}: invalid JSON ({exc.msg})", line=exc.lineno) from None
    decoder = json.JSONDecoder()
    position = _skip(text, 0)
    if isinstance(document, dict):
        key = next((k for k in _CONTAINER_KEYS if isinstance(document.get(k), list)), None)
        if key is None:
            raise TranscriptParseError("Line 1: expected a list of segments or {'segments': [...]}", line=1)
        position = _value_position(decoder, text, position, key)
    elif not isinstance(document, list):
        raise TranscriptParseError("Line 1: expected a list of segments", line=1)
    rows = [_row(text, at, item) for at, item in _array_items(decoder, text, position)]
    return build_segments(rows)


def _value_position(decoder: json.JSONDecoder, text: str, position: int, wanted: str) -> int:
    """Offset of the value of the last top-level ``wanted`` key (``position`` is at the ``{``)."""
    found = position
    position = _skip(text, position + 1)
    while text[position] != "}":
        key, position = decoder.raw_decode(text, position)
        position = _skip(text, _skip(text, position) + 1)  # past ':'
        if key == wanted:
            found = position
        _, position = decoder.raw_decode(text, position)
        position = _skip(text, position)
        if text[position] == ",":
            position = _skip(text, position + 1)
    return found


def _array_items(decoder: json.JSONDecoder, text: str, position: int) -> list[tuple[int, Any]]:
    """(offset, value) of each element of the (already validated) array starting at ``position``."""
    items: list[tuple[int, Any]] = []
    position = _skip(text, position + 1)
    while text[position] != "]":
        value, end = decoder.raw_decode(text, position)
        items.append((position, value))
        position = _skip(text, end)
        if text[position] == ",":
            position = _skip(text, position + 1)
    return items


def _first(item: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return next((item[k] for k in keys if item.get(k) is not None), None)


def _row(text: str, position: int, item: Any) -> tuple[str | None, float | None, float | None, str]:
    def fail(reason: str) -> TranscriptParseError:
        line = _line_of(text, position)
        return TranscriptParseError(f"Line {line}: segment {reason}", line=line)

    if not isinstance(item, dict):
        raise fail("must be an object")
    body = _first(item, _TEXT_KEYS)
    if not isinstance(body, str):
        raise fail("needs a 'text' string")
    speaker = _first(item, _SPEAKER_KEYS)
    if speaker is not None and not isinstance(speaker, str | int):
        raise fail("speaker must be a string")
    try:
        start, end = _seconds(_first(item, _START_KEYS)), _seconds(_first(item, _END_KEYS))
    except ValueError:
        raise fail("has an invalid time (seconds or 'HH:MM:SS.mmm')") from None
    if start is not None and end is not None and end < start:
        raise fail("ends before it starts")
    return (str(speaker).strip() if speaker is not None else None), start, end, body


def _seconds(value: Any) -> float | None:
    """Seconds for a JSON time value, ``None`` when absent; ``ValueError`` when invalid."""
    if value is None:
        return None
    if isinstance(value, str):
        clock = parse_clock(value)
        number = clock if clock is not None else float(value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        raise ValueError(value)
    if not math.isfinite(number) or number < 0:
        raise ValueError(value)
    return number
