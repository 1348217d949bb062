"""Broken, empty, mis-encoded and huge uploads fail (or succeed) the way a user can act on."""

from __future__ import annotations

import codecs
import time
from collections.abc import Callable

import pytest

from aipair.errors import Unprocessable
from aipair.meetings.errors import EmptyTranscript, TranscriptEncodingError, TranscriptParseError
from aipair.meetings.parsing import parse_transcript

Read = Callable[[str], bytes]


def _parse_error(filename: str, data: bytes) -> TranscriptParseError:
    with pytest.raises(TranscriptParseError) as caught:
        parse_transcript(filename, data)
    return caught.value


def test_vtt_with_broken_arrow_reports_its_line(sample_bytes: Read) -> None:
    error = _parse_error("m.vtt", sample_bytes("malformed_timing.vtt"))
    assert error.details["line"] == 8
    assert error.code == "transcript_malformed"
    assert error.status_code == 422
    assert isinstance(error, Unprocessable)
    assert error.to_body()["error"]["details"] == {"line": 8}


def test_vtt_without_header_reports_line_one(sample_bytes: Read) -> None:
    assert _parse_error("m.vtt", sample_bytes("missing_header.vtt")).details["line"] == 1


def test_vtt_cue_text_without_timing_reports_the_line_that_should_be_timing() -> None:
    data = b"WEBVTT\n\n00:01.000 --> 00:02.000\nok\n\nintro\nthis has no timing\n"
    assert _parse_error("a.vtt", data).details["line"] == 7


def test_vtt_cue_that_ends_before_it_starts() -> None:
    data = b"WEBVTT\n\n00:05.000 --> 00:02.000\nbackwards\n"
    assert _parse_error("a.vtt", data).details["line"] == 3


def test_srt_with_bad_timestamp_reports_its_line(sample_bytes: Read) -> None:
    error = _parse_error("m.srt", sample_bytes("malformed_timestamp.srt"))
    assert error.details["line"] == 10
    assert "00:0x:07,000" in error.message


def test_srt_block_without_number_or_timing() -> None:
    data = b"1\n00:00:01,000 --> 00:00:02,000\nhi\n\nstray words\n"
    assert _parse_error("a.srt", data).details["line"] == 5


def test_srt_with_crlf_line_endings_still_counts_lines() -> None:
    data = b"1\r\n00:00:01,000 --> 00:00:02,000\r\nhi\r\n\r\n2\r\n00:00:02,000 -> 00:00:03,000\r\nbye\r\n"
    assert _parse_error("a.srt", data).details["line"] == 6


def test_invalid_json_reports_its_line(sample_bytes: Read) -> None:
    assert _parse_error("m.json", sample_bytes("malformed.json")).details["line"] == 3


def test_json_item_without_text_reports_the_item_line() -> None:
    data = b'{"segments": [\n  {"text": "ok"},\n  {"speaker": "Ana"}\n]}'
    error = _parse_error("a.json", data)
    assert error.details["line"] == 3
    assert "text" in error.message


@pytest.mark.parametrize(
    "item",
    [
        b'{"text": "x", "start": "soon"}',
        b'{"text": "x", "start": -1}',
        b'{"text": "x", "start": 5, "end": 2}',
        b'{"text": "x", "start": true}',
        b'"just a string"',
    ],
)
def test_json_items_with_bad_fields_are_rejected(item: bytes) -> None:
    assert _parse_error("a.json", b"[\n" + item + b"\n]").details["line"] == 2


def test_json_object_without_segments_is_rejected() -> None:
    assert _parse_error("a.json", b'{"items": []}').details["line"] == 1


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("a.txt", b""),
        ("a.txt", b"  \n\n\t \n"),
        ("a.vtt", b"\xef\xbb\xbf"),
        ("a.json", b"[]"),
        ("a.json", b'[{"text": "   "}]'),
    ],
)
def test_empty_uploads_are_reported_as_empty(filename: str, data: bytes) -> None:
    with pytest.raises(EmptyTranscript) as caught:
        parse_transcript(filename, data)
    assert caught.value.code == "transcript_empty"


def test_vtt_with_only_header_and_notes_is_empty(sample_bytes: Read) -> None:
    with pytest.raises(EmptyTranscript):
        parse_transcript("x.vtt", sample_bytes("header_only.vtt"))


def test_latin1_bytes_are_an_encoding_error_with_position() -> None:
    data = "Ana: hola\nLuis: ¿qué tal? Adiós\n".encode("latin-1")
    with pytest.raises(TranscriptEncodingError) as caught:
        parse_transcript("es.txt", data)
    assert caught.value.code == "transcript_encoding"
    assert caught.value.details["line"] == 2
    assert caught.value.details["byte_offset"] == data.index(b"\xbf")


def test_utf16_without_bom_is_refused_rather_than_misread() -> None:
    with pytest.raises(TranscriptEncodingError):
        parse_transcript("a.txt", "Ana: hello\nBob: hi\n".encode("utf-16-le"))


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_bom_parse_like_utf8(sample_bytes: Read, codec: str) -> None:
    text = sample_bytes("reunion_presupuesto.txt").decode()
    bom = {"utf-16-be": codecs.BOM_UTF16_BE}.get(codec, b"")
    data = bom + text.encode(codec)
    assert parse_transcript("es.txt", data) == parse_transcript("es.txt", text.encode())


def test_utf8_bom_and_windows_newlines(sample_bytes: Read) -> None:
    data = sample_bytes("zoom.vtt")
    windows = codecs.BOM_UTF8 + data.replace(b"\n", b"\r\n")
    assert parse_transcript("z.vtt", windows) == parse_transcript("z.vtt", data)


@pytest.mark.parametrize(
    ("filename", "prefix"),
    [
        ("big.txt", b"Bob: ready?\nAna: "),
        ("big.vtt", b"WEBVTT\n\n00:00.000 --> 00:01.000\n<v Bob>ready?\n\n00:01.000 --> 00:02.000\n<v Ana>"),
        (
            "big.srt",
            b"1\n00:00:00,000 --> 00:00:01,000\nBob: ready?\n\n2\n00:00:01,000 --> 00:00:02,000\nAna: ",
        ),
    ],
)
def test_five_megabyte_single_line_parses_in_one_piece(filename: str, prefix: bytes) -> None:
    line = b"word tag and Note: x? " * 230_000  # ~5 MB, no newline
    started = time.perf_counter()
    segments = parse_transcript(filename, prefix + line)
    # Generous bound: only catches quadratic behaviour (which would take minutes), not speed.
    assert time.perf_counter() - started < 30
    assert [s.speaker for s in segments] == ["Bob", "Ana"]
    assert segments[1].text.startswith("word tag and Note: x? word")
    assert len(segments[1].text) == len(line) - 1


def test_five_megabyte_cue_with_tags_and_entities_is_cleaned() -> None:
    data = b"WEBVTT\n\n00:00.000 --> 00:01.000\n" + b"<c.red>word</c> &amp; <i>x</i> " * 200_000
    segments = parse_transcript("x.vtt", data)
    assert segments[0].text.startswith("word & x word & x")
    assert len(segments[0].text) == len("word & x ") * 200_000 - 1


def test_five_megabyte_line_of_angle_brackets_does_not_backtrack() -> None:
    started = time.perf_counter()
    segments = parse_transcript("x.vtt", b"WEBVTT\n\n00:00.000 --> 00:01.000\n" + b"<" * 5_000_000)
    assert time.perf_counter() - started < 30
    assert len(segments[0].text) == 5_000_000
