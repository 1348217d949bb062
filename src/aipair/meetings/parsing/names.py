"""What a speaker label is made of: honorifics, particles, roles, groups; and the person it names.

A label names a person ("Mr. Luc d'Arcy", "María de la Cruz", "AMARA OKAFOR", "Grad B"), a role with
the person in parentheses ("The Chair (Mr. Tom Kmiec)", "La señora MINISTRA DE VIVIENDA
(Rodríguez García)"), a person with a role or riding in parentheses ("Hon. Maria Santos (Minister
of Public Works and Government Services)"), or a group ("Some hon. members", "Varios señores
diputados"). :func:`participant_name` gives the person a label names (``None`` for a group), in
the form minutes show: honorific kept, role dropped, all-caps names in title case, "El señor" as
"Sr.".
"""

from __future__ import annotations

import re

from aipair.kit.text import word_set

_MAX_SIGNIFICANT_WORDS = 6
_MAX_ROLE_WORDS = 2
_MAX_LABEL_CHARS = 60

HONORIFICS = word_set(
    "mr mrs ms mx miss dr dra hon prof profa sr sra srta sir dame lady lord rev fr don doña señor "
    "señora señorita sen rep d dña dª d.ª lic ing arq mtro mtra cllr councillor alderman ald"
)
_ARTICLES = frozenset({"the", "el", "la"})
PARTICLES = word_set("de del la las los y e van von der den da di du le do dos das ten ter bin ibn al")
_ROLES = word_set(
    "chair chairman chairwoman chairperson speaker president presidente presidenta vicepresidente "
    "vicepresidenta secretary secretario secretaria clerk minister ministro ministra moderator "
    "moderador moderadora commissioner comisionado comisionada consejero consejera alcalde "
    "alcaldesa portavoz director directora witness testigo interpreter intérprete host interviewer "
    "entrevistador entrevistadora presenter presentador presentadora facilitator treasurer tesorero "
    "tesorera administrador administradora vocal vecino vecina representante coordinador coordinadora "
    "gerente jefe jefa manager lead candidate candidato candidata recruiter reclutador reclutadora "
    "member miembro concejal concejala councillor mayor trustee patrono patrona delegado delegada"
)
_SPANISH_TITLES = {"señor": "Sr.", "señora": "Sra.", "señorita": "Srta."}
_ELIDED = re.compile(r"^[dlDL]['’][^\W\d_]")  # d'Arcy, l'Écuyer
_GROUP = re.compile(
    r"(?:(?:some|several|many|all|an?|other|varios|varias|algunos|algunas|unos|unas)\s+)?"
    r"(?:(?:hon\.?|honourable|honorable|señores|señoras|señorías)\s+)?"
    r"(?:members?|voices|voces|diputad[oa]s|senador(?:es|as)|speakers|participants|audience|público"
    r"|todos|todas|unknown(?:\s+speaker)?|unidentified(?:\s+speakers?)?|desconocid[oa])",
    re.IGNORECASE,
)
_ENDS_WITH_PAREN = re.compile(r"(?P<outer>[^()]*?)\s*\((?P<inner>[^()]*)\)\s*")


def _bare(word: str) -> str:
    return word.lower().rstrip(".")


def is_group(label: str) -> bool:
    """Whether ``label`` speaks for several people ("Some hon. members", "Voces")."""
    return _GROUP.fullmatch(label.strip()) is not None


def _significant(words: list[str]) -> list[str]:
    """The words of a name that are not leading articles/honorifics or particles."""
    position = 0
    while position < len(words) and (
        _bare(words[position]) in HONORIFICS or (position == 0 and _bare(words[0]) in _ARTICLES)
    ):
        position += 1
    return [w for w in words[position:] if w.lower() not in PARTICLES and not _ELIDED.match(w)]


def looks_like_name(name: str) -> bool:
    """Whether ``name`` (a label without its parentheses) names a person, a role or a group."""
    if len(name) > _MAX_LABEL_CHARS:
        return False
    if is_group(name):
        return True
    significant = _significant(name.split())
    if not significant or len(significant) > _MAX_SIGNIFICANT_WORDS:
        return False
    if (
        len(significant) <= _MAX_ROLE_WORDS
        and significant[0][0].isupper()
        and _bare(significant[0]) in _ROLES
    ):
        return True  # "Presidente de la comunidad", "Vecina del tercero" (not "Speaker for the vendor")
    return all(w[0].isupper() or w[0].isdigit() for w in significant)


def _is_role(words: list[str]) -> bool:
    significant = _significant(words)
    return bool(significant) and _bare(significant[0]) in _ROLES


def _names_inside(outer: list[str], inner: str) -> bool:
    """Whether the parentheses name the person: after a role ("The Chair (Mr. Tom Kmiec)") or a
    one-word label that is no name ("HR (Ana Ruiz)"), when they hold a name and not a role."""
    if not looks_like_name(inner) or _is_role(inner.split()) or is_group(inner):
        return False
    person_inside = _bare(inner.split()[0]) in HONORIFICS or len(_significant(inner.split())) >= 2
    return _is_role(outer) or (len(outer) == 1 and outer[0].isupper() and person_inside)


def role_of(label: str) -> str | None:
    """The role a label gives its speaker ("tesorero" for "Lic. Andrés Zamora (Tesorero)" or
    "Tesorero (D. Juan Ruiz)", "chair" for "The Chair (Mr. Tom Kmiec)"), or ``None``."""
    parts = _ENDS_WITH_PAREN.fullmatch(label.strip())
    for side in (parts["outer"], parts["inner"]) if parts is not None else (label,):
        words = _significant(side.split())
        if words and _is_role(side.split()):
            return _bare(words[0])
    return None


def participant_name(label: str | None) -> str | None:
    """The person ``label`` names, as minutes show it; ``None`` for no label or a group."""
    if not label or not label.strip() or is_group(label):
        return None
    outer, inner = label.strip(), ""
    parts = _ENDS_WITH_PAREN.fullmatch(outer)
    if parts is not None and parts["outer"]:
        outer, inner = parts["outer"], parts["inner"].strip()
    words = outer.split()
    if inner and _names_inside(words, inner):
        title = next((_SPANISH_TITLES[_bare(w)] for w in words if _bare(w) in _SPANISH_TITLES), "")
        has_title = _bare(inner.split()[0]) in HONORIFICS
        words = ([title] if title and not has_title else []) + inner.split()
    return _display(words) or None


def _display(words: list[str]) -> str:
    """Spanish titles abbreviated, a leading article before one dropped, all-caps words title-cased."""
    shown: list[str] = []
    for position, word in enumerate(words):
        bare = _bare(word)
        if position == 0 and bare in _ARTICLES and len(words) > 1 and _bare(words[1]) in _SPANISH_TITLES:
            continue
        if bare in _SPANISH_TITLES:
            shown.append(_SPANISH_TITLES[bare])
            continue
        shown.append(_title_case(word, first=len(shown) == 0 or shown[-1].endswith(".")))
    return " ".join(shown)


def _title_case(word: str, *, first: bool) -> str:
    letters = [c for c in word if c.isalpha()]
    if len(letters) < 2 or not word.isupper() or any(c.isdigit() or c == "_" for c in word):
        return word
    if word.lower() in PARTICLES and not first:
        return word.lower()
    return re.sub(r"(?<=['’\-])(\w)", lambda m: m.group(1).upper(), word.capitalize())
