"""Recognising action items in one sentence: the cue, the owner, the task words, priority.

Cues are tried in this order, the first that applies wins:

1. a label ("Action item:", "TODO:", "Tarea:"): owner is the first participant named after it, else
   the speaker if the sentence is a first-person commitment, else nobody;
2. a participant's name followed by a commitment ("Maria will…", "Luis va a…"): owner is that person;
3. a first-person commitment ("I'll…", "voy a…", "me encargo…"): owner is the speaker;
4. a request ("can you…", "please…", "¿puedes…"): owner is the person addressed by name
   ("Bob, can you…", "can you, Bob, …", "…, Bob?"), else nobody;
5. a shared obligation ("we need to…", "hay que…", "TODO"): nobody.

A cue followed by a verb that narrates the meeting itself ("I'll share my screen", "voy a explicar",
"let me know") is not an action. Owners are always participants (see :class:`NameIndex`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aipair.meetings.engines.people import Mention, NameIndex, is_vocative
from aipair.meetings.engines.rules import LanguageRules
from aipair.meetings.minutes import Priority

_NEXT_WORD = re.compile(r"[\s,]*([^\W\d_][\w'’]*)")
_TRAILING = re.compile(r"[\s,;:.!?…]+$")
_MIN_TASK_WORDS = 2


@dataclass(frozen=True, slots=True)
class ActionCue:
    """An action found in a sentence: its owner (a participant or ``None``) and its task words."""

    owner: str | None
    task: str


def _verb_after(rules: LanguageRules, sentence: str, position: int) -> str:
    for _ in range(3):
        match = _NEXT_WORD.match(sentence, position)
        if match is None:
            return ""
        word = match.group(1).lower()
        if word not in rules.adverbs:
            return word
        position = match.end()
    return ""


def _first_real(pattern: re.Pattern[str], rules: LanguageRules, sentence: str) -> re.Match[str] | None:
    """The first match of ``pattern`` not followed by a narration verb."""
    for match in pattern.finditer(sentence):
        if _verb_after(rules, sentence, match.end()) not in rules.narration:
            return match
    return None


def _named_commitment(rules: LanguageRules, sentence: str, mentions: list[Mention]) -> ActionCue | None:
    for mention in mentions:
        match = rules.named_commitment.match(sentence, mention.end)
        if match and _verb_after(rules, sentence, match.end()) not in rules.narration:
            return ActionCue(mention.name, sentence[match.end() :])
    return None


def _addressee(
    sentence: str, mentions: list[Mention], request: re.Match[str], speaker: str | None
) -> str | None:
    for mention in mentions:
        if mention.name == speaker:
            continue
        leading = (
            not sentence[: mention.start].strip(" ¿¡") and not sentence[mention.end : request.start()].strip()
        )
        if leading or is_vocative(sentence, mention):
            return mention.name
    return None


def _request_cue(
    rules: LanguageRules, sentence: str, speaker: str | None, mentions: list[Mention]
) -> ActionCue | None:
    request = _first_real(rules.request, rules, sentence)
    if request is None:
        return None
    return ActionCue(_addressee(sentence, mentions, request, speaker), sentence[request.end() :])


def _owner_cue(
    rules: LanguageRules, sentence: str, speaker: str | None, mentions: list[Mention]
) -> ActionCue | None:
    label = rules.action_label.search(sentence)
    if label is not None:
        named = [m for m in mentions if m.start >= label.end()]
        first_person = rules.self_commitment.search(sentence, label.end())
        owner = named[0].name if named else (speaker if first_person else None)
        return ActionCue(owner, sentence[label.end() :])
    named_cue = _named_commitment(rules, sentence, mentions)
    if named_cue is not None:
        return named_cue
    own = _first_real(rules.self_commitment, rules, sentence)
    if own is not None:
        return ActionCue(speaker, sentence[own.end() :])
    request = _request_cue(rules, sentence, speaker, mentions)
    if request is not None:
        return request
    shared = _first_real(rules.shared_task, rules, sentence)
    return ActionCue(None, sentence[shared.end() :]) if shared is not None else None


def find_action(
    rules: LanguageRules, sentence: str, speaker: str | None, names: NameIndex, *, question: bool = False
) -> ActionCue | None:
    """The action item stated in ``sentence``, or ``None``; ``speaker`` must be canonical or ``None``.

    For a ``question`` only a request counts ("Bob, can you…?"); other questions are not actions.
    """
    mentions = names.find(sentence)
    finder = _request_cue if question else _owner_cue
    cue = finder(rules, sentence, speaker, mentions)
    if cue is None:
        return None
    task = _task_text(rules, cue.task, cue.owner, names)
    minimum = 1 if rules.action_label.search(sentence) else _MIN_TASK_WORDS
    return ActionCue(cue.owner, task) if len(task.split()) >= minimum else None


def _task_text(rules: LanguageRules, rest: str, owner: str | None, names: NameIndex) -> str:
    """The words after the cue, minus a leading owner name, a trailing vocative and filler words.

    "Sure, I can do that" leaves one word ("that"), which the caller rejects as no task at all.
    """
    task = rules.task_lead.sub("", rest, count=1)
    mentions = names.find(task)
    if mentions and mentions[0].start == 0 and mentions[0].name == owner:
        task = rules.task_lead.sub("", task[mentions[0].end :], count=1)
    mentions = names.find(task)
    if (
        mentions
        and not _TRAILING.sub("", task[mentions[-1].end :])
        and task[: mentions[-1].start].rstrip().endswith(",")
    ):
        task = task[: mentions[-1].start].rstrip().removesuffix(",")  # "…, Bob?"
    task = _TRAILING.sub("", task).strip()
    return task[:1].upper() + task[1:]


def priority_of(rules: LanguageRules, sentence: str) -> Priority:
    """``low`` or ``high`` when the sentence says so ("no rush", "urgente"), else ``medium``."""
    if rules.low_priority.search(sentence):
        return "low"
    if rules.high_priority.search(sentence):
        return "high"
    return "medium"
