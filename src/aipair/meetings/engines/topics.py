"""Topics of a meeting, and the title made from them when the upload gives none.

Topics are the phrases the meeting keeps coming back to: pairs of adjacent content words ("kinetic
battery"), pairs joined by "of"/"de" ("statement of work", "base de datos") and single content
words, ranked by the number of turns they occur in (phrases weigh more). Never topics: stop words
and the common verbs, adverbs, pleasantries, weekdays and months of both languages, Spanish
preterites ("bajó") and English past forms ("decided"), participants' names, words of three letters
or fewer (except acronyms such as "LCD", "ERP"), and anything said in fewer than two turns.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from aipair.kit.text import STOPWORDS
from aipair.meetings.engines.rules import LanguageRules
from aipair.meetings.parsing.segments import Segment

_MAX_TOPICS = 8
_TITLE_TOPICS = 3
_MIN_TURNS = 2
_PAIR_WEIGHT = 1.6
_WORD = re.compile(r"[^\W\d_][\w'’\-]*")
_ACRONYM = re.compile(r"[A-Z]{2,5}s?")

_NOT_TOPICS = frozenset(
    (
        # English: meeting talk, common verbs, adverbs, adjectives, pleasantries
        "meeting meetings everyone everybody anyone someone today tomorrow yesterday week weeks month months "
        "year years people person gonna wanna actually basically probably really okay yeah right also sure "
        "thing things something anything everything nothing time times call guys team question questions "
        "point points able looks look looking sounds maybe though through done make makes made making "
        "want wants wanted agree agreed decided decide please send sent need needs needed next last first "
        "great good better best thanks thank let's going goes went come comes came take takes took give "
        "gave tell told talk talked talking said says saying think thinks thought know knows knew mean "
        "means meant guess seems seem kind sort little much many most more less same different other "
        "another quite pretty already again always never ever still just well even only whole part "
        "actually anyway though however because since while about after before around between during "
        "into over under until without within here there where when which while what would could should "
        "might must shall will have having been being were does doing didn't don't doesn't can't won't "
        "isn't aren't wasn't i'll we'll you'll it's that's there's i've we've i'd we'd you're they're "
        "we're i'm yes yep nope fine nice cool perfect wow hello morning afternoon evening welcome bye "
        "minutes minute second seconds hour hours day days number numbers percent lot lots bit way ways "
        "start started starting end ended back sorry mine yours their theirs them they these those this "
        "that with from your yours ours item items issue issues stuff hear heard mind seen show shown "
        "thing's check checked keep kept left right wrong true false also both either neither each "
        "every all some any none first second third fourth fifth one two three four five six seven eight "
        "nine ten hundred thousand million chair member members minister mister find finds lose loses "
        "use uses using used add adds help helps pay pays try tries keep keeps change changes choose",
        # Spanish: meeting talk, common verbs, adverbs, adjectives, pleasantries
        "reunión reuniones todos todas hoy ayer mañana semana semanas mes meses año años gente persona "
        "entonces bueno vale claro cosa cosas algo nada tiempo equipo pregunta preguntas punto puntos "
        "parece parecen hacer hago hace hacemos hacen hecho quiero quiere queremos quieren creo cree "
        "creemos vamos voy va van siguiente gracias también ahora aquí allí después antes luego perfecto "
        "genial estupendo podemos puedo puede pueden podría podríamos tengo tiene tenemos tienen tener "
        "estoy está estamos están estar soy somos ser sido había hay haber digo dice decir dicho sabes "
        "sabe saber ver veo vemos mirar miro dar doy damos pasar paso pasa seguir sigo sigue siempre nunca "
        "tampoco solo sólo pues porque aunque mientras cuando donde cómo qué quién cuál cuánto mismo misma "
        "otro otra otros otras cada cualquier primero primera segundo segunda último última próximo "
        "próxima verdad hola buenos buenas días tardes noches señor señora señores señoras señoría "
        "señorías presidenta presidente ministra ministro muchas muchos mucho mucha poco poca pocos "
        "más menos muy bien mal mejor peor sí ninguno ninguna alguno alguna algunos algunas todo toda "
        "parte caso forma manera tema temas vez veces uno una dos tres cuatro cinco seis siete ocho nueve "
        "diez cien mil millón millones euros ciento cientos unos unas acuerdo favor contra nosotros "
        "vosotros ellos ellas usted ustedes quería queríamos habría hemos han has ha eso esto esta este "
        "estos estas esa ese esos esas aquello dónde además sino falta faltan queda quedan casi "
        "aproximadamente once doce trece catorce quince dieciséis diecisiete dieciocho diecinueve veinte "
        "treinta cuarenta cincuenta sesenta setenta ochenta noventa doscientos trescientos",
        "eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty "
        "fifty sixty seventy eighty ninety almost",
        # weekdays and months
        "monday tuesday wednesday thursday friday saturday sunday january february march april june "
        "july august september october november december lunes martes miércoles jueves viernes sábado "
        "domingo enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    )
)
_JOINERS = frozenset({"of", "de", "del"})
_NOT_TOPIC_WORDS = frozenset(w for block in _NOT_TOPICS for w in block.split())


def _kept(word: str, original: str, excluded: frozenset[str]) -> bool:
    if _ACRONYM.fullmatch(original):
        return True
    if word.endswith("ó") or (word.endswith("ed") and len(word) > 4):
        return False  # "bajó", "decided": something that happened, not a subject
    return len(word) > 3 and word not in excluded and word not in STOPWORDS and word not in _NOT_TOPIC_WORDS


def _turn_phrases(text: str, excluded: frozenset[str]) -> set[str]:
    originals = [m.group() for m in _WORD.finditer(text)]
    words = [w.lower() for w in originals]
    keep = [_kept(w, o, excluded) for w, o in zip(words, originals, strict=True)]
    shown = [o if _ACRONYM.fullmatch(o) else w for w, o in zip(words, originals, strict=True)]
    phrases = {shown[i] for i in range(len(words)) if keep[i]}
    phrases |= {
        f"{shown[i]} {shown[i + 1]}"
        for i in range(len(words) - 1)
        if keep[i] and keep[i + 1] and words[i] != words[i + 1]
    }
    phrases |= {
        f"{shown[i]} {words[i + 1]} {shown[i + 2]}"
        for i in range(len(words) - 2)
        if keep[i] and words[i + 1] in _JOINERS and keep[i + 2] and words[i] != words[i + 2]
    }
    return phrases


def find_topics(segments: Sequence[Segment], names: Iterable[str]) -> list[str]:
    """The meeting's topics, most discussed first (see the module docstring)."""
    excluded = frozenset(w.lower().strip(".,") for name in names for w in name.split())
    turns: Counter[str] = Counter()
    for segment in segments:
        turns.update(_turn_phrases(segment.text, excluded))
    ranked = sorted(
        (p for p, n in turns.items() if n >= _MIN_TURNS),
        key=lambda p: (-turns[p] * (_PAIR_WEIGHT if " " in p else 1.0), p),
    )
    chosen: list[str] = []
    covered: set[str] = set()
    for phrase in ranked:
        parts = [w for w in phrase.split() if w not in _JOINERS]
        if len(parts) == 1 and phrase in covered:
            continue
        if len(parts) == 2 and all(p in covered for p in parts):
            continue
        if len(parts) == 2:
            chosen = [c for c in chosen if c not in parts]
        chosen.append(phrase)
        covered.update(parts)
        if len(chosen) >= _MAX_TOPICS:
            break
    return chosen


def title_for(rules: LanguageRules, meeting_date: dt.date, topics: Sequence[str]) -> str:
    """ "Meeting 2026-03-04: remote control, kinetic battery" (or "Reunión …")."""
    about = ", ".join(topics[:_TITLE_TOPICS])
    return f"{rules.meeting_word} {meeting_date.isoformat()}" + (f": {about}" if about else "")
