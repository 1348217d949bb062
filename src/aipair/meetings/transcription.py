"""Audio to segments: through the gateway's transcription models, or offline with PocketSphinx.

The offline recogniser (``pocketsphinx`` from PyPI, with its bundled US-English model) reads PCM WAV
only — decoding MP3, M4A or WebM would need ffmpeg — so those formats need a gateway model
(``AIPAIR_MEETINGS__TRANSCRIPTION_MODEL``). A recogniser never knows who spoke: speakers stay empty.
"""

from __future__ import annotations

import array
import asyncio
import importlib.util
import io
import sys
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aipair.meetings.errors import AudioCorrupt, NoTranscriptionProvider
from aipair.meetings.parsing.segments import Segment, build_segments
from aipair.meetings.uploads import wav_parameters

SPHINX_RATE = 16_000
_FRAMES_PER_SECOND = 100  # PocketSphinx reports word times in 10 ms frames
_PAUSE_FRAMES = 60  # a silence this long (0.6 s) ends a segment
_MAX_WORDS_PER_SEGMENT = 40
_FILLERS = frozenset({"<s>", "</s>", "<sil>", "[NOISE]", "[SPEECH]", "[BREATH]", "[COUGH]", "[UM]", "[UH]"})

Row = tuple[str | None, float | None, float | None, str]


class Transcriber(Protocol):
    """Something that turns one audio file into segments."""

    @property
    def name(self) -> str:
        """Shown in the job's log."""
        ...

    def supports(self, audio_format: str, language: str | None) -> bool:
        """Whether this transcriber can read ``audio_format`` spoken in ``language``."""
        ...

    async def transcribe(
        self, data: bytes, filename: str, audio_format: str, language: str | None
    ) -> list[Segment]:
        """Segments of the audio (raises :class:`AudioCorrupt` when it cannot be decoded)."""
        ...


def sphinx_installed() -> bool:
    """Whether the offline recogniser's package is importable."""
    return importlib.util.find_spec("pocketsphinx") is not None


@dataclass(frozen=True)
class SphinxTranscriber:
    """Offline US-English recognition of PCM WAV files with PocketSphinx (CPU, in a thread)."""

    name: str = "pocketsphinx"

    def supports(self, audio_format: str, language: str | None) -> bool:
        return audio_format == "wav" and (language or "en").lower().startswith("en") and sphinx_installed()

    async def transcribe(
        self, data: bytes, filename: str, audio_format: str, language: str | None
    ) -> list[Segment]:
        if not self.supports(audio_format, language):
            raise NoTranscriptionProvider("The offline recogniser reads English WAV audio only")
        pcm = wav_to_pcm16_mono(data, SPHINX_RATE)
        words = await asyncio.to_thread(_recognise, pcm)
        return build_segments(words_to_rows(words))


def _recognise(pcm: bytes) -> list[tuple[str, int, int]]:
    """(word, start frame, end frame) of every recognised token, silences included."""
    from pocketsphinx import Decoder  # heavy native module: loaded only when audio is transcribed

    decoder = Decoder(loglevel="FATAL")
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    return [(seg.word, int(seg.start_frame), int(seg.end_frame)) for seg in decoder.seg()]


def words_to_rows(words: Sequence[tuple[str, int, int]]) -> list[Row]:
    """Group recognised words into segments at pauses of 0.6 s or every 40 words (no speakers)."""
    rows: list[Row] = []
    current: list[str] = []
    start = end = 0
    for token, first, last in words:
        pause = token == "<sil>" and last - first >= _PAUSE_FRAMES
        if (pause or len(current) >= _MAX_WORDS_PER_SEGMENT) and current:
            rows.append((None, start / _FRAMES_PER_SECOND, end / _FRAMES_PER_SECOND, " ".join(current)))
            current = []
        word = token.split("(")[0]
        if token in _FILLERS or not word:
            continue
        if not current:
            start = first
        current.append(word)
        end = last
    if current:
        rows.append((None, start / _FRAMES_PER_SECOND, end / _FRAMES_PER_SECOND, " ".join(current)))
    return rows


def wav_to_pcm16_mono(data: bytes, rate: int) -> bytes:
    """16-bit little-endian mono PCM at ``rate`` Hz from a PCM WAV (channels averaged, linear resampling)."""
    channels, width, source_rate, _ = wav_parameters(data)
    try:
        with wave.open(io.BytesIO(data), "rb") as reader:
            raw = reader.readframes(reader.getnframes())
    except (wave.Error, EOFError) as exc:
        raise AudioCorrupt(f"The WAV file cannot be read: {exc}", format="wav") from None
    samples = _to_int16(raw, width)
    mono = _downmix(samples, channels)
    resampled = _resample(mono, source_rate, rate)
    if sys.byteorder == "big":
        resampled.byteswap()
    return resampled.tobytes()


def _to_int16(raw: bytes, width: int) -> array.array[int]:
    if width == 1:  # unsigned 8-bit
        return array.array("h", ((b - 128) << 8 for b in raw))
    if width == 4:
        wide = array.array("i", raw[: len(raw) - len(raw) % 4])
        return array.array("h", (v >> 16 for v in wide))
    samples = array.array("h", raw[: len(raw) - len(raw) % 2])
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def _downmix(samples: array.array[int], channels: int) -> array.array[int]:
    if channels == 1:
        return samples
    frames = len(samples) // channels
    return array.array(
        "h", (sum(samples[i * channels : (i + 1) * channels]) // channels for i in range(frames))
    )


def _resample(samples: array.array[int], source: int, target: int) -> array.array[int]:
    if source == target or not samples:
        return samples
    count = max(1, len(samples) * target // source)
    step = source / target
    last = len(samples) - 1
    out = array.array("h", bytes(2 * count))
    for i in range(count):
        position = i * step
        j = int(position)
        k = min(j + 1, last)
        out[i] = int(samples[j] + (samples[k] - samples[j]) * (position - j))
    return out


def segments_from_transcription(content: dict[str, Any] | str) -> list[Segment]:
    """Segments of an OpenAI-style transcription: ``verbose_json`` segments, else paragraphs of text."""
    if isinstance(content, dict) and isinstance(content.get("segments"), list):
        rows: list[Row] = [
            (None, _seconds(item.get("start")), _seconds(item.get("end")), str(item.get("text", "")))
            for item in content["segments"]
            if isinstance(item, dict)
        ]
    else:
        text = content.get("text", "") if isinstance(content, dict) else content
        rows = [(None, None, None, part) for part in str(text).split("\n\n")]
    return build_segments(rows)


def _seconds(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and value >= 0 else None
