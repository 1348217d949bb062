"""Decisions and open questions in normalised sentences.

A decision is explicit agreement ("we decided", "let's go with", "the motion is carried", "se
aprueba", "decidimos"), not negated ("we haven't decided"), not under a condition ("if we decided
to go for…", "si decidiéramos…"), not about an earlier meeting ("we decided last week…"), and not a
question. A sentence that announces a list of decisions ("The decisions: …", "Acuerdos: …") makes the
following sentences of the same turn decisions too; a recap ("To wrap up: …") does the same for
those that are not someone's task.

A question asking for agreement ("Is the committee content for officers to add those bins…?",
"¿Todos bien con el veintidós?") is a decision when the next reply by someone else assents; it
decides what it asks, or what was said just before when it only points ("Is that agreeable?").

An open question is one nobody answered: asked by someone, then in the next two turns by others
no reply opens like an answer ("Yes…", "Because…", "Sí…") or shares a content word with it, or the
reply says nobody knows ("I don't know", "no lo sé", "good question"). Short questions and the
meeting's own small talk ("Can everyone see it?", "¿Empiezas tú?") are never open questions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from aipair.kit.text import content_words, word_count, word_set
from aipair.meetings.engines.rules import LanguageRules
from aipair.meetings.engines.verbs import SPANISH_THIRD_PERSON_FORMS
from aipair.meetings.parsing.segments import Segment

_MIN_QUESTION_WORDS = 4
_ANSWER_WINDOW = 2
_MIN_SHARED_WORD = 4
_MIN_LIST_ITEM_WORDS = 2


def is_question(sentence: str) -> bool:
    """Whether ``sentence`` asks ("…?", "¿…")."""
    return sentence.rstrip("\"'”’»)").endswith("?") or sentence.lstrip().startswith("¿")


_IMPERSONAL = re.compile(r"^\W*(?:y\s+)?se\s+([^\W\d_]+)\b", re.IGNORECASE)


def _impersonal(rules: LanguageRules, sentence: str) -> re.Match[str] | None:
    """ "Se contrata a la empresa de Luis", "Se pintará la fachada en septiembre": what the meeting
    settles, said impersonally with a verb of work (not "se pasa al siguiente punto")."""
    match = _IMPERSONAL.match(sentence) if rules.language == "es" else None
    if match is None or match.group(1).lower() not in SPANISH_THIRD_PERSON_FORMS:
        return None
    return None if rules.narration_phrase.search(sentence) else match


def is_decision(rules: LanguageRules, sentence: str) -> bool:
    """Whether ``sentence`` states a decision taken now (see the module docstring)."""
    cue = rules.decision.search(sentence) or _impersonal(rules, sentence)
    if cue is None or is_question(sentence) or rules.decision_negated.search(sentence):
        return False
    return not rules.condition.search(sentence, 0, cue.start()) and not rules.past.search(sentence)


def list_opening(rules: LanguageRules, sentence: str) -> tuple[bool, str] | None:
    """``(is_recap, first item)`` when ``sentence`` announces a list of decisions, else ``None``."""
    for recap, pattern in ((False, rules.decision_list), (True, rules.recap)):
        match = pattern.search(sentence)
        if match is not None:
            rest = sentence[match.end() :].strip(" :,")
            return recap, rest if word_count(rest) >= _MIN_LIST_ITEM_WORDS else ""
    return None


def is_open_question(rules: LanguageRules, segments: Sequence[Segment], position: int, question: str) -> bool:
    """Whether ``question`` (asked in ``segments[position]``) stayed unanswered."""
    if word_count(question) < _MIN_QUESTION_WORDS or rules.chatter_question.search(question):
        return False
    asker = segments[position].speaker
    asked = {w for w in content_words(question) if len(w) >= _MIN_SHARED_WORD}
    replies = [
        s
        for s in segments[position + 1 : position + 1 + _ANSWER_WINDOW]
        if asker is None or s.speaker != asker
    ]
    for reply in replies:
        if rules.non_answer.search(reply.text):
            return True
        if rules.answer_opening.match(reply.text) or asked & set(content_words(reply.text[:1000])):
            return False
    return True


def agreed_question(
    rules: LanguageRules, segments: Sequence[Segment], position: int, question: str, before: str
) -> str | None:
    """What a question asking for agreement decides, when the next reply assents; else ``None``."""
    match = rules.consensus.search(question)
    if match is None:
        return None
    asker = segments[position].speaker
    reply = next(
        (s for s in segments[position + 1 : position + 1 + _ANSWER_WINDOW] if s.speaker != asker), None
    )
    if reply is None or not rules.assent.match(reply.text):
        return None
    what = match.group("what").strip(" ,:;")
    if len(content_words(what)) < _MIN_LIST_ITEM_WORDS:
        return before or None
    return what[:1].upper() + what[1:]


_SHORT_DECISION_WORDS = 10
_MIN_PROPOSAL_WORDS = 4
_PROCEDURE_WORDS = word_set(
    "motion amendment proposal resolution minutes item moción enmienda proposición propuesta acta punto"
)
_VOTE_WORDS = _PROCEDURE_WORDS | word_set(
    "carried approved adopted agreed unanimously amended queda quedan aprobado aprobada aprobados aprobadas "
    "aprueba aprueban aprobó unanimidad mayoría ley carries passes passed deferred postponed vote votes "
    "voting votación votamos vota somete sometemos acordado acordada decidido decidida defeated lost fails "
    "rejected rechaza rechazada rechazado hacemos queda quedamos dejamos así"
)
_POINTING = ("that", "this", "it", "eso", "esto", "ello")


def explain(
    decision: str, proposals: Sequence[str], *, after: str = "", before: str = "", earlier: str = ""
) -> str:
    """A short decision with what it decides: "The motion is carried — “I move that we buy…”".

        A short vote result that names nothing but the procedure ("The amendment is carried.", "Se
        aprueba la proposición no de ley.") quotes the latest
        proposal naming the same thing (motion, amendment, proposición…), else the latest proposal; a
        decision pointing back ("let's go with that") quotes the next sentence of the turn, else the
        sentence before; a bare agreement ("Agreed.", "Acordado.") quotes ``earlier``, the last statement
    said before it. Anything else is returned as it is.
    """
    words = [w.strip(".,;:!?¡¿").lower() for w in decision.split()]
    if len(words) > _SHORT_DECISION_WORDS:
        return decision
    if words and words[-1] in _POINTING:
        quoted = after if word_count(after) >= _MIN_PROPOSAL_WORDS else before
        return f"{decision} — “{quoted}”" if quoted else decision
    if set(content_words(decision)) - _VOTE_WORDS:
        return decision  # it says what it decides
    usable = [
        p
        for p in proposals
        if word_count(p) >= _MIN_PROPOSAL_WORDS
        and len(set(content_words(p)) - _VOTE_WORDS) >= _MIN_LIST_ITEM_WORDS
    ]
    named = set(words) & _PROCEDURE_WORDS
    if not named and earlier:
        return f"{decision} — “{earlier}”"  # "Acordado.": what was said last
    same = [p for p in usable if named & {w.strip(".,;:").lower() for w in p.split()}]
    chosen = (same or usable)[-1:] if usable else []
    return f"{decision} — “{chosen[0]}”" if chosen else decision
