"""Which language a meeting is in: English or Spanish, from function words and Spanish letters.

The sample is the first 20,000 characters with transcription markup removed. Each frequent function
word of one language and not the other counts one vote; "ñ", "¿", "¡" and accented vowels count
for Spanish. Ties (and text with neither) count as English.
"""

from __future__ import annotations

from aipair.kit.text import tokenize_words, word_set
from aipair.meetings.normalisation.markup import strip_markup

_SAMPLE_CHARS = 20_000
_SPANISH_LETTERS = frozenset("ñ¿¡áéíóú")
_LETTER_WEIGHT = 0.5

_ENGLISH = word_set(
    "the and to of is we you it that for will on this with are be have was what can i'll i'm it's "
    "that's don't would should there they our your about just so but if at which"
)
_SPANISH = word_set(
    "que de la el los las y en por para con es una un se lo del al está vamos hay pero como muy "
    "también esto eso pues entonces sí yo nosotros tenemos hemos creo bueno vale"
)


def detect_language(text: str) -> str:
    """``"es"`` or ``"en"``: whichever language's function words (and letters) weigh more."""
    sample = strip_markup(text[:_SAMPLE_CHARS])
    words = tokenize_words(sample)
    english = sum(1 for w in words if w in _ENGLISH)
    spanish = sum(1 for w in words if w in _SPANISH)
    spanish_letters = sum(1 for c in sample.lower() if c in _SPANISH_LETTERS)
    return "es" if spanish + _LETTER_WEIGHT * spanish_letters > english else "en"
