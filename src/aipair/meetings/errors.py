"""Errors of the meeting processor.

Transcript errors are :class:`~aipair.errors.Unprocessable` (422): the upload is well-formed as a file
but cannot be used. Their ``details`` say where the problem is (``line`` is 1-based) so the user can
fix the file. :class:`ModelAnswerInvalid` is raised when a model's answer for a chunk does not match
the schema; the processing job retries it a bounded number of times.
"""

from __future__ import annotations

from typing import Any

from aipair.errors import AppError, Unprocessable


class TranscriptParseError(Unprocessable):
    """The transcript does not follow its format; ``details["line"]`` is the 1-based line at fault."""

    code = "transcript_malformed"
    default_message = "The transcript is malformed"

    def __init__(self, message: str | None = None, *, line: int, **details: Any):
        super().__init__(message, line=line, **details)
        self.line = line


class EmptyTranscript(Unprocessable):
    """The transcript holds no spoken text (empty file, only headers, only blank cues)."""

    code = "transcript_empty"
    default_message = "The transcript contains no text"


class TranscriptEncodingError(Unprocessable):
    """The bytes are neither UTF-8 (with or without BOM) nor UTF-16/UTF-32 with a BOM."""

    code = "transcript_encoding"
    default_message = "The transcript must be UTF-8 (or UTF-16 with a byte order mark)"


class ModelAnswerInvalid(AppError):
    """A model's answer for a chunk is not valid JSON or violates the extraction schema.

    ``details["reason"]`` is ``invalid_json`` or ``schema``; ``details["errors"]`` lists at most ten
    problems as ``{"loc": "action_items.0.priority", "msg": ...}``. Retrying the chunk is safe.
    """

    status_code = 502
    code = "model_answer_invalid"
    default_message = "The model's answer did not match the expected format"
