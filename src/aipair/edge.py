"""Input the database cannot store is refused at the edge: 422 ``invalid_characters``, never a 500.

PostgreSQL's text types refuse the NUL character, and UTF-8 has no lone surrogates (which a JSON escape
such as ``\\ud800`` produces). :class:`UnstorableInputGuard` refuses both before any route runs: in the
path, in the query string, and in JSON and form bodies. Only a JSON body with a suspicious escape is
parsed, to tell a real NUL from text that merely shows one (``"\\\\u0000"``). Multipart bodies carry
files, whose bytes are the route's business: their text fields are checked by :func:`storable` where
routes declare them, and :func:`is_unstorable_error` lets the error handler answer 422 for anything that
still reaches the database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aipair.errors import ValidationFailed

_JSON_SUSPECT = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
_FORM_SUSPECT = re.compile(rb"%00|\x00")
_POSTGRES_REFUSALS = {"22021", "22P05"}  # character_not_in_repertoire, untranslatable_character


class UnstorableInput(ValidationFailed):
    """The request contains a character that cannot be stored (NUL, or a lone UTF-16 surrogate)."""

    code = "invalid_characters"
    default_message = "The request contains characters that cannot be stored (NUL or a lone surrogate)"


def unstorable(text: str) -> bool:
    """True when ``text`` holds a NUL or a lone surrogate."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def storable(value: str | None) -> str | None:
    """A pydantic validator for text fields outside JSON bodies (multipart forms)."""
    if value is not None and unstorable(value):
        raise UnstorableInput()
    return value


def _holds_unstorable(value: Any) -> bool:
    if isinstance(value, str):
        return unstorable(value)
    if isinstance(value, dict):
        return any(_holds_unstorable(k) or _holds_unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_unstorable(item) for item in value)
    return False


def is_unstorable_error(exc: BaseException) -> bool:
    """True when ``exc`` (or what caused it) is the database or its driver refusing a character."""
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            return False
        if isinstance(seen, UnicodeEncodeError) and "surrogate" in str(seen):
            return True
        if getattr(seen, "sqlstate", None) in _POSTGRES_REFUSALS:
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


def _json_unstorable(body: bytes) -> bool:
    if not _JSON_SUSPECT.search(body):
        return False
    try:
        parsed = json.loads(body)
    except ValueError:
        return False  # not JSON: the route answers invalid_json
    return _holds_unstorable(parsed)


def _body_kind(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            if media == b"application/json" or media.endswith(b"+json"):
                return "json"
            if media == b"application/x-www-form-urlencoded":
                return "form"
            return None
    return None


ErrorRenderer = Callable[[Scope, UnstorableInput], ASGIApp]
"""Builds the error response in the shape the route's clients read (the platform's or OpenAI's)."""


class UnstorableInputGuard:
    """Refuse requests whose path, query string, JSON or form body holds an unstorable character.

    A JSON or form body is read whole before the route runs (the route would read it whole anyway),
    then handed on unchanged.
    """

    def __init__(self, app: ASGIApp, render: ErrorRenderer):
        self.app = app
        self._render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query: bytes = scope.get("query_string", b"")
        if "\x00" in scope["path"] or _FORM_SUSPECT.search(query):
            await self._render(scope, UnstorableInput())(scope, receive, send)
            return
        kind = _body_kind(scope)
        if kind is None:
            await self.app(scope, receive, send)
            return
        body, more = await _read_body(receive)
        if more is not None:  # the client went away before its body arrived
            return
        bad = _FORM_SUSPECT.search(body) is not None if kind == "form" else _json_unstorable(body)
        if bad:
            await self._render(scope, UnstorableInput())(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


async def _read_body(receive: Receive) -> tuple[bytes, Message | None]:
    """The whole body; or what arrived and the message that ended it early (a disconnect)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), message
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), None


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed
