"""Stated deadlines ("by Friday", "el 3 de marzo") resolved against the meeting date.

Only explicit expressions are recognised; nothing is inferred from vague words ("soon", "pronto").
Resolution rules, relative to the meeting date M:

- weekday ("Friday", "el viernes"): the first such day strictly after M; "next Friday" /
  "el próximo viernes" / "el viernes que viene": that day if it falls in the week after M's week,
  otherwise one week later;
- "today"/"hoy"/"end of day"/"this afternoon"/"esta tarde" → M ("this morning"/"esta mañana" may well
  be past, so they are no deadline); "tomorrow"/"mañana" (not "la mañana") → M+1; "pasado mañana" → M+2;
- "ahora"/"ahorita" ("now") → M, unless the sentence also states another deadline;
- "by the 20th", "by the twentieth", "para el día 10", "antes del treinta" → that day of M's month,
  or of the next month when it is already past; a weekday after "the" ("the Saturday shifts") is no deadline;
- "end of the week"/"this week" → Friday of M's week (or the next Friday on a weekend);
  "next week"/"la próxima semana" → Friday of the following week;
- "end of the month/quarter/year" → its last day; "next month"/"el mes que viene" → last day of it;
- "March 3", "3rd of March", "el 3 de marzo" → in M's year, or the next year if already past;
- ISO "2026-12-01" as written; "in 3 days"/"en dos semanas" → M plus that.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
    "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
}  # fmt: skip
_WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "lunes": 0, "martes": 1, "miércoles": 2, "miercoles": 2, "jueves": 3, "viernes": 4, "sábado": 5,
    "sabado": 5, "domingo": 6,
}  # fmt: skip
_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "ten": 10, "un": 1, "una": 1, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
    "siete": 7, "diez": 10, "quince": 15,
}  # fmt: skip
_RELATIVE_DAYS = {
    "today": 0, "tonight": 0, "end of day": 0, "end of the day": 0, "eod": 0, "tomorrow": 1,
    "this afternoon": 0, "this evening": 0, "later today": 0,
    "the day after tomorrow": 2, "hoy": 0, "hoy mismo": 0, "mañana": 1, "manana": 1,
    "pasado mañana": 2, "pasado manana": 2, "esta tarde": 0, "esta noche": 0, "ahora": 0,
    "ahora mismo": 0, "ahorita": 0, "esta misma tarde": 0, "esta misma noche": 0,
}  # fmt: skip
_ORDINAL_WORDS = (
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth twenty-first "
    "twenty-second twenty-third twenty-fourth twenty-fifth twenty-sixth twenty-seventh "
    "twenty-eighth twenty-ninth thirtieth thirty-first"
)
_ORDINALS = {word: number for number, word in enumerate(_ORDINAL_WORDS.split(" "), start=1)}
_SPANISH_DAY_WORDS = (
    "uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince dieciséis "
    "diecisiete dieciocho diecinueve veinte veintiuno veintidós veintitrés veinticuatro veinticinco "
    "veintiséis veintisiete veintiocho veintinueve treinta"
)
_SPANISH_DAYS = {word: number for number, word in enumerate(_SPANISH_DAY_WORDS.split(" "), start=1)}
_SPANISH_DAYS["treinta y uno"] = 31
_ES_DAY_WORD = r"(?P<day>treinta\s+y\s+uno|" + "|".join(sorted(_SPANISH_DAYS, key=len, reverse=True)) + ")"

_EN_MONTH = (
    r"(?P<month>january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)"
)
_ES_MONTH = (
    r"(?P<month>enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre"
    r"|noviembre|diciembre)"
)
_EN_WEEKDAY = r"(?P<weekday>monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_ES_WEEKDAY = r"(?P<weekday>lunes|martes|miércoles|miercoles|jueves|viernes|sábado|sabado|domingo)"
_EN_PREP = r"(?:(?:by|on|before|until|till|due|no\s+later\s+than)\s+)?"
_ES_PREP = r"(?:(?:para|antes\s+del?|hasta|el|del|este)\s+){0,2}"
_YEAR = r"(?:,?\s+(?:de\s+|del\s+)?(?P<year>\d{4}))?"
_NUMBER_WORD = (
    r"(?P<n>\d{1,3}|an?|one|two|three|four|five|six|seven|ten"
    r"|una?|uno|dos|tres|cuatro|cinco|seis|siete|diez|quince)"
)


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("".join(parts), re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DueDate:
    """A resolved deadline and the words that stated it."""

    date: dt.date
    text: str


Resolver = Callable[["re.Match[str]", dt.date], dt.date | None]


def _iso(match: re.Match[str], _: dt.date) -> dt.date | None:
    try:
        return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None


def _day_month(match: re.Match[str], meeting: dt.date) -> dt.date | None:
    if match["month"] in ("may", "mar"):
        return None  # lower-case "may"/"mar" is the verb/noun ("we may 3 …"), not the month
    month, day = _MONTHS[match["month"].lower()], int(match["day"])
    year = int(match["year"]) if match["year"] else meeting.year
    try:
        resolved = dt.date(year, month, day)
        if not match["year"] and resolved < meeting:
            resolved = dt.date(year + 1, month, day)
    except ValueError:
        return None
    return resolved


def _day_of_month(match: re.Match[str], meeting: dt.date) -> dt.date | None:
    """ "by the 20th", "para el día 10": this month, or next month when the day is past."""
    raw = " ".join(match["day"].lower().split())
    day = int(raw) if raw.isdigit() else _ORDINALS.get(raw) or _SPANISH_DAYS[raw]
    year, month = meeting.year, meeting.month
    if day < meeting.day:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _relative_day(match: re.Match[str], meeting: dt.date) -> dt.date | None:
    return meeting + dt.timedelta(days=_RELATIVE_DAYS[" ".join(match["word"].lower().split())])


def _upcoming(meeting: dt.date, weekday: int) -> dt.date:
    return meeting + dt.timedelta(days=(weekday - meeting.weekday() - 1) % 7 + 1)


def _weekday(match: re.Match[str], meeting: dt.date) -> dt.date | None:
    target = _upcoming(meeting, _WEEKDAYS[match["weekday"].lower()])
    is_next = bool(match.groupdict().get("next") or match.groupdict().get("post"))
    if is_next and target.isocalendar()[:2] == meeting.isocalendar()[:2]:
        target += dt.timedelta(days=7)
    return target


def _friday_of_week(meeting: dt.date, weeks_ahead: int) -> dt.date:
    friday = meeting + dt.timedelta(days=4 - meeting.weekday() + 7 * weeks_ahead)
    return friday if friday >= meeting else friday + dt.timedelta(days=7)


def _end_of_month(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _period_end(match: re.Match[str], meeting: dt.date) -> dt.date | None:
    period = match["period"].lower()
    if period in ("week", "semana"):
        if period == "semana" and not match.groupdict().get("la"):
            return None  # "fin de semana" is the weekend, not a deadline
        return _friday_of_week(meeting, 0)
    if period in ("month", "mes"):
        return _end_of_month(meeting.year, meeting.month)
    if period in ("quarter", "trimestre"):
        return _end_of_month(meeting.year, ((meeting.month - 1) // 3) * 3 + 3)
    return dt.date(meeting.year, 12, 31)


def _next_period(match: re.Match[str], meeting: dt.date) -> dt.date | None:
    period = (match["period"] or match.groupdict().get("period2") or "").lower()
    if period in ("week", "semana"):
        return _friday_of_week(meeting, 1)
    year, month = (meeting.year + 1, 1) if meeting.month == 12 else (meeting.year, meeting.month + 1)
    return _end_of_month(year, month)


def _this_week(_: re.Match[str], meeting: dt.date) -> dt.date | None:
    return _friday_of_week(meeting, 0)


def _in_span(match: re.Match[str], meeting: dt.date) -> dt.date | None:
    raw = match["n"].lower()
    count = int(raw) if raw.isdigit() else _NUMBERS[raw]
    days = 7 if match["unit"].lower().startswith(("week", "semana")) else 1
    return meeting + dt.timedelta(days=count * days)


_ENGLISH: tuple[tuple[re.Pattern[str], Resolver], ...] = (
    (_rx(r"\b", _EN_PREP, r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b"), _iso),
    (
        _rx(r"\b", _EN_PREP, r"(?:the\s+)?", _EN_MONTH, r"\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?\b", _YEAR),
        _day_month,
    ),
    (
        _rx(
            r"\b",
            _EN_PREP,
            r"(?:the\s+)?(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?",
            _EN_MONTH,
            r"\b",
            _YEAR,
        ),
        _day_month,
    ),
    (
        _rx(
            r"\b(?:(?:by|before|until|at)\s+)?(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?",
            r"(?P<period>week|month|quarter|year)\b",
        ),
        _period_end,
    ),
    (
        _rx(
            r"\b(?:(?:by|before|until|within|during)\s+)?(?:next|the\s+following)\s+(?P<period>week|month)\b"
        ),
        _next_period,
    ),
    (
        _rx(
            r"\b(?:(?:by|before|until)\s+)?",
            r"(?P<word>the\s+day\s+after\s+tomorrow|tomorrow|today|tonight|end\s+of\s+(?:the\s+)?day|eod",
            r"|this\s+(?:afternoon|evening)|later\s+today)\b",
        ),
        _relative_day,
    ),
    (
        _rx(
            r"\b(?:by|on|before|until|till|for)\s+the\s+(?P<day>\d{1,2}(?=st|nd|rd|th)|",
            "|".join(sorted(_ORDINALS, key=len, reverse=True)),
            r")(?:st|nd|rd|th)?\b(?!\s+[^\W\d_])",
        ),
        _day_of_month,
    ),
    (
        _rx(r"\b", _EN_PREP, r"(?<!the\s)(?:(?P<next>next|coming)\s+|this\s+)?", _EN_WEEKDAY, r"\b"),
        _weekday,
    ),
    (_rx(r"\b(?:by\s+)?this\s+week\b"), _this_week),
    (_rx(r"\b(?:in|within)\s+", _NUMBER_WORD, r"\s+(?P<unit>days?|weeks?)\b"), _in_span),
)

_SPANISH: tuple[tuple[re.Pattern[str], Resolver], ...] = (
    (_rx(r"\b", _ES_PREP, r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b"), _iso),
    (_rx(r"\b", _ES_PREP, r"(?P<day>\d{1,2})\s+de\s+", _ES_MONTH, r"\b", _YEAR), _day_month),
    (
        _rx(
            r"\b(?:(?:para|antes\s+de|hasta|a)\s+)?(?:el\s+)?(?:fin|final|finales)\s+",
            r"de(?:l|\s+(?P<la>la|este|esta))?\s+(?P<period>semana|mes|trimestre|año)\b",
        ),
        _period_end,
    ),
    (
        _rx(
            r"\b(?:(?:para|antes\s+de|hasta|durante)\s+)?(?:la\s+|el\s+)?",
            r"(?:(?:próxima|proxima|próximo|proximo)\s+(?P<period>semana|mes)|(?P<period2>semana|mes)\s+que\s+viene)\b",
        ),
        _next_period,
    ),
    (
        _rx(
            r"\b(?:(?:para|antes\s+de|hasta)\s+)?(?<!la\s)(?<!esta\s)(?<!una\s)",
            r"(?P<word>pasado\s+ma[ñn]ana|ma[ñn]ana|hoy\s+mismo|hoy|ahora\s+mismo|ahorita|ahora)\b",
        ),
        _relative_day,
    ),
    (_rx(r"\b(?P<word>esta\s+(?:misma\s+)?(?:tarde|noche))\b"), _relative_day),
    (
        _rx(r"\b(?:(?:para|antes\s+del?|hasta)\s+)?(?:el\s+)?día\s+(?P<day>\d{1,2})\b(?!\s+de\s)"),
        _day_of_month,
    ),
    (
        _rx(
            r"\b(?:(?:para|antes\s+del?|hasta)\s+(?:el\s+)?(?:día\s+)?|(?:el\s+)?día\s+)",
            _ES_DAY_WORD,
            r"\b(?!\s+(?:de\s|por\s|personas|euros|días|semanas|horas))",
        ),
        _day_of_month,
    ),
    (
        _rx(
            r"\b",
            _ES_PREP,
            r"(?:(?P<next>próximo|proximo)\s+)?",
            _ES_WEEKDAY,
            r"(?:\s+(?P<post>que\s+viene|próximo|proximo))?\b",
        ),
        _weekday,
    ),
    (_rx(r"\b(?:para\s+)?esta\s+(?:misma\s+)?semana\b"), _this_week),
    (_rx(r"\b(?:en|dentro\s+de)\s+", _NUMBER_WORD, r"\s+(?P<unit>días?|dias?|semanas?)\b"), _in_span),
)


def find_due_date(sentence: str, meeting_date: dt.date, language: str) -> DueDate | None:
    """The first stated deadline in ``sentence`` (earliest, then longest match), or ``None``.

    ``language`` is ``"es"`` for Spanish rules, anything else for English. ``text`` is the matched
    words as written, including the preposition ("by Friday", "para el 3 de marzo").
    """
    patterns = _SPANISH if language == "es" else _ENGLISH
    best: tuple[bool, int, int, DueDate] | None = None
    for pattern, resolve in patterns:
        for match in pattern.finditer(sentence):
            resolved = resolve(match, meeting_date)
            if resolved is None:
                continue
            weak = _WEAK.search(match.group(0)) is not None
            rank = (weak, match.start(), -(match.end() - match.start()))
            if best is None or rank < best[:3]:
                best = (*rank, DueDate(resolved, " ".join(match.group(0).split())))
            break
    return best[3] if best else None


_WEAK = re.compile(r"\bahor(?:a|ita)\b", re.IGNORECASE)  # "now": a later stated deadline wins
