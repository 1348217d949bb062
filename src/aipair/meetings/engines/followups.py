"""Action candidates of a whole pass, settled together: replies that take a task on, the words a
pronoun stands for, and which candidates are kept, with what confidence.

- A request or shared obligation answered in one of the next two turns by someone who accepts
  ("Sure.", "Sí, sin problema.", or a first-person commitment) belongs to that person — unless it was
  addressed to someone else, or the reply hands it to a third person; a suggestion ("we should…")
  needs a reply that commits, not only agrees — and takes the reply's deadline when it had none;
  the reply's own commitment to the same thing ("I'll send it by Friday", or whatever the reply opens with) is
  folded into it, not listed twice; when the request only pointed at the task ("Could you clean
  those up?"), the reply's words name it.
- A task that only names a pronoun ("La redacto yo", "I can move them up") quotes the sentence it
  refers to: the last informative sentence before it, in the same turn or the previous one.
- A task that points back ("add that check") quotes the same way.
- Kept: commitments and assignments that name a task; requests to a named person; requests and
  obligations that someone took on or that state a deadline; never a shared one about "today"
  alone, which is the meeting's own agenda.
- Confidence (0–1, for review): by kind of cue, higher when accepted or dated, lower for a quoted
  pronoun or a rambling task.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from aipair.kit.text import content_words, split_sentences
from aipair.meetings.engines.actions import ActionCue
from aipair.meetings.engines.due_dates import DueDate
from aipair.meetings.engines.rules import LanguageRules
from aipair.meetings.engines.wording import names_a_task
from aipair.meetings.minutes import ActionItem, Priority, fit
from aipair.meetings.parsing.segments import Segment

_REPLY_WINDOW = 2
_CONTEXT_TURNS = 3
_REPLY_SENTENCES = 2
_MIN_CONTEXT_WORDS = 3
_MAX_CONTEXT_WORDS = 40
_RAMBLING_WORDS = 20
_MAX_TASK_CHARS = 300
_BASE_CONFIDENCE = {
    "label": 0.9,
    "named": 0.8,
    "self": 0.75,
    "request": 0.75,
    "weak": 0.6,
    "group": 0.55,
    "third": 0.5,
    "obligation": 0.45,
    "suggestion": 0.4,
}
_ASKS = ("request", "obligation", "suggestion")  # nobody's yet: a reply may take them on
DueFinder = Callable[[str], DueDate | None]


@dataclass(slots=True)
class Candidate:
    """A possible action item while the pass is settled (mutable, local to one extraction)."""

    cue: ActionCue
    task: str
    owner: str | None
    due: DueDate | None
    priority: Priority
    position: int  # in the pass's segment list
    index: int  # segment index, for segment_refs
    sentence: int  # sentence number within the turn
    pronominal: bool
    refers_back: bool  # "add that check": worth quoting what "that" was
    agenda: bool  # mentions only "today"/"hoy" as time: maybe the meeting's own plan
    accepted: bool = False
    absorbed: bool = False
    context: str = ""
    context_at: tuple[int, int] | None = None  # (position, sentence) of the quoted sentence


def _sentences(segment: Segment) -> list[str]:
    return split_sentences(segment.text, lowercase_continues=False)


def _reply(candidate: Candidate, segments: Sequence[Segment]) -> tuple[int, Segment] | None:
    asker = segments[candidate.position].speaker
    for position in range(candidate.position + 1, min(len(segments), candidate.position + 1 + _REPLY_WINDOW)):
        segment = segments[position]
        if segment.speaker is not None and segment.speaker != asker:
            return position, segment
    return None


def _accept(
    candidate: Candidate, replies: list[Candidate], reply: Segment, rules: LanguageRules, due_in: DueFinder
) -> bool:
    acceptor = reply.speaker
    if acceptor is None or (candidate.owner is not None and candidate.owner != acceptor):
        return False
    own = [
        r
        for r in replies
        if r.owner == acceptor and r.cue.kind != "request" and r.sentence < _REPLY_SENTENCES
    ]
    first = _sentences(reply)[:1]
    takes_on = (
        rules.self_commitment.search(first[0]) or rules.weak_commitment.search(first[0])
        if first and _agreeable(first[0])
        else None
    )
    addressed = candidate.owner == acceptor and _agreeable(first[0] if first else "")
    if (
        not own
        and not takes_on
        and not addressed  # "Ana Belén, ¿puedes preparar la oferta?" "La tengo el lunes."
        and (candidate.cue.kind == "suggestion" or not rules.acceptance.match(reply.text))
    ):
        return False  # "We should add a leaf icon." "Yeah.": agreeing with an idea is not taking it on
    if any(r.cue.kind == "request" and r.owner not in (None, acceptor) for r in replies):
        return False  # "Sí, eso. Becaria C, ¿te ocupás vos…?": the reply hands it to someone else
    candidate.owner, candidate.accepted = acceptor, True
    asked = set(content_words(candidate.task))
    for commitment in own:
        if commitment.sentence == 0 or commitment.pronominal or asked & set(content_words(commitment.task)):
            commitment.absorbed = True
            candidate.due = candidate.due or commitment.due
            if _vaguer(candidate, commitment):  # "Could you clean those up?" "I'll delete the old ones."
                candidate.task, candidate.pronominal = commitment.task, False
                candidate.refers_back = commitment.refers_back
    if candidate.due is None:
        candidate.due = next(
            (d for d in map(due_in, _sentences(reply)[:_REPLY_SENTENCES]) if d is not None), None
        )
    return True


_REFUSAL = re.compile(
    r"^\W*(?:no\b|not\b|nope\b|I\s+can(?:'t|not)\b|I\s+won't\b|no\s+puedo\b)", re.IGNORECASE
)


def _agreeable(sentence: str) -> bool:
    """Whether a reply's first sentence neither refuses nor asks back."""
    return bool(sentence) and not _REFUSAL.match(sentence) and not sentence.rstrip().endswith("?")


