"""Domain-free text helpers: sentence splitting, word and token counts, extractive ranking.

Every function here is linear in the size of its input (no backtracking regexes, no pairwise
comparisons) and deterministic, so it is safe on multi-megabyte transcripts and reproducible in tests.
English and Spanish are supported (``¿``/``¡`` openers, common abbreviations of both languages).
"""

from __future__ import annotations

import math
import re
from collections import Counter

__all__ = [
    "STOPWORDS",
    "content_words",
    "estimate_tokens",
    "rank_sentences",
    "split_sentences",
    "tokenize_words",
    "word_count",
    "word_set",
]

# A run of terminators, optionally followed by closing quotes/brackets, then whitespace.
_BOUNDARY = re.compile(r"[.!?…]+[\"'»”’)\]]*(?=\s)")
_PARAGRAPH = re.compile(r"\n[ \t]*\n\s*")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_WS = re.compile(r"\s+")
_NEXT_VISIBLE = re.compile(r"\s*(\S)")

# Lower-cased, without the final dot. A dot after one of these never ends a sentence.
_ABBREVIATIONS = frozenset(
    {
        "dr", "dra", "mr", "mrs", "ms", "prof", "sr", "sra", "srta", "jr", "st", "mt", "vs", "etc",
        "e.g", "i.e", "eg", "ie", "cf", "approx", "aprox", "inc", "ltd", "corp", "dept", "núm", "fig",
        "figs", "pp", "pág", "págs", "vol", "a.m", "p.m", "ud", "uds", "vd", "vds", "lic", "arq", "avda",
        "ee.uu", "u.s", "u.k", "jan", "feb", "apr", "jun", "jul", "aug", "sept", "oct", "nov", "dec",
        "ene", "abr", "dic", "tel", "ext", "govt",
    }
)  # fmt: skip

# Common English and Spanish words that carry no topic (lower case).
STOPWORDS = frozenset(
    {
        # English
        "the", "and", "for", "are", "but", "not", "you", "all", "any", "can", "had", "her", "was",
        "one", "our", "out", "has", "have", "him", "his", "how", "its", "may", "new", "now", "old",
        "see", "two", "who", "did", "get", "got", "let", "say", "she", "too", "use", "that", "this",
        "with", "from", "they", "will", "would", "there", "their", "what", "about", "which", "when",
        "make", "like", "just", "over", "such", "into", "than", "them", "then", "these", "some",
        "could", "been", "were", "said", "each", "also", "very", "well", "yeah", "okay", "right",
        "think", "know", "going", "really", "we're", "i'm", "it's", "that's", "don't", "you're",
        "should", "because", "here", "where", "being", "does", "doing", "those", "your", "yes",
        "more", "much", "other", "only", "even", "still", "maybe", "thing", "things", "something",
        "lot", "way", "want", "need", "sure", "good", "great", "thanks", "thank", "i'll", "we'll",
        # Spanish
        "que", "los", "las", "del", "por", "con", "una", "para", "como", "más", "pero", "sus", "les",
        "ese", "esa", "eso", "este", "esta", "esto", "estos", "estas", "hay", "muy", "sin", "sobre",
        "también", "fue", "era", "son", "está", "están", "ser", "tiene", "todo", "todos", "nos",
        "porque", "cuando", "donde", "entre", "hasta", "desde", "bien", "sí", "vale", "bueno", "pues",
        "entonces", "algo", "tenemos", "hacer", "creo", "puede", "vamos", "mucho", "otro", "otra",
        "nosotros", "ellos", "ella", "él", "yo", "tú", "usted", "qué", "cómo", "gracias", "así",
    }
)  # fmt: skip

_CHARS_PER_TOKEN = 4
_LOOKBACK = 16


