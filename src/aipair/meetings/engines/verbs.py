"""Verbs of work in English and Spanish, and the Spanish forms that make a first-person commitment.

Spanish commits in the present tense as often as in the future ("La redacto yo", "les escribo hoy",
"os enviamos la propuesta"), so a present first-person form of a verb of work, with a clitic
pronoun, with "yo", or opening the sentence, is a commitment; verbs that narrate the meeting or
report a state ("empiezo", "sigo", "veo", "cuento") are not in the list. Forms are derived from
the infinitives (regular endings plus the irregular ones listed), never written per case.
"""

from __future__ import annotations

import re

from aipair.kit.text import word_set

_SPANISH_WORK_VERBS = word_set(
    "enviar mandar pasar preparar revisar mirar hacer llamar escribir redactar actualizar probar subir "
    "gestionar coordinar hablar organizar reservar comprar publicar cerrar confirmar avisar buscar "
    "pedir contactar terminar arreglar instalar configurar diseñar documentar calcular traducir "
    "comprobar investigar encargar montar convocar solicitar traer dar añadir cambiar corregir "
    "entregar firmar completar definir analizar estudiar verificar validar migrar desplegar "
    "lanzar programar planificar agendar resolver reunir elaborar ajustar mejorar limpiar quitar "
    "borrar eliminar rellenar reclamar negociar responder contestar consultar averiguar trasladar "
    "comunicar informar remitir adjuntar imprimir grabar medir pagar facturar cobrar tramitar renovar "
    "contratar incluir activar desactivar apuntar anotar descargar cargar importar exportar entrenar "
    "ejecutar repetir recopilar recoger llevar sacar poner conseguir elegir presupuestar redistribuir "
    "distribuir circular difundir notificar escalar priorizar estimar medir testear depurar "
    "checar chequear armar marcar transcribir meter suscribir"
)

_IRREGULAR_PRESENT = {
    "hacer": "hago", "traer": "traigo", "poner": "pongo", "dar": "doy", "pedir": "pido",
    "probar": "pruebo", "comprobar": "compruebo", "cerrar": "cierro", "corregir": "corrijo",
    "conseguir": "consigo", "traducir": "traduzco", "resolver": "resuelvo", "elegir": "elijo",
    "recoger": "recojo", "reunir": "reúno", "medir": "mido",
    "repetir": "repito", "renovar": "renuevo", "enviar": "envío", "averiguar": "averiguo",
    "distribuir": "distribuyo", "redistribuir": "redistribuyo", "incluir": "incluyo",
}  # fmt: skip
_IRREGULAR_FUTURE_STEM = {"hacer": "har", "poner": "pondr", "tener": "tendr"}
_IRREGULAR_THIRD = {
    "hacer": "hace", "probar": "prueba", "comprobar": "comprueba", "cerrar": "cierra", "pedir": "pide",
    "corregir": "corrige", "conseguir": "consigue", "resolver": "resuelve", "elegir": "elige",
    "reunir": "reúne", "medir": "mide", "repetir": "repite", "renovar": "renueva", "enviar": "envía",
    "distribuir": "distribuye", "redistribuir": "redistribuye", "incluir": "incluye", "dar": "da",
}  # fmt: skip
_ENCLITIC = re.compile(r"(?:(?:me|te|se|nos|os)?(?:lo|la|los|las|le|les)|me|te|se|nos|os)$")


def _forms(infinitive: str) -> set[str]:
    stem, ending = infinitive[:-2], infinitive[-2:]
    future = _IRREGULAR_FUTURE_STEM.get(infinitive, infinitive)
    plural = {"ar": "amos", "er": "emos", "ir": "imos"}[ending]
    return {
        _IRREGULAR_PRESENT.get(infinitive, stem + "o"),
        stem + plural,
        future + "é",
        future + "emos",
    }


def _spanish_forms() -> frozenset[str]:
    forms: set[str] = set()
    for verb in _SPANISH_WORK_VERBS:
        forms |= _forms(verb)
    if "envio" not in forms:
        forms.add("envio")  # written without the accent
    return frozenset(forms)


SPANISH_COMMITMENT_FORMS = _spanish_forms()
"""First-person present and future forms of the verbs of work ("envío", "enviamos", "enviaré")."""

SPANISH_SINGULAR_FORMS = frozenset(
    f for f in SPANISH_COMMITMENT_FORMS if not f.endswith(("amos", "emos", "imos"))
)
"""The singular ones: the speaker alone commits."""

SPANISH_INFINITIVES = _SPANISH_WORK_VERBS

ENGLISH_WORK_VERBS = word_set(
    "send email mail forward share prepare review check update fix write draft finish complete call do "
    "book schedule organize organise arrange set install configure deploy upgrade migrate test run "
    "rerun try compare look investigate find collect gather compile create build design make draw "
    "sketch put upload post publish announce circulate distribute contact reach ask follow chase "
    "sign approve confirm order buy pay invoice file submit table provide produce deliver hand get "
    "talk speak meet pause stop remove delete clean add move change replace rewrite edit translate "
    "calculate estimate measure analyse analyze research summarise summarize document record note "
    "invite notify remind tell inform coordinate handle own take train plan price quote clarify "
    "borrow lend bring fetch print scan hire recruit interview reply respond arrange rerun redo "
    "refactor implement merge release ship launch set rebook cancel renew extend negotiate"
)
"""Verbs that name a task ("send", "review", "book"), used to tell a task from talk."""


def _infinitives() -> dict[str, str]:
    table: dict[str, str] = {}
    for verb in _SPANISH_WORK_VERBS:
        for form in _forms(verb):
            table.setdefault(form, verb)
    table.setdefault("envio", "enviar")
    return table