def _vaguer(asked: Candidate, commitment: Candidate) -> bool:
    """Whether the reply names the task the request only pointed at."""
    pointing = asked.pronominal or asked.refers_back or not names_a_task(asked.task)
    more = len(content_words(commitment.task)) > len(content_words(asked.task))
    return pointing and names_a_task(commitment.task) and (not commitment.pronominal or more)


def link_replies(
    candidates: list[Candidate], segments: Sequence[Segment], rules: LanguageRules, due_in: DueFinder
) -> None:
    """Requests and obligations taken on by the next speaker get that owner (see module docstring).

    Only the last request or obligation of a turn can be taken on by the reply to that turn.
    """
    by_position: dict[int, list[Candidate]] = {}
    for candidate in candidates:
        by_position.setdefault(candidate.position, []).append(candidate)
    for found_here in by_position.values():
        asks = [c for c in found_here if c.cue.kind in _ASKS and not c.absorbed]
        if not asks:
            continue
        reply = _reply(asks[-1], segments)
        if reply is not None:
            _accept(asks[-1], by_position.get(reply[0], []), reply[1], rules, due_in)


def _informative(sentence: str) -> bool:
    return len(content_words(sentence)) >= _MIN_CONTEXT_WORDS and len(sentence.split()) <= _MAX_CONTEXT_WORDS


def add_context(candidate: Candidate, segments: Sequence[Segment]) -> None:
    """Quote what a pronominal task refers to: earlier in the turn, else in the last few turns."""
    for position in range(candidate.position, max(-1, candidate.position - 1 - _CONTEXT_TURNS), -1):
        sentences = _sentences(segments[position])
        if position == candidate.position:
            sentences = sentences[: candidate.sentence]
        for number in range(len(sentences) - 1, -1, -1):
            if _informative(sentences[number]):
                candidate.context, candidate.context_at = sentences[number], (position, number)
                return


def _keep(candidate: Candidate) -> bool:
    if candidate.absorbed or (candidate.pronominal and not candidate.context and not candidate.accepted):
        return False
    if candidate.agenda and candidate.cue.kind in ("group", "obligation", "suggestion"):
        return False
    if candidate.pronominal:
        return True
    if not names_a_task(candidate.task):
        return False
    if candidate.accepted or candidate.cue.kind not in _ASKS:
        return True
    return candidate.owner is not None or candidate.due is not None


def confidence(candidate: Candidate) -> float:
    """How sure the engine is that this is a real action item (0–1)."""
    score = _BASE_CONFIDENCE[candidate.cue.kind]
    if candidate.cue.kind == "request" and candidate.owner is None:
        score = _BASE_CONFIDENCE["obligation"]
    score += 0.15 * candidate.accepted + 0.05 * (candidate.due is not None)
    score -= 0.2 * candidate.pronominal + 0.15 * (len(candidate.task.split()) > _RAMBLING_WORDS)
    return round(min(0.95, max(0.05, score)), 2)


def _fold_restatements(candidates: list[Candidate]) -> None:
    """A pronominal task quoting a task of the same turn ("Eso lo hago yo. Lo meto en el boletín de
    junio.") is that task said again: folded into it (its deadline kept when the first had none)."""
    by_place = {(c.position, c.sentence): c for c in candidates if not c.absorbed}
    for candidate in candidates:
        first = by_place.get(candidate.context_at) if candidate.context_at else None
        if (
            candidate.pronominal
            and first is not None
            and first.position == candidate.position
            and _keep(first)
        ):
            candidate.absorbed = True
            first.due = first.due or candidate.due


def settle(
    candidates: list[Candidate], segments: Sequence[Segment], rules: LanguageRules, due_in: DueFinder
) -> list[ActionItem]:
    """The action items among ``candidates``, in order (see the module docstring)."""
    link_replies(candidates, segments, rules, due_in)
    for candidate in candidates:
        if (candidate.pronominal or candidate.refers_back) and not candidate.absorbed:
            add_context(candidate, segments)
    _fold_restatements(candidates)
    items: list[ActionItem] = []
    for candidate in candidates:
        if not _keep(candidate) or not candidate.task:
            continue
        task = f"{candidate.task} — “{candidate.context}”" if candidate.context else candidate.task
        items.append(
            ActionItem(
                task=fit(task, _MAX_TASK_CHARS),
                owner_name=candidate.owner,
                due_date=candidate.due.date if candidate.due else None,
                due_text=candidate.due.text if candidate.due else None,
                priority=candidate.priority,
                confidence=confidence(candidate),
                segment_refs=[candidate.index],
            )
        )
    return items
