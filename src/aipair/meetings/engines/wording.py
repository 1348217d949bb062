"""The words of an action item: what is left of the sentence once the cue, the owner's name, the
deadline and the asides are gone ("Bob, can you send the deck by Friday, if that works?" → "Send
the deck"), and whether that still names a task.

A task that names nothing but a pronoun ("I'll send it", "La redacto yo") is *pronominal*: it is kept
only with the words it refers to (see :mod:`~aipair.meetings.engines.followups`).
"""

from __future__ import annotations

import re

from aipair.kit.text import content_words, word_set
from aipair.meetings.engines.people import NameIndex
from aipair.meetings.engines.rules import LanguageRules
from aipair.meetings.engines.verbs import SPANISH_INFINITIVE_OF

_TRAILING = re.compile(r"[\s,;:.!?…\-–—]+$")
_LEADING = re.compile(r"^[\s,;:.!?…\-–—¿¡]+")
_ASIDE = re.compile(
    r",\s*(?:if|unless|as\s+long\s+as|when\s+you\s+can|because|since|si|siempre\s+que|cuando\s+puedas"
    r"|porque|ya\s+que|que\s+ya)\b.*$"
    r"|,\s*(?:señorías?|sir|madam|mr\.?\s+chair|madam\s+chair|señora\s+presidenta|señor\s+presidente)\s*[.!?]*$"
    r"|\s(?:and|but|so)\s+(?:we|you|they|he|she)\b.*$|\s(?:y|pero)\s+(?:nosotros|vosotros|ellos|ellas)\b.*$"
    r"|,\s+(?:it|this|that|there|which|it's|that's|there's)\s.*$",
    re.IGNORECASE,
)
_SPANISH_PRONOUNS = re.compile(r"^(?:(?:me|te|le|les|lo|la|los|las|se|nos|os)\s+){1,2}", re.IGNORECASE)
_DANGLING = re.compile(
    r"\s+(?:for|by|on|before|until|in|at|to|para|antes\s+del?|hasta|el|la|de|del|en)\s*$", re.IGNORECASE
)
_SUBJECT = re.compile(r"\s*\b(?:yo|tú|vos|usted|ustedes|nosotros|vosotros|I)\b(?=[\s,.?!]|$)")
_SPANISH_ASIDE = re.compile(r",\s*(?:que|porque)\s.*$", re.IGNORECASE)  # "contestarles, que llevan…"
_DEMONSTRATIVES = word_set("that this those these ese esa esos esas este esta estos estas")
_MAX_TAIL_WORDS = 2
_OBJECT_PRONOUNS = word_set("it them one ones")
_HANDING_OVER = word_set("take handle own cover grab tomar llevar")


def clause_end(sentence: str, start: int) -> int:
    """Where the clause holding a cue at ``start`` ends: before an aside (", if…", ", because…") or a
    new subject ("… and we can size it on Wednesday")."""
    aside = _ASIDE.search(sentence, start)
    return aside.start() if aside else len(sentence)


def task_words(
    rules: LanguageRules, rest: str, owner: str | None, names: NameIndex, due_text: str | None
) -> str:
    """The task stated by ``rest`` (the words after the cue), capitalised, without trailing marks."""
    task = _ASIDE.sub("", rules.task_lead.sub("", rest, count=1))
    task = _without_names(task, owner, names, rules)
    if due_text:
        task = _DANGLING.sub("", _without_due(task, due_text))
    if rules.language == "es":
        task = _spanish_infinitive(_SPANISH_ASIDE.sub("", task))
    task = _TRAILING.sub("", _LEADING.sub("", _SUBJECT.sub("", task))).strip()
    return task[:1].upper() + task[1:]


def _without_names(task: str, owner: str | None, names: NameIndex, rules: LanguageRules) -> str:
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
    return task


def _without_due(task: str, due_text: str) -> str:
    """The deadline removed where it ends the task, or ends a clause; a dangling tail goes too."""
    at = task.lower().rfind(due_text.lower())
    if at < 0:
        return task
    before, after = task[:at], task[at + len(due_text) :]
    if _TRAILING.sub("", after) and not after.lstrip().startswith((",", ".", ";")):
        return task  # the deadline sits inside the task ("before Monday's demo")
    trimmed = _TRAILING.sub("", before)
    clause = trimmed.rsplit(",", 1)
    if len(clause) == 2 and len(clause[1].split()) <= _MAX_TAIL_WORDS:
        trimmed = clause[0]  # "…before the next meeting, the one [on Friday]"
    return trimmed


def _spanish_infinitive(task: str) -> str:
    task = _SPANISH_PRONOUNS.sub("", task.lstrip())
    first, _, rest = task.partition(" ")
    infinitive = SPANISH_INFINITIVE_OF.get(first.lower())
    return f"{infinitive} {rest}".strip() if infinitive else task


def is_pronominal(rules: LanguageRules, task: str, sentence: str, cue_end: int) -> bool:
    """Whether the task names nothing but a pronoun ("send it", "la redacto", "eso lo coordino")."""
    words = [w.lower().strip(",.") for w in task.split()]
    beyond_verb = len(content_words(" ".join(words[1:])))
    if rules.language == "es":
        lead = [w.strip(",.¡¿") for w in sentence[:cue_end].lower().split()]
        fronted = next((i for i, w in enumerate(lead[:2]) if w in ("eso", "esto")), None)
        if fronted is not None and any(w in ("lo", "la") for w in lead[fronted + 1 :]):
            return True  # "(Vale,) eso lo pido yo…": the object is what was just said
        clitic = any(w in ("lo", "la", "los", "las", "eso", "esto") for w in lead[-2:])
        return (clitic and beyond_verb < 2) or beyond_verb == 0
    return beyond_verb == 0


def refers_back(task: str) -> bool:
    """Whether the task points at something said before: "add that check", "revisar esa guía", an
    object that is a pronoun ("drop them in the doc"), or a task handed over ("take the CI check")."""
    words = [w.lower().strip(",.") for w in task.split()]
    if any(w in _DEMONSTRATIVES for w in words[1:4]) or any(w in _OBJECT_PRONOUNS for w in words[1:3]):
        return True  # "add that check", "drop them in the doc", "look at it"
    if any(w in ("one", "ones") for w in words[1:4]):  # "grab fresh ones"
        return True
    return bool(words) and words[0] in _HANDING_OVER and len(content_words(" ".join(words[1:]))) <= 2


def names_a_task(task: str) -> bool:
    """Whether ``task`` has a verb and something to do it to ("Do the figures", not "Do that")."""
    return bool(content_words(" ".join(task.split()[1:])))