def split_sentences(text: str, *, lowercase_continues: bool = True) -> list[str]:
    """Split ``text`` into stripped, non-empty sentences, in order.

    A sentence ends at ``.``/``!``/``?``/``…`` followed by whitespace, or at a blank line. A single
    ``.`` does not end a sentence after a known abbreviation ("Dr.", "e.g.", "Sra."), after a single
    capital initial ("J. Smith"), or (unless ``lowercase_continues`` is false, as for transcribed
    speech, where case carries nothing) when the next word starts in lower case. Spanish ``¿``/``¡``
    stay attached to the sentence they open. Linear in ``len(text)``.
    """
    sentences: list[str] = []
    for paragraph in _PARAGRAPH.split(text):
        start = 0
        for match in _BOUNDARY.finditer(paragraph):
            end = match.end()
            if _is_sentence_end(paragraph, match.start(), match.group(), end, lowercase_continues):
                _append_sentence(sentences, paragraph[start:end])
                start = end
        _append_sentence(sentences, paragraph[start:])
    return sentences


def _append_sentence(sentences: list[str], raw: str) -> None:
    cleaned = _WS.sub(" ", raw).strip()
    if cleaned:
        sentences.append(cleaned)


def _is_sentence_end(
    text: str, term_start: int, terminator: str, end: int, lowercase_continues: bool
) -> bool:
    nxt = _next_visible_char(text, end)
    if nxt is None:
        return True
    if terminator.rstrip("\"'»”’)]") != ".":
        return True  # "?", "!", "…", "..." always end a sentence
    if nxt.islower() and lowercase_continues:
        return False
    word = _word_before(text, term_start)
    if word.lower() in _ABBREVIATIONS:
        return False
    return not (len(word) == 1 and word.isupper())


def _next_visible_char(text: str, pos: int) -> str | None:
    # Whitespace runs after different boundaries are disjoint, so the scans add up to O(len(text)).
    match = _NEXT_VISIBLE.match(text, pos)
    return match.group(1) if match else None


def _word_before(text: str, pos: int) -> str:
    i = pos
    floor = max(0, pos - _LOOKBACK)
    while i > floor and not text[i - 1].isspace() and text[i - 1] not in "([\"'¿¡«“‘":
        i -= 1
    return text[i:pos]


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text`` as a set (for word lists written as one string)."""
    return frozenset(text.split())


def word_count(text: str) -> int:
    """Number of whitespace-separated words in ``text`` (0 for blank text)."""
    return len(text.split())


def estimate_tokens(text: str) -> int:
    """Rough token count (~4 characters per token); 0 only for the empty string.

    A heuristic for budgeting, not a tokenizer: never 0 for non-empty text, monotonic in length.
    """
    if not text:
        return 0
    return max(1, math.ceil(len(text) / _CHARS_PER_TOKEN))


def tokenize_words(text: str) -> list[str]:
    """Lower-cased alphabetic words of ``text`` (apostrophe contractions kept), in order."""
    return [w.lower() for w in _WORD.findall(text)]


def content_words(text: str) -> list[str]:
    """Lower-cased words of ``text`` longer than two letters that are not :data:`STOPWORDS`."""
    return [w for w in tokenize_words(text) if len(w) > 2 and w not in STOPWORDS]


def rank_sentences(sentences: list[str], k: int) -> list[int]:
    """Indices of the ``k`` most informative sentences, in original order.

    Score: sum over the sentence's distinct content words (stop words of English and Spanish removed)
    of their corpus frequency times an inverse document frequency, divided by the square root of the
    sentence length so long rambles do not win by size. Ties go to the earlier sentence.
    Deterministic; linear in the number of words plus one sort of the sentences. ``k <= 0`` gives ``[]``.
    """
    if k <= 0 or not sentences:
        return []
    if k >= len(sentences):
        return list(range(len(sentences)))
    terms_per_sentence = [content_words(s) for s in sentences]
    frequency: Counter[str] = Counter()
    doc_frequency: Counter[str] = Counter()
    for terms in terms_per_sentence:
        frequency.update(terms)
        doc_frequency.update(set(terms))
    total = len(sentences)
    scores: list[tuple[float, int]] = []
    for index, terms in enumerate(terms_per_sentence):
        distinct = set(terms)
        weight = sum(frequency[t] * math.log(1.0 + total / doc_frequency[t]) for t in distinct)
        scores.append((-weight / math.sqrt(max(1, len(terms))), index))
    scores.sort()
    return sorted(index for _, index in scores[:k])
