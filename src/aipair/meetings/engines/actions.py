"""Recognising an action item in one sentence: the cue, its kind, the owner, the task words.

Cues are tried in this order, the first that applies wins:

1. a label ("Action item:", "TODO:", "Tarea:"): owner is the first participant named after it, else
   the speaker if the sentence is a first-person commitment, else nobody;
2. a participant's name followed by a commitment ("Maria will…", "Luis va a…"): that person;
3. a first-person commitment ("I'll…", "voy a…", "me encargo…", and Spanish present or future forms
   of a verb of work: "La redacto yo", "les escribo", "enviaré"): the speaker; "I can…",
   "I need to…" are weaker;
4. a request ("can you…", "you should…", "¿puedes…", "le pido que…"): the person addressed by name
   ("Bob, can you…", "…, Bob?"), else nobody yet (a reply may take it on);
5. the speaker committing their side to a verb of work ("we'll send you…", "vamos a publicar…"):
   the speaker;
6. a shared obligation ("we need to…", "hay que…") or suggestion ("we should…", "habría que…"):
   nobody yet;
7. someone who is not a participant ("The clerk will invite…", "La letrada enviará…"): nobody.

A request needs a verb of work ("can you send…", not "can you hear us"); so does a named
participant in the present tense ("Amara updates the mockups", "Ana escribe la sección").

Not actions: a cue under a condition ("if we…", "si…"), a negated one ("I won't"), one followed by
a verb or phrase that narrates the meeting ("I'll share my screen", "we'll come back to that",
"pasamos al siguiente punto"). Owners are always participants (see :class:`NameIndex`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from aipair.kit.text import word_set
from aipair.meetings.engines.people import HONORIFIC_WORDS, Mention, NameIndex, is_vocative
from aipair.meetings.engines.rules import LanguageRules
from aipair.meetings.engines.verbs import (
    ENGLISH_WORK_VERBS,
    SPANISH_ADDRESSED_FORMS,
    SPANISH_ADDRESSED_INFINITIVE_OF,
    SPANISH_COMMITMENT_FORMS,
    SPANISH_SINGULAR_FORMS,
    SPANISH_THIRD_INFINITIVE_OF,
    SPANISH_THIRD_PERSON_FORMS,
    english_third_person,
    first_person_future,
    first_person_infinitive,
    is_work_verb,
    spanish_imperative,
)
from aipair.meetings.minutes import Priority

CueKind = Literal["label", "named", "self", "weak", "request", "group", "third", "obligation", "suggestion"]
_SUGGESTION = re.compile(r"should|ought|better|habría|tendríamos|deberíamos|debería|tendría|haría", re.I)

_NEXT_WORD = re.compile(r"[\s,]*([^\W\d_][\w'’]*)")
_WORD = re.compile(r"[^\W\d_][\w'’]*")
_CLITICS = word_set("me te le les lo la los las se nos os")
_YOU = re.compile(r"[\s,]*(?:you|tú|usted)\b", re.IGNORECASE)
_NOT_ASKED = word_set(
    "hear see tell imagine believe remember understand agree confirm give start begin go explain "
    "oír oírme escuchar ver imaginar creer recordar entender empezar explicar"
)
_ASKING = frozenset({"pido", "pedimos", "ruego", "rogamos"})
_OPENING_WORDS = word_set(
    "y e pues entonces ya hoy mañana luego después también vale bueno sí si claro venga dale va órale "
    "eso esto"
)
_TIME_WORDS = word_set("esta este el la próxima próximo antes del de mismo misma primera")
_TIME_NOUNS = word_set(
    "semana mes tarde noche lunes martes miércoles jueves viernes sábado domingo ahora ahorita hora "
    "mañana hoy"
)  # "Esta semana mando el informe": a time said first still opens the sentence
_OBJECT_CLITICS = word_set("te le les lo la los las os")
_TELLING = {"digo": "decir"}
_PRONOUNS = word_set("i you we he she they it")
_POSSESSIVES = word_set("our his her their its my your nuestro nuestra nuestros nuestras su sus")
_ALL_OF_US = re.compile(r"\b(?:entre\s+tod[oa]s|tod[oa]s\s+junt[oa]s|all\s+of\s+us|between\s+us)\b", re.I)
_ADDRESS_WORDS = word_set("y e tú tu vos usted ustedes") | _CLITICS
_THIRD_PARTY = {
    "en": re.compile(
        r"\b(?:the|my|our|your|his|her|their)\s+(?:[a-z]+\s+){0,2}?(?:will|is\s+going\s+to|are\s+going\s+to)\b"
    ),
    "es": re.compile(r"\b(?:el|la|los|las|mi|mis|nuestr[oa]s?)\s+(?:\w+\s+){0,2}?(?=\w+á\b)"),
}
_THINGS = word_set(
    "system app application service tool platform connector alert alerts page script job server database api "
    "dashboard integration feature release update build pipeline model bot chatbot website site form email "
    "invoice report file screen device machine code test cache queue endpoint network backup policy contract "
    "price cost budget data update migration canary rollout fix patch "
    "sistema aplicación servicio herramienta plataforma alerta página servidor base informe formulario web "
    "correo factura pantalla dispositivo código copia presupuesto precio datos contrato cambio parche"
)  # "the connector will sync every hour": what a thing does is no one's task


@dataclass(frozen=True, slots=True)
class ActionCue:
    """An action found in a sentence: kind of cue, owner (participant or ``None``), where the cue
    starts and ends, and the words after it."""

    kind: CueKind
    owner: str | None
    start: int
    end: int
    rest: str


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


def _allowed(rules: LanguageRules, sentence: str, start: int, end: int) -> bool:
    """Not under a condition, not negated, not narrating the meeting."""
    before = sentence[:start]
    if rules.condition.search(before) or rules.negation.search(before):
        return False
    if _verb_after(rules, sentence, end) in rules.narration | {"not", "no"}:
        return False
    return not rules.narration_phrase.search(sentence, start)


def _first(pattern: re.Pattern[str], rules: LanguageRules, sentence: str) -> re.Match[str] | None:
    for match in pattern.finditer(sentence):
        if _allowed(rules, sentence, match.start(), match.end()):
            return match
    return None


def _guessed(words: list[re.Match[str]], position: int) -> str | None:
    """The infinitive of a verb not in the list, said first-person right after a clitic that opens
    the sentence or sits next to "yo" ("Sí, lo checo hoy", "Yo la armo", "las tomo yo")."""
    before = [w.group().lower() for w in words[:position]]
    after = words[position + 1].group().lower() if position + 1 < len(words) else ""
    if not before or before[-1] not in _OBJECT_CLITICS:
        return None  # "me refiero", "me opongo": a reflexive verb is no task
    telling = _TELLING.get(words[position].group().lower())
    if telling is not None:  # "Se lo digo yo", "le comento": telling someone who is not here
        return telling if before[-2:-1] == ["se"] or before[-1] in ("le", "les") else None
    if not ("yo" in before[-3:] or after == "yo" or all(w in _OPENING_WORDS | _CLITICS for w in before)):
        return None
    return first_person_infinitive(words[position].group())


def _spanish_present(rules: LanguageRules, sentence: str) -> tuple[int, int, bool, str | None] | None:
    """A Spanish first-person form of a verb of work that commits: after a clitic pronoun, next to
    "yo", or opening the sentence ("La redacto yo", "les escribo", "Yo preparo", "Llamo mañana");
    a verb not in the list counts after a clitic that opens the sentence ("Lo checo hoy").
    Returns (start, end, singular, the infinitive when it was guessed)."""
    words = list(_WORD.finditer(sentence))
    for position, word in enumerate(words):
        form = word.group().lower()
        guessed = None if form in SPANISH_COMMITMENT_FORMS else _guessed(words, position)
        future = (
            first_person_future(form) if guessed is None and form not in SPANISH_COMMITMENT_FORMS else None
        )
        if (
            future is not None
            and future not in rules.narration
            and _allowed(rules, sentence, word.start(), word.start())
        ):
            return word.start(), word.end(), not form.endswith("mos"), future  # "checaré", "lo mandaremos"
        if form not in SPANISH_COMMITMENT_FORMS and guessed is None:
            continue
        before = [w.group().lower() for w in words[max(0, position - 2) : position]]
        after = words[position + 1].group().lower() if position + 1 < len(words) else ""
        if after == "que" or (form in _ASKING and " que " in sentence[word.end() : word.end() + 80]):
            continue  # "creo que", "le pido a la concejala que…": thinking or asking, not doing
        singular = form in SPANISH_SINGULAR_FORMS or guessed is not None
        clitic = bool(before) and before[-1] in _CLITICS
        with_yo = "yo" in before or after == "yo"
        timed = any(w in _TIME_NOUNS for w in before)
        opening = position == len(before) and all(
            w in _OPENING_WORDS or (timed and w in _TIME_WORDS | _TIME_NOUNS) for w in before
        )
        begin = words[position - 1].start() if clitic else word.start()
        if (clitic or (singular and (with_yo or opening))) and _allowed(rules, sentence, begin, word.start()):
            return word.start(), word.end() if guessed else word.start(), singular, guessed
    return None


def _third_person(rules: LanguageRules, word: str) -> bool:
    if rules.language == "es":
        return word in SPANISH_THIRD_PERSON_FORMS
    return english_third_person(word)


def _named(rules: LanguageRules, sentence: str, mentions: list[Mention]) -> ActionCue | None:
    for mention in mentions:
        match = rules.named_commitment.match(sentence, mention.end)
        if match and _allowed(rules, sentence, mention.start, match.end()):
            return ActionCue("named", mention.name, mention.start, match.end(), sentence[match.end() :])
        verb = _NEXT_WORD.match(sentence, mention.end)
        describes = verb is not None and _verb_after(rules, sentence, verb.end()) in _POSSESSIVES
        if (
            verb
            and not describes  # "Hugh runs our IT side": who does what, not a task
            and _third_person(rules, verb.group(1).lower())
            and _allowed(rules, sentence, mention.start, mention.end)
        ):
            rest = sentence[verb.start(1) :]
            if rules.language == "es":  # "Alicia corrige el webhook" → "corregir el webhook"
                rest = SPANISH_THIRD_INFINITIVE_OF[verb.group(1).lower()] + sentence[verb.end(1) :]
            return ActionCue("named", mention.name, mention.start, mention.end, rest)
    return None


def _addressee(sentence: str, mentions: list[Mention], start: int, speaker: str | None) -> str | None:
    for mention in mentions:
        if mention.name == speaker:
            continue
        leading = not sentence[: mention.start].strip(" ¿¡") and not sentence[mention.end : start].strip(
            " ,¿¡"
        )
        if leading or is_vocative(sentence, mention):
            return mention.name
    return None


def _addressed(
    rules: LanguageRules, sentence: str, speaker: str | None, mentions: list[Mention]
) -> ActionCue | None:
    """ "Fernanda, ¿me pasas la lista?", "¿Nos consigue dos cotizaciones?": a Spanish question whose
    first verb is a verb of work addressed to "tú", "vos" or "usted"."""
    position = 0
    leading = mentions[0] if mentions and not sentence[: mentions[0].start].strip(" ¿¡,") else None
    if leading is not None:
        position = leading.end
    addressed = leading is not None
    for word in _WORD.finditer(sentence, position):
        form = word.group().lower()
        if form in _ADDRESS_WORDS or form in HONORIFIC_WORDS:
            addressed = True
            continue
        if form not in SPANISH_ADDRESSED_FORMS or not _allowed(rules, sentence, word.start(), word.end()):
            return None
        if not addressed and not form.endswith("s"):
            return None  # "¿Cambia algo?": the "usted" form needs a pronoun or a name with it
        owner = _addressee(sentence, mentions, word.start(), speaker)
        rest = SPANISH_ADDRESSED_INFINITIVE_OF[form] + sentence[word.end() :]
        return ActionCue("request", owner, word.start(), word.start(), rest)
    return None


def _request(
    rules: LanguageRules,
    sentence: str,
    speaker: str | None,
    mentions: list[Mention],
    *,
    question: bool = False,
) -> ActionCue | None:
    match = _first(rules.request, rules, sentence)
    if match is None:
        addressed = (
            _addressed(rules, sentence, speaker, mentions) if question and rules.language == "es" else None
        )
        return addressed or _assignment(rules, sentence, speaker, mentions)
    if _verb_after(rules, sentence, match.end()) in _NOT_ASKED:
        return None
    owner = _addressee(sentence, mentions, match.start(), speaker)
    return ActionCue("request", owner, match.start(), match.end(), sentence[match.end() :])


def _assignment(
    rules: LanguageRules, sentence: str, speaker: str | None, mentions: list[Mention]
) -> ActionCue | None:
    """ "PhD B, you write the results section", "Marcus, add the check", "Luis, revisa el
    presupuesto": a participant addressed, then told what to do."""
    for mention in mentions:
        if mention.name == speaker or not is_vocative(sentence, mention):
            continue
        match = _YOU.match(sentence, mention.end)
        if match and is_work_verb(_verb_after(rules, sentence, match.end()), rules.language):
            return ActionCue("request", mention.name, mention.start, match.end(), sentence[match.end() :])
        imperative = _imperative(rules, sentence, mention.end)
        if imperative is not None and _allowed(rules, sentence, mention.start, mention.end):
            return ActionCue("request", mention.name, mention.start, mention.end, imperative)
    return None


