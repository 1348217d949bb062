"""What an uploaded file is, checked before anything is stored.

A transcript is fully parsed at upload so a corrupt one answers 422 with its line number and nothing
is written; audio is checked by its signature (and WAV by its header) and refused with 422 when no
transcription provider can read it.
"""

from __future__ import annotations

import io
import os
import wave
from dataclasses import dataclass
from typing import Literal

from aipair.meetings.errors import AudioCorrupt, EmptyUpload, UnsupportedMeetingFile
from aipair.meetings.parsing import parse_transcript

SourceKind = Literal["transcript", "audio"]

_TRANSCRIPT_EXTENSIONS = {
    ".txt": "text",
    ".text": "text",
    ".vtt": "vtt",
    ".webvtt": "vtt",
    ".srt": "srt",
    ".json": "json",
}
_AUDIO_EXTENSIONS = {".wav": "wav", ".wave": "wav", ".mp3": "mp3", ".m4a": "m4a", ".webm": "webm"}
_TRANSCRIPT_TYPES = {
    "text/plain": "text",
    "text/vtt": "vtt",
    "application/x-subrip": "srt",
    "text/srt": "srt",
    "application/json": "json",
}
_AUDIO_TYPES = {
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/vnd.wave": "wav",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/mp4": "m4a",
    "audio/x-m4a": "m4a",
    "audio/m4a": "m4a",
    "audio/webm": "webm",
    "video/webm": "webm",
}
_GENERIC_TYPES = ("", "application/octet-stream")
_MEDIA_TYPES = {
    "text": "text/plain",
    "vtt": "text/vtt",
    "srt": "application/x-subrip",
    "json": "application/json",
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "webm": "audio/webm",
}


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A checked upload: transcript (with its segment count) or audio, and its canonical media type."""

    kind: SourceKind
    format: str
    media_type: str
    segment_count: int | None


def classify(filename: str, content_type: str | None) -> tuple[SourceKind, str]:
    """(kind, format) from the extension, else the declared type; raises 415 for anything else."""
    extension = os.path.splitext(filename.lower())[1]
    declared = (content_type or "").split(";")[0].strip().lower()
    if extension in _TRANSCRIPT_EXTENSIONS:
        return "transcript", _TRANSCRIPT_EXTENSIONS[extension]
    if extension in _AUDIO_EXTENSIONS:
        return "audio", _AUDIO_EXTENSIONS[extension]
    if declared in _AUDIO_TYPES:
        return "audio", _AUDIO_TYPES[declared]
    if declared in _TRANSCRIPT_TYPES:
        return "transcript", _TRANSCRIPT_TYPES[declared]
    if not extension and declared in _GENERIC_TYPES:
        return "transcript", "text"
    raise UnsupportedMeetingFile(filename=filename, content_type=declared or None)


def inspect_upload(filename: str, content_type: str | None, data: bytes) -> SourceFile:
    """Classify and check an upload; raises 415 (type), 422 (corrupt transcript or audio)."""
    if not data:
        raise EmptyUpload()
    kind, fmt = classify(filename, content_type)
    if kind == "audio":
        check_audio(fmt, data)
        return SourceFile("audio", fmt, _MEDIA_TYPES[fmt], None)
    segments = parse_transcript(transcript_name(filename, fmt), data)
    return SourceFile("transcript", fmt, _MEDIA_TYPES[fmt], len(segments))


def transcript_name(filename: str, fmt: str) -> str:
    """A file name whose extension makes the parser read ``fmt`` (plain text is sniffed)."""
    if fmt == "text" or os.path.splitext(filename.lower())[1] in _TRANSCRIPT_EXTENSIONS:
        return filename
    return f"upload.{fmt}"


def check_audio(fmt: str, data: bytes) -> None:
    """Raise :class:`AudioCorrupt` unless ``data`` starts like a ``fmt`` file (WAV: a readable PCM header)."""
    signatures = {
        "wav": data[:4] == b"RIFF" and data[8:12] == b"WAVE",
        "mp3": data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0),
        "m4a": data[4:8] == b"ftyp",
        "webm": data[:4] == b"\x1a\x45\xdf\xa3",
    }
    if not signatures.get(fmt, False):
        raise AudioCorrupt(f"The file is not valid {fmt.upper()} audio", format=fmt)
    if fmt == "wav":
        wav_parameters(data)


def wav_parameters(data: bytes) -> tuple[int, int, int, int]:
    """(channels, sample width in bytes, frame rate, frames) of a PCM WAV; raises :class:`AudioCorrupt`."""
    try:
        with wave.open(io.BytesIO(data), "rb") as reader:
            params = reader.getparams()
    except (wave.Error, EOFError, ValueError) as exc:
        raise AudioCorrupt(f"The WAV file cannot be read: {exc}", format="wav") from None
    if params.sampwidth not in (1, 2, 4) or params.nframes == 0 or params.framerate < 1000:
        raise AudioCorrupt("The WAV file must hold 8, 16 or 32-bit PCM audio", format="wav")
    return params.nchannels, params.sampwidth, params.framerate, params.nframes
