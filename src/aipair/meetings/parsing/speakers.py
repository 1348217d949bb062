"""Recognising ``Name: text`` speaker labels without inventing speakers.

A line is a *candidate turn* when it starts with a label followed by ``:`` and a space (or the end of
the line), optionally with a parenthesised role, riding or timestamp of any length before the colon.
A label is *certain* when it names a person, a role or a group (:func:`~.names.looks_like_name`):
honorifics and titles ("Mr.", "Hon.", "Dra.", "La señora"), particles and elisions ("d'Arcy",
"de la Cruz", "van der Berg", "O'Neill"), all-caps names, digit runs ("Speaker 2", "SPEAKER_01"),
role labels ("Project Manager", "Grad B"), groups ("Some hon. members"). Common labels that are not
people ("Note", "TODO", "Action item", "Agenda", "Fecha"…) are never speakers. Any other short
capitalised label is *uncertain*: it is not taken as a speaker, but in a transcript of turns it
still starts a segment of its own (without speaker), so a turn is never silently merged into the
previous speaker's.

A file *uses speaker turns* (see :func:`uses_speaker_turns`) only when there are at least two certain
turns and either they make up half of the non-empty lines, or at least two different names appear,
one of them more than once, and turns make up at least a fifth of the lines. So a stray
"Budget: over by 10%" inside prose stays text, while a transcript with wrapped paragraphs still counts.
Only the first 200 characters of a line are examined, so huge lines cost nothing extra.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from aipair.meetings.parsing.names import looks_like_name
from aipair.meetings.parsing.timecodes import parse_clock

_PREFIX_LIMIT = 200
_MAX_UNCERTAIN_WORDS = 5

_LABEL = re.compile(
    r"(?P<name>[^\W\d_][\w.'’\- ]{0,59}?)\s*(?:\((?P<paren>[^()\n]{1,120})\))?\s*:(?=\s|$)\s*"
)
_LEADING_CLOCK = re.compile(r"[\[(]?(?P<clock>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?)[\])]?\s+(?:-\s+)?")

_NOT_SPEAKERS = frozenset(
    {
        "note", "notes", "nota", "notas", "n.b", "nb", "ps", "p.s", "fyi", "todo", "to do", "tbd",
        "action", "actions", "action item", "action items", "acción", "acciones", "agenda", "orden del día",
        "decision", "decisions", "decisión", "decisiones", "summary", "resumen", "subject", "asunto",
        "date", "fecha", "time", "hora", "attendees", "asistentes", "participants", "participantes",
        "re", "fwd", "important", "importante", "warning", "aviso", "reminder", "recordatorio",
        "question", "questions", "pregunta", "preguntas", "answer", "respuesta", "example", "ejemplo",
        "tip", "update", "status", "estado", "title", "título", "location", "lugar", "link", "url",
        "email", "phone", "tel", "next steps", "next step", "próximos pasos", "siguientes pasos",
        "topic", "topics", "tema", "temas", "goal", "goals", "objetivo", "objetivos", "result",
        "results", "resultado", "issue", "problem", "problema", "solution", "solución", "conclusion",
        "conclusión", "context", "contexto", "background", "description", "descripción", "source",
        "fuente", "meeting", "reunión", "minutes", "acta", "owner", "responsable", "deadline", "plazo",
        "priority", "prioridad", "key points", "puntos clave", "comment", "comentario", "ok", "okay",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SpeakerLabel:
    """A ``Name:`` prefix: the label, an optional start time, the text after it, and whether the
    label is certain to name a speaker (an uncertain one only marks where a turn may start)."""

    speaker: str
    start: float | None
    rest: str
    certain: bool = True


def _kind(name: str) -> bool | None:
    """``True`` for a certain label, ``False`` for an uncertain one, ``None`` for no label."""
    if name.lower().rstrip(".") in _NOT_SPEAKERS:
        return None
    if looks_like_name(name):
        return True
    words = name.split()
    return False if len(words) <= _MAX_UNCERTAIN_WORDS and words[0][0].isupper() else None


def match_label(line: str, *, allow_clock: bool = False) -> SpeakerLabel | None:
    """The speaker label at the start of ``line``, or ``None``.

    With ``allow_clock`` a leading clock ("[00:01:05] Ana: …", "00:01:05 - Ana: …") is accepted and
    becomes ``start``. Linear: only a bounded prefix of the line is examined.
    """
    stripped = line.lstrip()
    start: float | None = None
    if allow_clock and (stripped[:1].isdigit() or stripped.startswith(("[", "("))):
        clock = _LEADING_CLOCK.match(stripped, 0, _PREFIX_LIMIT)
        if clock is not None:
            start = parse_clock(clock["clock"])
            stripped = stripped[clock.end() :]
    match = _LABEL.match(stripped, 0, _PREFIX_LIMIT)
    kind = _kind(match["name"].strip()) if match is not None else None
    if match is None or kind is None:
        return None
    speaker = match["name"].strip()
    paren = match["paren"]
    if paren is not None:
        paren_clock = parse_clock(paren)
        if paren_clock is None:
            speaker = f"{speaker} ({paren.strip()})"
        elif start is None:
            start = paren_clock
    return SpeakerLabel(speaker, start, stripped[match.end() :], certain=kind)


def uses_speaker_turns(labels: Sequence[SpeakerLabel | None], nonempty_lines: int) -> bool:
    """Whether the candidate ``labels`` (one per examined line) show a real turn structure.

    Documented heuristic, see the module docstring (uncertain labels do not count): ≥ 2 turns and
    (turns ≥ ½ of the non-empty lines, or ≥ 2 distinct names with one repeated and turns ≥ ⅕ of the
    lines).
    """
    names = Counter(label.speaker for label in labels if label is not None and label.certain)
    turns = sum(names.values())
    if turns < 2 or nonempty_lines <= 0:
        return False
    if turns * 2 >= nonempty_lines:
        return True
    repeated = any(count > 1 for count in names.values())
    return len(names) >= 2 and repeated and turns * 5 >= nonempty_lines