def _imperative(rules: LanguageRules, sentence: str, position: int) -> str | None:
    """The task when the words at ``position`` (after ", ") start with an imperative of a verb of work."""
    words = _WORD.findall(sentence[position : position + 60])
    lead = sentence[position:].lstrip()
    if len(words) < 2 or not lead.startswith(","):
        return None
    verb, following = words[0].lower(), words[1].lower()
    if rules.language == "es":
        infinitive = spanish_imperative(verb) if following != "falta" else None
        return f"{infinitive}{lead[1:].lstrip()[len(verb) :]}" if infinitive else None
    if verb in ENGLISH_WORK_VERBS and following not in _PRONOUNS:
        return lead[1:].lstrip()
    return None


def _label(
    rules: LanguageRules, sentence: str, speaker: str | None, mentions: list[Mention]
) -> ActionCue | None:
    label = rules.action_label.search(sentence)
    if label is None:
        return None
    named = [m for m in mentions if m.start >= label.end()]
    first_person = rules.self_commitment.search(sentence, label.end())
    owner = named[0].name if named else (speaker if first_person else None)
    return ActionCue("label", owner, label.start(), label.end(), sentence[label.end() :])


def _own(rules: LanguageRules, sentence: str, speaker: str | None) -> ActionCue | None:
    kinds: tuple[tuple[CueKind, re.Pattern[str]], ...] = (
        ("self", rules.self_commitment),
        ("weak", rules.weak_commitment),
    )
    for kind, pattern in kinds:
        match = _first(pattern, rules, sentence)
        if match is not None:
            return ActionCue(kind, speaker, match.start(), match.end(), sentence[match.end() :])
    if rules.language == "es":
        found = _spanish_present(rules, sentence)
        if found is not None:
            start, end, singular, guessed = found
            rest = f"{guessed}{sentence[end:]}" if guessed else sentence[end:]
            owner = None if not singular and _ALL_OF_US.search(sentence) else speaker
            return ActionCue("self" if singular else "group", owner, start, end, rest)
    return None


