"""A model's answer held to the local engine's rules before it joins the minutes.

Whatever the model writes goes through the same normalisation as the transcript (no markup, no
fillers, contractions joined); an item left empty is dropped. An owner is kept only when it names a
participant, in the participant's spelling ("Luc d'Arcy" → "Mr. Luc d'Arcy"); any other name is
replaced by no owner, because owners are never guessed.
"""

from __future__ import annotations

from collections.abc import Sequence

from aipair.meetings.engines.people import NameIndex
from aipair.meetings.minutes import ActionItem, ChunkExtraction, MinuteItem
from aipair.meetings.normalisation import normalise_text


def _items(items: Sequence[MinuteItem], language: str) -> list[MinuteItem]:
    kept: list[MinuteItem] = []
    for item in items:
        text = normalise_text(item.text, language)
        if text:
            kept.append(item.model_copy(update={"text": text}))
    return kept


def _actions(items: Sequence[ActionItem], names: NameIndex, language: str) -> list[ActionItem]:
    kept: list[ActionItem] = []
    for item in items:
        task = normalise_text(item.task, language)
        if task:
            owner = names.canonical(item.owner_name) if item.owner_name else None
            kept.append(item.model_copy(update={"task": task, "owner_name": owner}))
    return kept


def tidy_answer(extraction: ChunkExtraction, participants: Sequence[str], language: str) -> ChunkExtraction:
    """``extraction`` with clean text and only participants as owners (see the module docstring)."""
    names = NameIndex(participants)
    return ChunkExtraction(
        summary=[s for s in (normalise_text(t, language) for t in extraction.summary) if s],
        key_points=_items(extraction.key_points, language),
        decisions=_items(extraction.decisions, language),
        action_items=_actions(extraction.action_items, names, language),
        next_steps=_items(extraction.next_steps, language),
        open_questions=_items(extraction.open_questions, language),
        topics=[t for t in (_topic(t, language) for t in extraction.topics) if t],
    )


def _topic(topic: str, language: str) -> str:
    """A topic cleaned like a sentence, but not capitalised or closed like one."""
    cleaned = normalise_text(topic, language).rstrip(".")
    if cleaned and topic.lstrip()[:1].islower():
        return cleaned[0].lower() + cleaned[1:]
    return cleaned
