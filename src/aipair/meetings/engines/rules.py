"""Cue phrases of the local engine, per language (English and Spanish).

Every pattern is compiled once at import and is free of nested unbounded repetition, so matching is
linear in the sentence. Patterns are searched case-insensitively in normalised text (no fillers,
no markup, contractions joined).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aipair.kit.text import word_set
from aipair.meetings.engines.language import detect_language

__all__ = ["ENGLISH", "SPANISH", "LanguageRules", "detect_language", "rules_for"]


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("".join(parts), re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class LanguageRules:
    """The cue patterns of one language; see :func:`rules_for`."""

    language: str
    meeting_word: str
    decision: re.Pattern[str]
    decision_negated: re.Pattern[str]
    decision_list: re.Pattern[str]  # "The decisions:", "Acuerdos:" — what follows are decisions
    recap: re.Pattern[str]  # "To wrap up:" — what follows may be decisions
    past: re.Pattern[str]  # "last week", "la semana pasada": not decided in this meeting
    condition: re.Pattern[str]  # "if", "si": what follows is hypothetical
    self_commitment: re.Pattern[str]
    weak_commitment: re.Pattern[str]  # "I can…", "I need to…"
    group_commitment: re.Pattern[str]  # "we'll…", "vamos a…": the speaker commits for their side
    named_commitment: re.Pattern[str]  # matched right after a participant's name
    request: re.Pattern[str]
    obligation: re.Pattern[str]  # "we need to…", "hay que…": nobody yet
    action_label: re.Pattern[str]
    negation: re.Pattern[str]  # right before a cue: "I won't", "no voy a"
    narration: frozenset[str]  # verbs after a cue that describe the meeting itself, not a task
    narration_phrase: re.Pattern[str]  # "come back to that", "pasamos al siguiente punto"
    agenda: re.Pattern[str]  # "today we…", "hoy tenemos que…": the meeting's own plan
    small_talk: re.Pattern[str]  # greetings, thanks, opening and closing the meeting
    acceptance: re.Pattern[str]  # a reply that takes a task on: "Sure.", "Sí, sin problema."
    next_step: re.Pattern[str]
    answer_opening: re.Pattern[str]
    non_answer: re.Pattern[str]  # "I don't know", "no lo sé": the question stays open
    chatter_question: re.Pattern[str]  # "can everyone see it?", "¿empiezas tú?"
    high_priority: re.Pattern[str]
    low_priority: re.Pattern[str]
    proposal: re.Pattern[str]  # "I move that…", "votamos…", "Item two, …": what a short decision approves
    consensus: re.Pattern[str]  # "Is everyone happy with <what>?": agreed when the replies assent
    assent: re.Pattern[str]  # a reply that agrees: "Yes.", "Content.", "Next Tuesday is fine."
    task_lead: re.Pattern[str]  # words stripped from the start of a task
    adverbs: frozenset[str]  # skipped when looking at the verb after a cue


ENGLISH = LanguageRules(
    language="en",
    meeting_word="Meeting",
    decision=_rx(
        r"\b(?:we(?:'ve|\s+have)?\s+(?:decided|agreed|settled\s+on)|(?:everyone|all|we\s+all)\s+agreed",
        r"|(?:it's|it\s+is|that's|that\s+is)\s+(?:agreed|decided|settled)|agreed\s+(?:on|to|that|upon)",
        r"|(?:we\s+all|everyone|we)\s+agree\s+(?:that|on|to)",
        r"|let'?s\s+go\s+(?:with|for)|we(?:'re|\s+are)\s+going\s+(?:to\s+go\s+)?(?:with|for)",
        r"|we(?:'ll|\s+will)?\s+go\s+(?:with|for(?!\s+(?:a|an|lunch|coffee|dinner|drinks|breakfast)\b))",
        r"|we(?:'ve|\s+have)\s+(?:chosen|picked|opted\s+for)|we\s+(?:chose|opted\s+for)",
        r"|the\s+decision\s+is|decision:|final\s+decision|we(?:'re|\s+are)\s+moving\s+forward\s+with",
        r"|(?:is|are|was|were|has\s+been|have\s+been)\s+(?:approved|adopted|carried|deferred|postponed",
        r"|tabled|passed|ratified|endorsed)",
        r"|(?:motion|amendment|resolution|minutes)\s+(?:is\s+|was\s+)?(?:agreed\s+to|carried|adopted|approved)",
        r"|(?:motion|amendment|resolution|recommendation)\s+(?:carries|passes|fails|is\s+(?:defeated|lost|rejected))",
        r"|^\W*(?:carried|approved|adopted|passed|defeated)(?:\s+unanimously)?(?=\W*$)",
        r"|(?:we(?:'ll|\s+will)|let'?s|we(?:'re|\s+are))\s+(?:go(?:ing)?\s+ahead|proceed(?:ing)?|stick(?:ing)?)\s+with",
        r"|carried\s+unanimously|unanimously|so\s+decided|let'?s\s+aim\s+(?:to|for)",
        r"|we(?:'re|\s+are)\s+(?:all\s+)?agreed|by\s+\w+\s+votes?\s+to\s+\w+",
        r"|^(?:the\s+|a\s+)?[\w'-]+(?:\s+[\w'-]+){0,3}(?<!\bas)(?<!\bwhat)(?<!\bhow)(?<!\bthat)",
        r"(?<!\bwhere)(?<!\bwho)(?<!\bthis)\s+it\s+is(?:,?\s+then)?(?=\s*[.!]?$)",
        r"|let'?s\s+(?!(?:see|start|begin|move|go|talk|do|get|sum|wrap|take|hear|look|wait|say|discuss",
        r"|continue|stop|break|call|meet|have|come|turn|check|think|focus|just)\b)[a-z]+)\b",
    ),
    decision_negated=_rx(
        r"\b(?:haven't|have\s+not|hasn't|has\s+not|didn't|did\s+not|not\s+yet|never|nobody|no\s+one|won't)\b",
        r"[^.?!]{0,30}?\b(?:decided|agreed|approved|decide|agree|approve|carried)\b",
        r"|\bnot\s+(?:been\s+)?(?:decided|agreed|approved|carried)\b",
    ),
    decision_list=_rx(
        r"\b(?:the\s+decisions?(?:\s+(?:are|is|were))?\s*:|decisions?\s*:|we(?:'ve|\s+have)?\s+",
        r"(?:decided|agreed)(?:\s+on)?(?:\s+the\s+following)?\s*:)",
    ),
    recap=_rx(r"\b(?:to\s+wrap\s+up|to\s+sum\s+up|to\s+recap|in\s+summary|so\s+to\s+summari[sz]e)\s*[:,]"),
    past=_rx(
        r"\b(?:last\s+(?:week|month|time|meeting|year|quarter)|the\s+other\s+day|yesterday|previously",
        r"|earlier\s+this\s+(?:week|month|year)|in\s+(?:january|february|march|april|may|june|july",
        r"|august|september|october|november|december)\s+we)\b",
    ),
    condition=_rx(r"\b(?:if|unless|whether|suppose|supposing|in\s+case|were\s+to)\b"),
    self_commitment=_rx(
        r"\b(?:I(?:'ll|\s+will|\s+shall)|I(?:'m|\s+am)\s+(?:going\s+to|gonna)|I(?:'m|\s+am)\s+on\s+it",
        r"|I\s+volunteer\s+to|I(?:'ll|\s+will)\s+take\s+care\s+of|let\s+me|I(?:'m|\s+am)\s+taking",
        r"|leave\s+(?:it|that|this)\s+with\s+me)\b",
    ),
    weak_commitment=_rx(r"\b(?:I\s+can|I\s+need\s+to|I\s+have\s+to|I\s+must|I\s+should)\b"),
    group_commitment=_rx(r"\b(?:we(?:'ll|\s+will|\s+shall)|we(?:'re|\s+are)\s+(?:going\s+to|gonna))\b"),
    named_commitment=_rx(
        r"(?:'ll|,?\s+(?:will|shall|is\s+going\s+to|is\s+gonna|needs\s+to|has\s+to|must",
        r"|can\s+take|is\s+taking|takes|owns|is\s+in\s+charge\s+of|volunteered\s+to|agreed\s+to))\b",
    ),
    request=_rx(
        r"\b(?:(?:can|could|would|will)\s+you|please|I\s+need\s+you\s+to|I'd\s+like\s+you\s+to",
        r"|make\s+sure\s+(?:you|to)|you\s+(?:should|need\s+to|have\s+to|must)",
        r"|(?:can|could|would|will)\s+(?:someone|somebody|anyone|anybody)",
        r"|^\W*(?:(?:and|so|then)\s+)?who(?:'s|\s+is)?\s+(?:can|could|will|going\s+to|wants\s+to|volunteers\s+to))\b",
    ),
    obligation=_rx(
        r"\b(?:we\s+(?:need\s+to|have\s+to|must|should|ought\s+to)|we'd\s+(?:need\s+to|better)",
        r"|(?:someone|somebody)\s+(?:should|needs\s+to|has\s+to|must|ought\s+to))\b",
    ),
    action_label=_rx(r"\b(?:action\s+items?|action|to-?do|follow-?up\s+item)\s*:"),
    negation=_rx(r"(?:\bnot|n't|\bnever)\s*$"),
    narration=word_set(
        "share show explain present start begin say mention summarize summarise recap be wrap stop "
        "hand pass think guess see discuss cover hear continue know have repeat clarify walk jump "
        "introduce come sum leave wait let"
    ),
    narration_phrase=_rx(
        r"\b(?:come|get|go)\s+back\s+to\b|\bcome\s+to\s+(?:that|this|it)\b|\bmove\s+on\b|\bsum\s+up\b",
        r"|\bwrap\s+up\b|\bget\s+started\b|\bwait\s+until\b|\bthe\s+agenda\b|\bmy\s+screen\b",
        r"|\bthe\s+next\s+bit\b|\bturn\s+it\s+over\b|\bthe\s+floor\b|\bkick\s+off\b|\bgo\s+ahead\b",
        r"|\b(?:talk|speak)\s+about\b|\bthe\s+round\b|\bgo\s+(?:around|over)\s+the\b|\bin\s+mind\b",
        r"|\btell\s+you\s+(?:that|what|how|why|honestly)\b|\bask\s+(?:you\s+)?(?:a|one|another)\s+question\b",
        r"|\bbe\s+(?:honest|quick|brief)\b|\badmit\b|\blet\s+me\s+(?:just\s+|quickly\s+)?(?:pull|bring)\s+up\b|\b(?:take|walk|talk|bring)\s+(?:us|me|everyone)\s+through\b",
    ),
    agenda=_rx(r"\b(?:today|this\s+meeting|this\s+session|now)\b"),
    small_talk=_rx(
        r"^\W*(?:thanks|thank\s+you|good\s+(?:morning|afternoon|evening)|hi\b|hello|welcome|bye)",
        r"|\b(?:to\s+order|adjourned|suspend|thanks\s+(?:everyone|all|both)|talk\s+soon|let's\s+do\s+digits)\b",
    ),
    acceptance=_rx(
        r"^\W*(?:yes|yeah|yep|yup|sure|ok|okay|will\s+do|of\s+course|absolutely|definitely|no\s+problem",
        r"|on\s+it|can\s+do|happy\s+to|got\s+it|consider\s+it\s+done|(?:that's\s+)?me(?=\W*$)|leave\s+it\s+with\s+me",
        r"|I'll\s+take\s+(?:it|that))\b",
    ),
    next_step=_rx(
        r"\b(?:next\s+steps?|going\s+forward|follow[-\s]?up|next\s+meeting|reconvene",
        r"|next\s+time|circle\s+back|the\s+plan\s+is)\b",
    ),
    answer_opening=_rx(
        r"^\W*(?:yes|yeah|yep|yup|no|nope|sure|correct|exactly|absolutely|definitely|of\s+course|right",
        r"|it\s+is|it's|I|I\s+think|I\s+believe|probably|the\s+answer|because|partly|mostly|about|around",
        r"|that's|that\s+would|good\s+idea|great\s+idea|sounds\s+good",
        r"|\d)\b",
    ),
    non_answer=_rx(
        r"\b(?:I\s+don't\s+know|not\s+sure|no\s+idea|good\s+question|we'll\s+see|let\s+me\s+check",
        r"|still\s+deciding|haven't\s+heard|can't\s+say|don't\s+know\s+yet|get\s+back\s+to\s+you)\b",
    ),
    chatter_question=_rx(
        r"\b(?:(?:can|could)\s+(?:everyone|everybody|you\s+all|you)\s+(?:see|hear)|want\s+to\s+start",
        r"|wanna\s+start|any\s+(?:other\s+)?(?:questions|corrections|comments|business)|anything\s+else",
        r"|all\s+in\s+favou?r|opposed|is\s+there\s+a\s+motion|what's\s+on\s+the\s+agenda|what\s+else",
        r"|how\s+are\s+you|are\s+we\s+(?:on|recording)|right\?$|okay\?$|shall\s+the\s+motion",
        r"|is\s+it\s+the\s+pleasure)",
    ),
    high_priority=_rx(
        r"\b(?:urgent(?:ly)?|asap|as\s+soon\s+as\s+possible|critical|top\s+priority|high(?:est)?\s+priority",
        r"|immediately|right\s+away|blocker|blocking)\b",
    ),
    low_priority=_rx(
        r"\b(?:low\s+priority|no\s+rush|not\s+urgent|when\s+you\s+(?:have|get)\s+(?:the\s+)?time",
        r"|nice\s+to\s+have|eventually|whenever|at\s+some\s+point)\b",
    ),
    proposal=_rx(
        r"\b(?:I\s+move\s+(?:that|to)|I\s+(?:would\s+|'d\s+)?propose|the\s+(?:motion|proposal|amendment)",
        r"\s+(?:asks|is|reads|proposes|says)|with\s+the\s+amendment|let's\s+vote|we\s+vote\s+on",
        r"|(?:first|second|third|fourth|fifth|next|last)\s+item|item\s+(?:\d+|one|two|three|four|five|six))\b",
    ),
    consensus=_rx(
        r"^\W*(?:and\s+|so\s+)?(?:is\s+(?:everyone|everybody|the\s+(?:committee|board|council|panel|team)",
        r"|that|this)\s+(?:okay|ok|happy|fine|content|agreed|agreeable)|are\s+(?:we|you|people)\s+(?:all\s+)?",
        r"(?:okay|ok|happy|fine|agreed|good)|(?:we're|we\s+are)\s+(?:all\s+)?agreed|do\s+we\s+(?:all\s+)?agree",
        r"|does\s+(?:everyone|everybody)\s+agree|can\s+we\s+agree|(?:everyone|everybody)\s+(?:okay|ok|happy",
        r"|fine)|any\s+objections?|should\s+we)\b(?:\s+(?:with|for|to|on|that))?\s*(?P<what>[^?]*)\?\W*$",
    ),
    assent=_rx(
        r"^\W*(?:yes|yeah|yep|yup|sure|agreed|content|fine|ok|okay|of\s+course|absolutely|definitely|aye",
        r"|sounds\s+good|works\s+for\s+me|no\s+objections?|makes\s+sense|correct|exactly|agree",
        r"|I'd\s+say\s+(?:yes|so)|I\s+think\s+so",
        r"|[\w'-]+(?:\s+[\w'-]+){0,3}\s+(?:is|are|sounds|seems|works)\s+(?:fine|good|great|ok|okay|for\s+me))\b",
    ),
    task_lead=_rx(
        r"^[\s,;:\-–—]*(?:(?:please|to|then|and|so|also|just|go\s+ahead\s+and|still|first|quickly)\b[\s,]*){0,4}"
    ),
    adverbs=word_set("just also then quickly probably definitely actually still first personally really"),
)

SPANISH = LanguageRules(
    language="es",
    meeting_word="Reunión",
    decision=_rx(
        r"\b(?:decidimos|hemos\s+decidido|se\s+(?:ha\s+)?decidid[oa]|(?:está|esta|queda)\s+decidid[oa]",
        r"|(?:pues|entonces|vale)\s*,?\s+decidido|^\W*decidido\b|acordamos|hemos\s+acordado",
        r"|se\s+(?:ha\s+)?acordad[oa]",
        r"|se\s+acordó|se\s+acuerda|queda\s+acordad[oa]|quedamos\s+en\s+que",
        r"|queda(?:n)?\s+aprobad[oa]s?|se\s+aprueba(?:n)?|se\s+aprobó|(?:está|esta)\s+aprobad[oa]",
        r"|vamos\s+con|vamos\s+a\s+por|nos\s+quedamos\s+con|la\s+decisión\s+(?:es|final)|decisión:",
        r"|optamos\s+por|hemos\s+optado\s+por|se\s+opta\s+por|quedamos\s+en\s+(?!que\b)[^\W\d_]+r\b",
        r"|estamos\s+de\s+acuerdo\s+en|(?:pues|entonces|vale)\s*,?\s+acordado|^\W*acordado\b",
        r"|por\s+unanimidad|por\s+mayoría|por\s+\w+\s+votos?\s+(?:a\s+favor\s+)?contra\s+\w+",
        r"|(?:queda|quedan)\s+(?:aplazad[oa]s?|pospuest[oa]s?|rechazad[oa]s?)|se\s+(?:aplaza|pospone|rechaza)n?",
        r"|^\W*(?:aprobad[oa]|rechazad[oa])s?(?=\W*$)|sale\s+adelante|salió\s+adelante|adelante\s+con",
        r"|^\W*(?:lo\s+hacemos|queda|quedamos|lo\s+dejamos)\s+así(?=\W*$))\b",
    ),
    decision_negated=_rx(
        r"\b(?:no|todavía\s+no|aún\s+no|nadie)\s+(?:\w+\s+){0,2}?",
        r"(?:decidid[oa]|acordad[oa]|aprobad[oa]|decidimos|acordamos|decidir|acordar|aprueba)\b",
        r"|\bno\s+queda\s+rechazad[oa]\b",
    ),
    decision_list=_rx(
        r"\b(?:(?:las\s+)?decisiones(?:\s+son)?\s*:|(?:los\s+)?acuerdos(?:\s+son)?\s*:",
        r"|(?:hemos\s+)?(?:decidido|acordado)\s+(?:lo\s+siguiente\s*)?:)",
    ),
    recap=_rx(r"\b(?:resumiendo|en\s+resumen|recapitulando|para\s+cerrar|para\s+terminar)\s*[:,]"),
    past=_rx(
        r"\b(?:la\s+semana\s+pasada|el\s+mes\s+pasado|la\s+última\s+reunión|la\s+reunión\s+anterior",
        r"|el\s+otro\s+día|ayer|anteriormente|como\s+se\s+habló|en\s+(?:enero|febrero|marzo|abril|mayo",
        r"|junio|julio|agosto|septiembre|octubre|noviembre|diciembre)\s+(?:decidimos|acordamos))\b",
    ),
    condition=_rx(r"\b(?:si|a\s+menos\s+que|en\s+caso\s+de|suponiendo|salvo\s+que)\b"),
    self_commitment=_rx(
        r"\b(?:(?:yo\s+)?voy\s+a|(?:yo\s+)?me\s+encargo|(?:yo\s+)?me\s+ocupo|lo\s+hago\s+yo|yo\s+lo\s+hago",
        r"|me\s+comprometo\s+a|me\s+pongo\s+con|me\s+reúno\s+con|me\s+apunto|quedo\s+en|me\s+toca",
        r"|(?:yo\s+)?me\s+hago\s+cargo|cuenta\s+conmigo\s+para|déjamelo\s+a\s+mí|me\s+lo\s+(?:pido|apunto|llevo))\b",
    ),
    weak_commitment=_rx(r"\b(?:(?:yo\s+)?tengo\s+que|(?:yo\s+)?puedo|(?:yo\s+)?debo)\b"),
    group_commitment=_rx(r"\b(?:vamos\s+a|nos\s+encargamos|nos\s+ocupamos)\b"),
    named_commitment=_rx(
        r",?\s+(?:va\s+a|se\s+encarga|se\s+ocupa|tiene\s+que|debe|queda\s+encargad[oa]",
        r"|se\s+compromete\s+a|hará|enviará|preparará|revisará|llamará)\b",
    ),
    request=_rx(
        r"\b(?:puedes|podrías|podrias|puede\s+usted|podéis|podeis|pueden|podrían|podés|te\s+pido\s+que",
        r"|(?:te|le|os|les)\s+importa(?:ría)?(?=\s+[^\W\d_]+r\b)|te\s+ocupás|te\s+ocupas|te\s+encargás|me\s+ayudas",
        r"|(?:le|les|te|os)\s+pido\s+(?:a\s+[^.?!]{1,60}?\s+)?que|necesito\s+que|por\s+favor|encárgate",
        r"|encargate|asegúrate",
        r"|asegurate|tienes\s+que|te\s+encargas|se\s+encarga\s+usted|¿\s*puede",
        r"|alguien\s+(?:puede|podría|se\s+encarga|se\s+ocupa)",
        r"|(?:^|(?<=¿))(?:y\s+)?quién\s+(?:puede|podría|se\s+encarga|se\s+ocupa|quiere)",
        r"|(?<=¿)(?:usted\s+)?podría|podría\s+usted|necesitaría\s+que|me\s+gustaría\s+que|quisiera\s+que",
        r"|(?:te|le|os|les)\s+agradecería\s+que)\b",
    ),
    obligation=_rx(
        r"\b(?:hay\s+que|habría\s+que|tenemos\s+que|tendríamos\s+que|debemos|deberíamos|hace\s+falta",
        r"|haría\s+falta|vamos\s+a\s+tener\s+que|necesitamos|alguien\s+(?:tiene\s+que|tendría\s+que|debe",
        r"|debería))\b",
    ),
    action_label=_rx(r"\b(?:tareas?|acciones?|acción|pendientes?|to-?do)\s*:"),
    negation=_rx(r"\bno\s+(?:(?:me|te|le|les|lo|la|los|las|se|nos|os)\s+){0,2}$|\bno\s*$"),
    narration=word_set(
        "compartir explicar mostrar presentar empezar comenzar comentar decir resumir repasar dar preguntar "
        "ser estar contar ver seguir continuar terminar cerrar escuchar oír pensar votar levantar abrir "
        "tener"
    ),
    narration_phrase=_rx(
        r"\bpasa(?:r|mos)\s+al?\s+(?:siguiente|segundo|tercer|cuarto|primer|último|otro)\b",
        r"|\bhablar\s+(?:de|sobre)\b|\b(?:la\s+)?pantalla\b|\blo\s+(?:vemos|dejamos|pensamos|comentamos)\b",
        r"|\bvolve(?:r|mos)\s+a\s+(?:eso|esto)\b|\bla\s+palabra\b|\bla\s+sesión\b",
        r"|\b(?:le|te|os|les)\s+llamo\s+(?:por|para\s+hablar)\b|\ben\s+cuenta\b",
    ),
    agenda=_rx(r"\b(?:hoy|esta\s+reunión|esta\s+sesión|ahora)\b"),
    small_talk=_rx(
        r"^\W*(?:gracias|muchas\s+gracias|buen(?:os|as)\s+(?:días|tardes|noches)|hola|bienvenid|adiós)",
        r"|\b(?:se\s+abre\s+la\s+sesión|se\s+levanta\s+la\s+sesión|gracias\s+a\s+todos|eso\s+es\s+todo",
        r"|lo\s+dejamos\s+aquí)\b",
    ),
    acceptance=_rx(
        r"^\W*(?:sí|si|claro|vale|de\s+acuerdo|por\s+supuesto|sin\s+problema|hecho|ok|okey|perfecto",
        r"|cuenta\s+con\s+ello|me\s+encargo|yo\s+me\s+encargo|dale|venga|va|órale|cómo\s+no|con\s+gusto",
        r"|yo\s+mism[oa]|yo(?=\W*$)|déjamelo|dalo\s+por\s+hecho)\b",
    ),
    next_step=_rx(
        r"\b(?:siguientes?\s+pasos?|próximos?\s+pasos?|proximos?\s+pasos?|próxima\s+(?:reunión|sesión)",
        r"|proxima\s+reunion|seguimiento|de\s+aquí\s+en\s+adelante|el\s+plan\s+es",
        r"|retomamos|volveremos\s+a\s+vernos)\b",
    ),
    answer_opening=_rx(
        r"^\W*(?:sí|si|no|claro|exacto|correcto|por\s+supuesto|desde\s+luego|efectivamente|vale",
        r"|creo\s+que|me\s+parece|la\s+respuesta|porque|un|una|unos|unas|el|la|los|las|yo|nosotros",
        r"|eso\s+es|buena\s+idea|suena\s+bien",
        r"|\d)\b",
    ),
    non_answer=_rx(
        r"\b(?:no\s+lo\s+sé|no\s+sé|ni\s+idea|no\s+lo\s+tengo\s+claro|buena\s+pregunta|ya\s+veremos",
        r"|lo\s+vemos|lo\s+miro\s+y\s+te\s+digo|todavía\s+no\s+se\s+sabe|habría\s+que\s+verlo)\b",
    ),
    chatter_question=_rx(
        r"\b(?:me\s+o[ií]s|me\s+oyes|se\s+me\s+oye|empiezas|empieza\s+usted|nos\s+cuentas|alguna\s+pregunta",
        r"|algo\s+más|a\s+favor|en\s+contra|abstenciones|qué\s+tenemos\s+hoy|cómo\s+estáis|cómo\s+están",
        r"|lo\s+tuyo|¿\s*no\s*\?$|qué\s+tal)",
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
    proposal=_rx(
        r"\b(?:propongo|la\s+propuesta\s+es|votamos|vamos\s+a\s+votar|se\s+vota|someto\s+a\s+votación",
        r"|la\s+moción|la\s+proposición\s+no\s+de\s+ley\s+sobre|la\s+enmienda",
        r"|(?:primer|segundo|tercer|cuarto|quinto|siguiente|último)\s+punto|punto\s+(?:\d+|uno|dos|tres|cuatro))\b",
    ),
    consensus=_rx(
        r"^\W*(?:¿\s*)?(?:y\s+|entonces\s*,?\s+)?(?:(?:estamos|están|estáis)\s+(?:todos\s+|todas\s+)?",
        r"(?:de\s+acuerdo|conformes)|(?:todos|todas)\s+(?:bien|de\s+acuerdo|conformes)",
        r"|(?:os|les|te)\s+parece\s+bien|hay\s+(?:acuerdo|consenso)|alguna\s+objeción|nadie\s+se\s+opone)",
        r"(?:\s+(?:con|en|a|para|que))?\s*(?P<what>[^?]*)\?\W*$",
    ),
    assent=_rx(
        r"^\W*(?:sí|si|claro|vale|de\s+acuerdo|conforme|conformes|perfecto|me\s+vale|me\s+parece\s+bien",
        r"|por\s+supuesto|ok|okey|dale|bien|mejor|genial|adelante|coincido|ninguna|nadie)\b",
    ),
    task_lead=_rx(
        r"^[\s,;:\-–—¿¡]*(?:(?:por\s+favor|de|del|que|a|luego|y|pues|entonces|también|ya|tú|vos|usted|ustedes)\b[\s,]*){0,4}"
    ),
    adverbs=word_set("ya también luego rápidamente primero personalmente yo tú usted de hoy mañana"),
)


def rules_for(language: str) -> LanguageRules:
    """Rules for ``language`` (``"es…"`` → Spanish, anything else → English)."""
    return SPANISH if language.lower().startswith("es") else ENGLISH