def _does_work(rules: LanguageRules, sentence: str, end: int) -> bool:
    """Whether the verb after a cue is a verb of work ("can you send…"), or the cue asks "que…"."""
    verb = _verb_after(rules, sentence, end)
    return verb == "que" or sentence[:end].lower().endswith("que") or is_work_verb(verb, rules.language)


def _third_party(rules: LanguageRules, sentence: str) -> ActionCue | None:
    """ "The clerk will invite…", "La letrada enviará…": a task for someone who is not a participant."""
    for match in _THIRD_PARTY[rules.language].finditer(sentence.lower()):
        subject = match.group().split()
        if rules.language == "en":
            subject = subject[: -3 if "going" in subject else -1]
        if subject[-1] in _THINGS:
            continue
        verb = _verb_after(rules, sentence, match.end())
        if rules.language == "es" and verb not in SPANISH_THIRD_PERSON_FORMS:
            continue
        if (rules.language == "es" or is_work_verb(verb, "en")) and _allowed(
            rules, sentence, match.start(), match.end()
        ):
            return ActionCue("third", None, match.start(), match.end(), sentence[match.end() :])
    return None


def _shared(rules: LanguageRules, sentence: str, speaker: str | None) -> ActionCue | None:
    group = _first(rules.group_commitment, rules, sentence)
    if group is not None and _does_work(rules, sentence, group.end()):
        owner = None if _ALL_OF_US.search(sentence) else speaker
        return ActionCue("group", owner, group.start(), group.end(), sentence[group.end() :])
    duty = _first(rules.obligation, rules, sentence)
    if duty is not None:
        kind: CueKind = "suggestion" if _SUGGESTION.search(duty.group()) else "obligation"
        return ActionCue(kind, None, duty.start(), duty.end(), sentence[duty.end() :])
    return None


def find_cue(
    rules: LanguageRules, sentence: str, speaker: str | None, names: NameIndex, *, question: bool = False
) -> ActionCue | None:
    """The action cue of ``sentence``, or ``None``; ``speaker`` must be canonical or ``None``.

    For a ``question`` only a request counts ("Bob, can you…?"); other questions are not actions.
    """
    mentions = names.find(sentence)
    if question:
        return _request(rules, sentence, speaker, mentions, question=True)
    return (
        _label(rules, sentence, speaker, mentions)
        or _named(rules, sentence, mentions)
        or _own(rules, sentence, speaker)
        or _request(rules, sentence, speaker, mentions)
        or _shared(rules, sentence, speaker)
        or _third_party(rules, sentence)
    )


def priority_of(rules: LanguageRules, sentence: str) -> Priority:
    """``low`` or ``high`` when the sentence says so ("no rush", "urgente"), else ``medium``."""
    if rules.low_priority.search(sentence):
        return "low"
    if rules.high_priority.search(sentence):
        return "high"
    return "medium"
