"""The incremental SSE decoder used by the streaming adapters."""

from __future__ import annotations

from aipair.gateway.providers.http import SSEDecoder


def test_events_split_across_network_chunks_are_reassembled() -> None:
    decoder = SSEDecoder()

    first = decoder.feed(b'data: {"a":')
    second = decoder.feed(b"1}\n\ndata: [DO")
    third = decoder.feed(b"NE]\n\n")

    assert first == []
    assert second == [(b"message", b'{"a":1}')]
    assert third == [(b"message", b"[DONE]")]


def test_event_names_crlf_comments_and_multiline_data() -> None:
    decoder = SSEDecoder()

    events = decoder.feed(b": keep-alive\r\nevent: message_start\r\ndata: line1\r\ndata:line2\r\n\r\n")

    assert events == [(b"message_start", b"line1\nline2")]


def test_flush_emits_an_event_without_the_final_blank_line() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: tail") == []

    assert decoder.flush() == [(b"message", b"tail")]
