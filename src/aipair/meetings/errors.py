"""Errors of the meeting processor.

Transcript errors are :class:`~aipair.errors.Unprocessable` (422): the upload is well-formed as a file
but cannot be used. Their ``details`` say where the problem is (``line`` is 1-based) so the user can
fix the file. :class:`ModelAnswerInvalid` is raised when a model's answer for a chunk does not match
the schema; the processing job retries it a bounded number of times.
"""

from __future__ import annotations

from typing import Any

from aipair.errors import (
    AppError,
    Conflict,
    NotFound,
    PayloadTooLarge,
    Unprocessable,
    UnsupportedMediaType,
    ValidationFailed,
)


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


class MeetingNotFound(NotFound):
    """No such meeting visible to the caller (another company's, or a colleague's for an EMPLOYEE)."""

    code = "meeting_not_found"
    default_message = "Meeting not found"


class ActionItemNotFound(NotFound):
    """No such action item visible to the caller."""

    code = "action_item_not_found"
    default_message = "Action item not found"


class UnsupportedMeetingFile(UnsupportedMediaType):
    """The file is neither a supported transcript (txt, vtt, srt, json) nor audio (wav, mp3, m4a, webm)."""

    code = "unsupported_media_type"
    default_message = (
        "Unsupported file type: upload a transcript (.txt, .vtt, .srt, .json)"
        " or audio (.wav, .mp3, .m4a, .webm)"
    )


class MeetingFileTooLarge(PayloadTooLarge):
    """The file is larger than ``http.max_upload_bytes``."""

    code = "payload_too_large"
    default_message = "The file is larger than the upload limit"


class EmptyUpload(ValidationFailed):
    """The multipart request carried an empty file."""

    code = "empty_file"
    default_message = "The uploaded file is empty"


class StorageLimitExceeded(Conflict):
    """Storing the file would take the company past its plan's ``storage_mb``."""

    code = "storage_limit_exceeded"
    default_message = "This upload would exceed your plan's storage limit"


class DuplicateMeeting(Conflict):
    """The same file is already a meeting of the company, one the uploader may not see.

    Names no meeting id: the uploader learns only that the content exists (one copy per company), not
    whose it is or what it became. A MANAGER or the original uploader can share the minutes.
    """

    code = "duplicate_meeting"
    default_message = (
        "This file has already been uploaded to your company by someone else;"
        " ask them or a manager for its minutes"
    )


class NoTranscriptionProvider(Unprocessable):
    """Audio was uploaded but nothing can transcribe it (no gateway model, no offline recogniser for it)."""

    code = "no_transcription_provider"
    default_message = "No transcription provider is configured for this audio"


class AudioCorrupt(Unprocessable):
    """The audio file is not what its type says, or cannot be decoded."""

    code = "audio_corrupt"
    default_message = "The audio file is corrupt or not in the format its name says"


class MinutesNotReady(Conflict):
    """The meeting has no minutes yet (still processing, or processing failed)."""

    code = "minutes_not_ready"
    default_message = "The minutes of this meeting are not ready"


class OwnerNotMember(ValidationFailed):
    """An action item's owner must be an active member of the company."""

    code = "owner_not_member"
    default_message = "The owner must be a member of the company"
