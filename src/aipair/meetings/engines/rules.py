"""Cue phrases of the local engine, per language (English and Spanish), and language detection.

Every pattern is compiled once at import and is free of nested unbounded repetition, so matching is
linear in the sentence. Patterns are searched case-insensitively.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aipair.kit.text import tokenize_words

_DETECTION_SAMPLE_CHARS = 20_000


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_EN_MARKERS = _words("the and to of is we you it that for will on this with are be have not was what can")
_ES_MARKERS = _words(
    "que de la el los las y en por para con es una un se lo del al está vamos hay pero como muy"
)


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("".join(parts), re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class LanguageRules:
    """The cue patterns of one language; see :func:`rules_for`."""

    language: str
    meeting_word: str
    decision: re.Pattern[str]
    decision_negated: re.Pattern[str]
    self_commitment: re.Pattern[str]
    named_commitment: re.Pattern[str]  # matched right after a participant's name
    request: re.Pattern[str]
    shared_task: re.Pattern[str]
    action_label: re.Pattern[str]
    next_step: re.Pattern[str]
    answer_opening: re.Pattern[str]
    high_priority: re.Pattern[str]
    low_priority: re.Pattern[str]
    task_lead: re.Pattern[str]  # words stripped from the start of a task
    narration: frozenset[str]  # verbs after a cue that describe the meeting itself, not a task
    fillers: frozenset[str]  # words never reported as topics
    adverbs: frozenset[str]  # skipped when looking at the verb after a cue


ENGLISH = LanguageRules(
    language="en",
    meeting_word="Meeting",
    decision=_rx(
        r"\b(?:we(?:'ve|\s+have)?\s+decided|(?:we(?:'ve|\s+have)?|everyone|all|we\s+all)\s+agreed",
        r"|(?:it's|it\s+is|that's|that\s+is)\s+agreed|agreed\s+(?:on|to|that|upon)|let'?s\s+go\s+with",
        r"|we(?:'re|\s+are)\s+going\s+(?:to\s+go\s+)?with|we(?:'ll|\s+will)\s+go\s+with|the\s+decision\s+is",
        r"|decision:|we\s+settled\s+on|(?:is|are|was|were|has\s+been|have\s+been)\s+approved",
        r"|final\s+decision|we(?:'re|\s+are)\s+moving\s+forward\s+with)\b",
    ),
    decision_negated=_rx(
        r"\b(?:haven't|have\s+not|hasn't|has\s+not|didn't|did\s+not|not\s+yet|never|nobody|no\s+one)\b",
        r"[^.?!]{0,30}?\b(?:decided|agreed|approved|decide|agree|approve)\b",
        r"|\bnot\s+(?:been\s+)?(?:decided|agreed|approved)\b",
    ),
    self_commitment=_rx(
        r"\b(?:I(?:'ll|’ll|\s+will|\s+shall)|I(?:'m|’m|\s+am)\s+going\s+to|I\s+can\s+take|let\s+me",
        r"|I\s+need\s+to|I\s+have\s+to|I\s+must|I(?:'m|\s+am)\s+on\s+it|I\s+volunteer\s+to|I\s+can\s+do)\b",
    ),
    named_commitment=_rx(
        r"(?:'ll|’ll|,?\s+(?:will|shall|is\s+going\s+to|is\s+gonna|needs\s+to|has\s+to|must|should",
        r"|can\s+take|is\s+taking|takes|owns|is\s+in\s+charge\s+of|volunteered\s+to|agreed\s+to))\b",
    ),
    request=_rx(
        r"\b(?:(?:can|could|would|will)\s+you|please|I\s+need\s+you\s+to|I'd\s+like\s+you\s+to",
        r"|make\s+sure\s+(?:you|to))\b",
    ),
    shared_task=_rx(
        r"\b(?:we(?:'ll|’ll|\s+will|\s+need\s+to|\s+have\s+to|\s+must|\s+should|\s+are\s+going\s+to",
        r"|'re\s+going\s+to)|needs?\s+to|has\s+to|have\s+to|someone\s+(?:should|needs\s+to|has\s+to|must))\b",
    ),
    action_label=_rx(r"\b(?:action\s+items?|action|to-?do|follow-?up\s+item)\s*:"),
    next_step=_rx(
        r"\b(?:next\s+steps?|going\s+forward|moving\s+forward|follow[-\s]?up|next\s+meeting|reconvene",
        r"|next\s+time|circle\s+back|the\s+plan\s+is)\b",
    ),
    answer_opening=_rx(
        r"^\W*(?:yes|yeah|yep|yup|no|nope|sure|correct|exactly|absolutely|definitely|of\s+course|right",
        r"|it\s+is|it's|good\s+question|I\s+think|I\s+believe|probably|the\s+answer|because)\b",
    ),
    high_priority=_rx(
        r"\b(?:urgent(?:ly)?|asap|as\s+soon\s+as\s+possible|critical|top\s+priority|high(?:est)?\s+priority",
        r"|immediately|right\s+away|blocker|blocking)\b",
    ),
    low_priority=_rx(
        r"\b(?:low\s+priority|no\s+rush|not\s+urgent|when\s+you\s+(?:have|get)\s+(?:the\s+)?time",
        r"|nice\s+to\s+have|eventually|whenever|at\s+some\s+point)\b",
    ),
    task_lead=_rx(r"^[\s,;:\-–—]*(?:(?:please|to|then|and|so|go\s+ahead\s+and)\b[\s,]*){0,4}"),
    narration=_words(
        "share show explain present start begin talk say mention ask summarize recap go be wrap stop "
        "hand pass think guess see discuss cover hear move continue look know get have repeat clarify "
        "walk jump add introduce"
    ),
    fillers=_words(
        "meeting everyone today yesterday week weeks month people gonna actually basically probably "
        "really okay yeah right also sure thing things something anything everything time call guys "
        "team question questions point able looks sounds maybe though through done make made want "
        "agree agreed decided please send need next last first great good thanks let's"
    ),
    adverbs=_words("just also then quickly probably definitely actually still first personally"),
)

SPANISH = LanguageRules(
    language="es",
    meeting_word="Reunión",
    decision=_rx(
        r"\b(?:decidimos|hemos\s+decidido|se\s+(?:ha\s+)?decidid[oa]|(?:está|esta|queda)\s+decidid[oa]",
        r"|acordamos|hemos\s+acordado|se\s+(?:ha\s+)?acordad[oa]|se\s+acordó|quedamos\s+en\s+que",
        r"|queda(?:n)?\s+aprobad[oa]s?|se\s+aprueba|se\s+aprobó|(?:está|esta)\s+aprobad[oa]",
        r"|vamos\s+con|nos\s+quedamos\s+con|la\s+decisión\s+(?:es|final)|decisión:",
        r"|estamos\s+de\s+acuerdo\s+en)\b",
    ),
    decision_negated=_rx(
        r"\b(?:no|todavía\s+no|aún\s+no|nadie)\s+(?:\w+\s+){0,2}?",
        r"(?:decidid[oa]|acordad[oa]|aprobad[oa]|decidimos|acordamos|decidir|acordar)\b",
    ),
    self_commitment=_rx(
        r"\b(?:(?:yo\s+)?voy\s+a|(?:yo\s+)?me\s+encargo|(?:yo\s+)?me\s+ocupo|lo\s+hago\s+yo|yo\s+lo\s+hago",
        r"|me\s+comprometo\s+a|(?:lo|la|los|las)\s+(?:reviso|envío|envio|mando|preparo|actualizo|llamo)",
        r"|te\s+(?:lo|la)\s+(?:envío|envio|mando|paso)|tengo\s+que",
        r"|yo\s+(?:envío|mando|preparo|reviso|hago|llamo))\b",
    ),
    named_commitment=_rx(
        r",?\s+(?:va\s+a|se\s+encarga|se\s+ocupa|tiene\s+que|debe|queda\s+encargad[oa]",
        r"|se\s+compromete\s+a|hará|enviará|preparará|revisará|llamará)\b",
    ),
    request=_rx(
        r"\b(?:puedes|podrías|podrias|puede\s+usted|podéis|podeis|pueden|podrían|te\s+pido\s+que",
        r"|les\s+pido\s+que|necesito\s+que|por\s+favor|encárgate|encargate|asegúrate|asegurate",
        r"|tienes\s+que)\b",
    ),
    shared_task=_rx(
        r"\b(?:hay\s+que|tenemos\s+que|debemos|habría\s+que|hace\s+falta|vamos\s+a\s+tener\s+que",
        r"|necesitamos|alguien\s+(?:tiene\s+que|debe)|vamos\s+a)\b",
    ),
    action_label=_rx(r"\b(?:tareas?|acciones?|acción|pendientes?|to-?do)\s*:"),
    next_step=_rx(
        r"\b(?:siguientes?\s+pasos?|próximos?\s+pasos?|proximos?\s+pasos?|próxima\s+reunión",
        r"|proxima\s+reunion|seguimiento|a\s+continuación|de\s+aquí\s+en\s+adelante|el\s+plan\s+es",
        r"|retomamos|volveremos\s+a\s+vernos)\b",
    ),
    answer_opening=_rx(
        r"^\W*(?:sí|si|no|claro|exacto|correcto|por\s+supuesto|desde\s+luego|efectivamente|vale",
        r"|creo\s+que|me\s+parece\s+que|buena\s+pregunta|la\s+respuesta|porque)\b",
    ),
    high_priority=_rx(
        r"\b(?:urgente(?:mente)?|cuanto\s+antes|lo\s+antes\s+posible|prioritari[oa]|crític[oa]",
        r"|prioridad\s+alta|máxima\s+prioridad|alta\s+prioridad|inmediatamente|de\s+inmediato|asap",
        r"|bloqueante)\b",
    ),
    low_priority=_rx(
        r"\b(?:no\s+es\s+urgente|sin\s+prisa|cuando\s+puedas|baja\s+prioridad|prioridad\s+baja",
        r"|no\s+corre\s+prisa|algún\s+día|eventualmente)\b",
    ),
    task_lead=_rx(r"^[\s,;:\-–—¿¡]*(?:(?:por\s+favor|de|del|que|a|luego|y|pues|entonces)\b[\s,]*){0,4}"),
    narration=_words(
        "compartir explicar mostrar presentar empezar comenzar comentar decir hablar resumir repasar "
        "pasar dar preguntar ser estar contar ver seguir continuar terminar cerrar escuchar oír"
    ),
    fillers=_words(
        "reunión todos todas hoy ayer semana semanas mes gente entonces bueno vale claro cosa cosas "
        "algo tiempo equipo pregunta preguntas punto parece hacer quiero queremos creo vamos siguiente "
        "gracias también ahora aquí después antes mañana"
    ),
    adverbs=_words("ya también luego rápidamente primero personalmente"),
)


def rules_for(language: str) -> LanguageRules:
    """Rules for ``language`` (``"es…"`` → Spanish, anything else → English)."""
    return SPANISH if language.lower().startswith("es") else ENGLISH


def detect_language(text: str) -> str:
    """``"es"`` or ``"en"``: whichever language's function words are more frequent in ``text``.

    Only the first 20,000 characters are examined; ties (and text with neither) count as English.
    """
    words = tokenize_words(text[:_DETECTION_SAMPLE_CHARS])
    english = sum(1 for w in words if w in _EN_MARKERS)
    spanish = sum(1 for w in words if w in _ES_MARKERS)
    return "es" if spanish > english else "en"
