"""Bytes to text for uploaded transcripts.

Accepted: UTF-8 with or without BOM, UTF-16 and UTF-32 with a BOM. Anything else (latin-1, UTF-16
without BOM, binary) raises :class:`TranscriptEncodingError` rather than guessing, because a wrong
guess would silently corrupt names. Line endings are normalised to ``\\n``.
"""

from __future__ import annotations

import codecs
from typing import Any

from aipair.meetings.errors import TranscriptEncodingError

# UTF-32 LE must be tested before UTF-16 LE: its BOM starts with the UTF-16 LE BOM.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_transcript(data: bytes) -> str:
    """Decode ``data`` per its BOM (default strict UTF-8) and normalise newlines to ``\\n``.

    Raises :class:`TranscriptEncodingError` (with the ``byte_offset`` of the first bad byte after any
    BOM, and its 1-based ``line`` for UTF-8) on invalid input, and when the text contains NUL
    characters (UTF-16 without a BOM).
    """
    encoding, body = "utf-8", data
    for bom, name in _BOMS:
        if data.startswith(bom):
            encoding, body = name, data[len(bom) :]
            break
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        where: dict[str, Any] = {"byte_offset": exc.start}
        if encoding == "utf-8":
            where["line"] = body.count(b"\n", 0, exc.start) + 1
        raise TranscriptEncodingError(
            f"The transcript is not valid {encoding.upper()}", encoding=encoding, **where
        ) from None
    if "\x00" in text:
        raise TranscriptEncodingError(
            "The transcript contains NUL bytes (UTF-16 without a byte order mark?)", encoding=encoding
        )
    return text.replace("\r\n", "\n").replace("\r", "\n")