SPANISH_INFINITIVE_OF = _infinitives()
"""The infinitive of each first-person form ("redacto" → "redactar"), for the wording of tasks."""


def _third(infinitive: str) -> set[str]:
    stem, ending = infinitive[:-2], infinitive[-2:]
    future = _IRREGULAR_FUTURE_STEM.get(infinitive, infinitive)
    present = _IRREGULAR_THIRD.get(infinitive, stem + ("a" if ending == "ar" else "e"))
    return {present, future + "á"}


SPANISH_THIRD_INFINITIVE_OF = {form: verb for verb in _SPANISH_WORK_VERBS for form in _third(verb)}
SPANISH_THIRD_PERSON_FORMS = frozenset(SPANISH_THIRD_INFINITIVE_OF)
"""Third-person present and future forms ("envía", "enviará"): "Ana escribe…", "La letrada enviará…"."""


def _second(infinitive: str) -> set[str]:
    stem, ending = infinitive[:-2], infinitive[-2:]
    present = _IRREGULAR_THIRD.get(infinitive, stem + ("a" if ending == "ar" else "e"))
    voseo = stem + {"ar": "ás", "er": "és", "ir": "ís"}[ending]
    return {present, present + "s", voseo}


SPANISH_ADDRESSED_INFINITIVE_OF = {form: verb for verb in _SPANISH_WORK_VERBS for form in _second(verb)}
SPANISH_ADDRESSED_FORMS = frozenset(SPANISH_ADDRESSED_INFINITIVE_OF)
"""Present forms addressed to someone, "usted", "tú" and "vos" ("prepara", "preparas", "preparás"):
"¿Me pasas la lista?", "¿Nos consigue dos cotizaciones?", "¿Las tomás vos?"."""

_NOT_WORK_FIRST_PERSON = word_set(
    "creo pienso digo veo sé cuento empiezo sigo acepto entiendo tengo quiero necesito recuerdo espero "
    "imagino supongo noto siento parezco quedo debo puedo apoyo comparto secundo celebro lamento agradezco "
    "considero valoro respeto conozco temo propongo oigo escucho dejo alegro acuerdo opino insisto "
    "mismo nuevo bueno malo otro primero último único propio cierto demás tuyo mío suyo largo corto "
    "todo como cuando tiempo presento comento explico muestro"
)
_FIRST_PERSON_ENDING = re.compile(r"^[^\W\d_]{2,}[^aeiouáéíóú\W]o$")
_FUTURE_ENDING = re.compile(r"^[^\W\d_]{2,}(?:aré|eré|iré)$")
_PLURAL_FUTURE_ENDING = re.compile(r"^[^\W\d_]{2,}(?:aremos|eremos|iremos)$")


def first_person_future(form: str) -> str | None:
    """The infinitive of a first-person future of any verb ("checaré" → "checar", "mandaremos" →
    "mandar"): the ending says it is a verb, whatever the verb."""
    lowered = form.lower()
    if _FUTURE_ENDING.match(lowered):
        return lowered[:-1].translate(_UNACCENT)
    if _PLURAL_FUTURE_ENDING.match(lowered):
        return lowered[:-4]
    return None


def spanish_imperative(word: str) -> str | None:
    """The infinitive of a "tú" imperative of a verb of work ("revisa", "mándame", "envíalo")."""
    lowered = word.lower()
    bare = _ENCLITIC.sub("", lowered) if len(lowered) > 4 else lowered
    for form in (lowered, bare, bare.translate(_UNACCENT)):
        verb = SPANISH_THIRD_INFINITIVE_OF.get(form)
        if verb is not None and not form.endswith("á"):
            return verb
    return None


def first_person_infinitive(form: str) -> str | None:
    """The infinitive of a first-person singular form said after a clitic ("lo checo" → "checar"):
    a known verb of work, else guessed from the ending (present "-o" → "-ar", the commonest
    conjugation; future "-aré" → "-ar"), ``None`` for words that are no task ("lo creo", "lo mismo")."""
    lowered = form.lower()
    if lowered in _NOT_WORK_FIRST_PERSON:
        return None
    if lowered in SPANISH_INFINITIVE_OF:
        return SPANISH_INFINITIVE_OF[lowered]
    if _FUTURE_ENDING.match(lowered):
        return lowered[:-1].translate(_UNACCENT)
    if _FIRST_PERSON_ENDING.match(lowered):
        return lowered[:-1] + "ar"
    return None


def is_work_verb(word: str, language: str) -> bool:
    """Whether ``word`` is a verb of work: an English base form, or a Spanish infinitive (with
    enclitic pronouns: "pedirles", "reunirse") or first-person form."""
    lowered = word.lower()
    if language != "es":
        return lowered in ENGLISH_WORK_VERBS
    if lowered in SPANISH_COMMITMENT_FORMS or lowered in SPANISH_INFINITIVES:
        return True
    bare = _ENCLITIC.sub("", lowered)
    plain = bare.translate(_UNACCENT)
    return bare != lowered and (plain in SPANISH_INFINITIVES or bare in SPANISH_INFINITIVES)


_UNACCENT = str.maketrans("áéí", "aei")


def english_third_person(word: str) -> bool:
    """Whether ``word`` is a third-person present of an English verb of work ("updates", "fixes")."""
    lowered = word.lower()
    stems = (lowered[:-1], lowered[:-2], lowered[:-3] + "y" if lowered.endswith("ies") else "")
    return lowered.endswith("s") and any(s in ENGLISH_WORK_VERBS for s in stems if s)
