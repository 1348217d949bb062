"""Audio meetings: WAV transcribed offline by PocketSphinx; what it cannot read is refused up front."""

from __future__ import annotations

import array
import io
import math
import wave

import httpx

from aipair.composition import Runtime
from aipair.meetings.transcription import segments_from_transcription, wav_to_pcm16_mono, words_to_rows
from tests.fixtures.tenants import Tenant
from tests.meetings.helpers import run_jobs, sample, upload


def tone_wav(rate: int, channels: int, width: int, seconds: float = 0.5) -> bytes:
    frames = int(rate * seconds)
    values = [int(math.sin(2 * math.pi * 440 * i / rate) * 10_000) for i in range(frames)]
    if width == 1:
        raw = bytes((v >> 8) + 128 for v in values for _ in range(channels))
    else:
        code = "h" if width == 2 else "i"
        scale = 1 if width == 2 else 65536
        raw = array.array(code, (v * scale for v in values for _ in range(channels))).tobytes()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(width)
        writer.setframerate(rate)
        writer.writeframes(raw)
    return buffer.getvalue()


def test_any_pcm_wav_becomes_16_khz_mono_16_bit() -> None:
    for rate, channels, width in [(8000, 2, 1), (44100, 2, 2), (16000, 1, 4), (48000, 1, 2)]:
        pcm = wav_to_pcm16_mono(tone_wav(rate, channels, width), 16_000)
        assert abs(len(pcm) - 16_000) <= 4, (rate, channels, width)  # 0.5 s * 16 kHz * 2 bytes
        peak = max(abs(v) for v in array.array("h", pcm))
        assert 8_000 < peak <= 10_300  # 8-bit input is coarser


def test_recognised_words_are_grouped_at_pauses_without_inventing_speakers() -> None:
    words = [("<s>", 0, 5), ("hello", 6, 40), ("team(2)", 41, 80), ("<sil>", 81, 160), ("ship", 161, 200)]
    assert words_to_rows(words) == [(None, 0.06, 0.8, "hello team"), (None, 1.61, 2.0, "ship")]


def test_gateway_transcriptions_become_segments() -> None:
    verbose = {
        "text": "a b",
        "segments": [{"start": 0.0, "end": 1.5, "text": " Hello. "}, {"start": 1.5, "text": "Bye"}],
    }
    assert [(s.start, s.end, s.text) for s in segments_from_transcription(verbose)] == [
        (0.0, 1.5, "Hello."),
        (1.5, None, "Bye"),
    ]
    assert [s.text for s in segments_from_transcription("One.\n\nTwo.")] == ["One.", "Two."]


async def test_an_english_wav_is_transcribed_offline_and_processed(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    accepted = await upload(client, tenant, "EMPLOYEE", "call.wav", sample("spoken.wav"), "audio/wav")
    assert accepted.status_code == 202, accepted.text
    await run_jobs(runtime)
    detail = (
        await client.get(f"/api/meetings/{accepted.json()['id']}", headers=tenant.auth("EMPLOYEE"))
    ).json()
    assert detail["status"] == "done", detail
    assert detail["source_kind"] == "audio" and detail["segment_count"] >= 1
    assert detail["minutes"]["attendees"] == []  # a recogniser never knows who spoke


async def test_audio_the_offline_recogniser_cannot_read_is_refused_with_422(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    spanish = await upload(
        client, tenant, "EMPLOYEE", "llamada.wav", sample("spoken.wav"), "audio/wav", language="es"
    )
    webm = await upload(
        client, tenant, "EMPLOYEE", "call.webm", b"\x1a\x45\xdf\xa3" + bytes(100), "audio/webm"
    )
    for response in (spanish, webm):
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "no_transcription_provider"
        assert "AIPAIR_MEETINGS__TRANSCRIPTION_MODEL" in error["message"]
