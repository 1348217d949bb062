"""The minutes of a meeting: Pydantic models, their JSON Schemas, merging and answer validation.

One :class:`ChunkExtraction` comes out of each chunk (from a model through the gateway, or from the
local engine); :func:`merge_extractions` unions them and :func:`assemble_minutes` turns the result
into :class:`Minutes`. Every item carries ``segment_refs``: indices of the segments it came from.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, ValidationError, model_validator

from aipair.kit.text import rank_sentences
from aipair.meetings.errors import ModelAnswerInvalid
from aipair.meetings.similarity import near_duplicates, stems

Priority = Literal["low", "medium", "high"]
_PRIORITY_RANK: dict[str, int] = {"low": 0, "medium": 1, "high": 2}
_MAX_TEXT = 2000
_MAX_REPORTED_ERRORS = 10
_CODE_FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*\n(?P<body>.*)\n\s*```\s*$", re.DOTALL)

SegmentRefs = list[NonNegativeInt]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class MinuteItem(_Strict):
    """A key point, decision, next step or open question, with the segments it came from."""

    text: str = Field(min_length=1, max_length=_MAX_TEXT)
    segment_refs: SegmentRefs = Field(default_factory=list)


class ActionItem(_Strict):
    """Something someone has to do.

    ``owner_name`` is a meeting participant or ``None`` (never guessed). ``due_date`` is set only when
    a deadline was stated, and then ``due_text`` holds the words used ("by Friday", "el 3 de marzo");
    ``due_text`` alone means a deadline was stated but could not be resolved to a date.
    ``confidence`` (0–1) says how sure the engine is that this is a real action item, so reviewers
    can look at the doubtful ones first.
    """

    task: str = Field(min_length=1, max_length=_MAX_TEXT)
    owner_name: str | None = Field(default=None, max_length=200)
    due_date: dt.date | None = None
    due_text: str | None = Field(default=None, max_length=200)
    priority: Priority = "medium"
    confidence: float | None = Field(default=None, ge=0, le=1)
    segment_refs: SegmentRefs = Field(default_factory=list)

    @model_validator(mode="after")
    def _due_date_needs_words(self) -> ActionItem:
        if self.due_date is not None and not self.due_text:
            raise ValueError("due_date is only allowed with due_text (the words that stated it)")
        return self


class ChunkExtraction(_Strict):
    """What one chunk of the transcript yields; ``summary`` holds candidate summary sentences."""

    summary: list[str] = Field(default_factory=list)
    key_points: list[MinuteItem] = Field(default_factory=list)
    decisions: list[MinuteItem] = Field(default_factory=list)
    action_items: list[ActionItem] = Field(default_factory=list)
    next_steps: list[MinuteItem] = Field(default_factory=list)
    open_questions: list[MinuteItem] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)


class Minutes(_Strict):
    """The minutes of one meeting, as stored, exported and shown."""

    title: str = Field(min_length=1, max_length=300)
    date: dt.date
    language: str | None = Field(default=None, max_length=8)
    attendees: list[str] = Field(default_factory=list)
    summary: str = ""
    key_points: list[MinuteItem] = Field(default_factory=list)
    decisions: list[MinuteItem] = Field(default_factory=list)
    action_items: list[ActionItem] = Field(default_factory=list)
    next_steps: list[MinuteItem] = Field(default_factory=list)
    open_questions: list[MinuteItem] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)


CHUNK_EXTRACTION_SCHEMA: dict[str, Any] = ChunkExtraction.model_json_schema()
MINUTES_JSON_SCHEMA: dict[str, Any] = Minutes.model_json_schema()


def fit(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, "…" marking the cut
    (transcripts without punctuation make sentences of any length)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:") + "…"


def normalise_key(text: str | None) -> str:
    """Comparison key: case-folded, whitespace collapsed, trailing ``.``/``!`` removed."""
    return " ".join((text or "").split()).casefold().rstrip(".!")


def _union_refs(*ref_lists: Iterable[int]) -> list[int]:
    return sorted({ref for refs in ref_lists for ref in refs})


def _merge_items(groups: Iterable[Sequence[MinuteItem]]) -> list[MinuteItem]:
    merged: dict[str, MinuteItem] = {}
    for items in groups:
        for item in items:
            key = normalise_key(item.text)
            known = merged.get(key)
            refs = _union_refs(known.segment_refs, item.segment_refs) if known else item.segment_refs
            merged[key] = (known or item).model_copy(update={"segment_refs": refs})
    return list(merged.values())


def _merge_action(known: ActionItem, item: ActionItem) -> ActionItem:
    update: dict[str, Any] = {"segment_refs": _union_refs(known.segment_refs, item.segment_refs)}
    if known.owner_name is None and item.owner_name is not None:
        update["owner_name"] = item.owner_name
    if known.due_date is None and item.due_date is not None:
        update |= {"due_date": item.due_date, "due_text": item.due_text}
    elif not known.due_text and item.due_text:
        update["due_text"] = item.due_text
    if _PRIORITY_RANK[item.priority] > _PRIORITY_RANK[known.priority]:
        update["priority"] = item.priority
    if item.confidence is not None and (known.confidence is None or item.confidence > known.confidence):
        update["confidence"] = item.confidence
    return known.model_copy(update=update)


@dataclass(frozen=True, slots=True)
class _ActionKey:
    task: str
    owner: str
    stems: frozenset[str]

    @classmethod
    def of(cls, item: ActionItem) -> _ActionKey:
        return cls(normalise_key(item.task), normalise_key(item.owner_name), stems(item.task))

    def same(self, other: _ActionKey) -> bool:
        if self.owner and other.owner and self.owner != other.owner:
            return False
        if self.task == other.task:
            return self.owner == other.owner
        return near_duplicates(self.stems, other.stems)


def _merge_actions(groups: Iterable[Sequence[ActionItem]]) -> list[ActionItem]:
    merged: list[ActionItem] = []
    keys: list[_ActionKey] = []
    for items in groups:
        for item in items:
            key = _ActionKey.of(item)
            same = next((i for i, known in enumerate(keys) if known.same(key)), None)
            if same is None:
                merged.append(item)
                keys.append(key)
            else:
                merged[same] = _merge_action(merged[same], item)
    return merged


def _unique_strings(groups: Iterable[Sequence[str]]) -> list[str]:
    seen: dict[str, str] = {}
    for values in groups:
        for value in values:
            seen.setdefault(normalise_key(value), value)
    return [value for key, value in seen.items() if key]


def merge_extractions(extractions: Sequence[ChunkExtraction]) -> ChunkExtraction:
    """Union of chunk extractions, in first-seen order, de-duplicated.

    Texts are compared case- and whitespace-insensitively; duplicates keep the first wording and the
    union of ``segment_refs``. Action items are the same when their tasks match that way or are near
    duplicates (:func:`~aipair.meetings.similarity.near_duplicates`), and their owners do not differ;
    the merged item keeps the first wording, the owner, the first stated due date, the highest
    priority and confidence.
    """
    return ChunkExtraction(
        summary=_unique_strings(e.summary for e in extractions),
        key_points=_merge_items(e.key_points for e in extractions),
        decisions=_merge_items(e.decisions for e in extractions),
        action_items=_merge_actions(e.action_items for e in extractions),
        next_steps=_merge_items(e.next_steps for e in extractions),
        open_questions=_merge_items(e.open_questions for e in extractions),
        topics=_unique_strings(e.topics for e in extractions),
    )


def assemble_minutes(
    merged: ChunkExtraction,
    *,
    title: str,
    meeting_date: dt.date,
    attendees: Sequence[str],
    language: str | None = None,
    summary: str | None = None,
    summary_sentences: int = 5,
    max_topics: int = 10,
) -> Minutes:
    """Minutes from a merged extraction.

    The summary is ``summary`` when given, else the best ``summary_sentences`` of the extraction's
    candidate sentences (ranked with :func:`aipair.kit.text.rank_sentences`, kept in order).
    """
    if summary is None:
        chosen = rank_sentences(merged.summary, summary_sentences)
        summary = " ".join(merged.summary[i] for i in chosen)
    return Minutes(
        title=title,
        date=meeting_date,
        language=language,
        attendees=_unique_strings([attendees]),
        summary=summary,
        key_points=merged.key_points,
        decisions=merged.decisions,
        action_items=merged.action_items,
        next_steps=merged.next_steps,
        open_questions=merged.open_questions,
        topics=merged.topics[:max_topics],
    )


def validate_chunk_answer(raw: str, *, segment_range: range | None = None) -> ChunkExtraction:
    """Parse a model's answer for one chunk into a :class:`ChunkExtraction`.

    Accepts the JSON object alone or wrapped in a Markdown code fence. Raises
    :class:`ModelAnswerInvalid` (``reason`` ``invalid_json`` or ``schema``, with the first problems
    listed) on anything else, including ``segment_refs`` outside ``segment_range`` when given.
    """
    fenced = _CODE_FENCE.match(raw)
    body = fenced["body"] if fenced else raw
    try:
        document = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ModelAnswerInvalid(
            f"The model's answer is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            reason="invalid_json",
            line=exc.lineno,
            column=exc.colno,
        ) from None
    try:
        extraction = ChunkExtraction.model_validate(document)
    except ValidationError as exc:
        errors = [
            {"loc": ".".join(str(p) for p in err["loc"]), "msg": err["msg"]}
            for err in exc.errors()[:_MAX_REPORTED_ERRORS]
        ]
        first = errors[0]
        raise ModelAnswerInvalid(
            f"The model's answer does not match the schema: {first['loc'] or 'answer'}: {first['msg']}",
            reason="schema",
            errors=errors,
        ) from None
    if segment_range is not None:
        _check_refs(extraction, segment_range)
    return extraction


def _check_refs(extraction: ChunkExtraction, segment_range: range) -> None:
    lists: list[tuple[str, Sequence[MinuteItem | ActionItem]]] = [
        ("key_points", extraction.key_points),
        ("decisions", extraction.decisions),
        ("action_items", extraction.action_items),
        ("next_steps", extraction.next_steps),
        ("open_questions", extraction.open_questions),
    ]
    for name, items in lists:
        for position, item in enumerate(items):
            bad = [ref for ref in item.segment_refs if ref not in segment_range]
            if bad:
                loc = f"{name}.{position}.segment_refs"
                msg = f"segments {bad} are outside {segment_range.start}..{segment_range.stop - 1}"
                raise ModelAnswerInvalid(
                    f"The model's answer cites unknown segments: {loc}: {msg}",
                    reason="schema",
                    errors=[{"loc": loc, "msg": msg}],
                )
