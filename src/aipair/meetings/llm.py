"""The ``llm`` engine: each chunk is sent to a model through the gateway, answers are checked.

The model reads what the local engine reads: normalised turns under the participants' names (see
:mod:`~aipair.meetings.engines.prepare`), with the list of participants; its answer is held to the
same rules (:func:`~aipair.meetings.engines.model_answers.tidy_answer`: clean text, owners only
participants). Chunks go out concurrently (at most ``concurrency`` at a time). An answer that is not
valid JSON or breaks the extraction schema is asked for again with the problem stated, at most
``answer_retries`` more times; then the chunk fails and with it the whole run (the job is retried by
the queue). The prompt numbers every line with its segment index so answers can cite segments.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aipair.kit.text import estimate_tokens
from aipair.meetings.chunking import Chunk, render_segment
from aipair.meetings.engines.model_answers import tidy_answer
from aipair.meetings.errors import ModelAnswerInvalid
from aipair.meetings.minutes import CHUNK_EXTRACTION_SCHEMA, ChunkExtraction, validate_chunk_answer

JsonObject = dict[str, Any]
ChunkDone = Callable[[int], Awaitable[None]]

_SYSTEM = """You write meeting minutes. You receive part of a meeting transcript; each line starts with
its segment number in brackets, then the speaker. Answer with ONE JSON object and nothing else, matching
this JSON Schema:
{schema}
Rules: use only what the transcript says. "segment_refs" lists the bracketed numbers an item comes from.
Action items are commitments ("I'll send the budget") and tasks given to someone ("Bob, can you…"),
never talk about the meeting itself ("let's move on", "I'll share my screen"), hypotheticals or
questions. An action item's "owner_name" is the participant who will do it, written exactly as in the
participants list, or null when no participant takes it: never guess. Set "due_date" (YYYY-MM-DD) only
when a deadline was stated, and then "due_text" holds the words used; the meeting took place on {date}.
"confidence" (0 to 1) says how sure you are that an action item is real. Decisions are explicit
agreements ("we decided", "the motion is carried"), never conditionals. "open_questions" are questions
nobody answered. "summary" holds up to five short sentences; "topics" up to eight short noun phrases.
Write in the transcript's language ({language})."""


class MeetingModelClient(Protocol):
    """The model behind the ``llm`` engine, bound to one meeting's company and uploader."""

    async def chat(self, body: JsonObject, *, request_id: str) -> JsonObject:
        """One governed chat completion; returns the OpenAI ``chat.completion`` object."""
        ...

    def estimate_cost(self, model: str, input_tokens: int, max_output_tokens: int) -> int:
        """Worst-case micro-USD of one call."""
        ...

    async def budget_headroom(self) -> int | None:
        """Micro-USD left in the company's budget this period (None: no budget)."""
        ...


@dataclass(frozen=True)
class LlmEngine:
    """Extraction of chunks by a model; see the module docstring for the retry and concurrency rules."""

    client: MeetingModelClient
    model: str
    concurrency: int
    max_output_tokens: int
    answer_retries: int
    meeting_date: dt.date
    language: str
    attendees: Sequence[str] = ()

    def estimate_cost(self, chunks: Sequence[Chunk]) -> int:
        """Worst-case micro-USD of extracting every chunk once (answers retried not included)."""
        overhead = estimate_tokens(self._system())
        return sum(
            self.client.estimate_cost(self.model, overhead + chunk.tokens * 2, self.max_output_tokens)
            for chunk in chunks
        )

    async def extract_all(self, chunks: Sequence[Chunk], on_done: ChunkDone) -> list[ChunkExtraction]:
        """Every chunk's extraction, in chunk order; the first failing chunk cancels the rest and raises."""
        gate = asyncio.Semaphore(self.concurrency)
        results: list[ChunkExtraction | None] = [None] * len(chunks)
        finished = 0

        async def run(position: int, chunk: Chunk) -> None:
            nonlocal finished
            async with gate:
                results[position] = await self.extract(chunk)
            finished += 1
            await on_done(finished)

        try:
            async with asyncio.TaskGroup() as group:
                for position, chunk in enumerate(chunks):
                    group.create_task(run(position, chunk))
        except ExceptionGroup as failed:
            raise failed.exceptions[0] from None  # the first failing chunk, as itself
        return [r for r in results if r is not None]

    async def extract(self, chunk: Chunk) -> ChunkExtraction:
        """One chunk, asking again (with the problem stated) when the answer does not validate."""
        messages: list[JsonObject] = [
            {"role": "system", "content": self._system()},
            {"role": "user", "content": self._transcript(chunk)},
        ]
        refs = range(chunk.first_segment, chunk.last_segment + 1)
        for attempt in range(self.answer_retries + 1):
            answer = ""
            try:
                answer = await self._ask(messages)
                extraction = validate_chunk_answer(answer, segment_range=refs)
                return tidy_answer(extraction, self.attendees, self.language)
            except ModelAnswerInvalid as invalid:
                if attempt == self.answer_retries:
                    raise
                retry = f"{invalid.message}. Answer again with the corrected JSON object only."
                messages = [
                    *messages,
                    {"role": "assistant", "content": answer},
                    {"role": "user", "content": retry},
                ]
        raise AssertionError("unreachable")  # pragma: no cover

    async def _ask(self, messages: list[JsonObject]) -> str:
        body: JsonObject = {
            "model": self.model,
            "messages": messages,
            "temperature": 0,
            "max_tokens": self.max_output_tokens,
            "response_format": {"type": "json_object"},
        }
        response = await self.client.chat(body, request_id=f"mtg-{uuid.uuid4().hex}")
        return _content(response)

    def _system(self) -> str:
        schema = json.dumps(CHUNK_EXTRACTION_SCHEMA, separators=(",", ":"))
        return _SYSTEM.format(schema=schema, date=self.meeting_date.isoformat(), language=self.language)

    def _transcript(self, chunk: Chunk) -> str:
        people = f"Participants: {', '.join(self.attendees)}\n" if self.attendees else ""
        lines = "".join(f"[{s.index}] {render_segment(s)}" for s in chunk.segments)
        return f"{people}Transcript (segments {chunk.first_segment}-{chunk.last_segment}):\n{lines}"


def _content(response: JsonObject) -> str:
    """The text of the first choice; a missing one is an invalid answer (retried like bad JSON)."""
    try:
        content = response["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        content = None
    if not isinstance(content, str):
        raise ModelAnswerInvalid("The model's answer has no message content", reason="invalid_json")
    return content
