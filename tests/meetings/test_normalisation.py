"""Spoken text is cleaned before anything reads it: markup, tokenisation, fillers, stutters, backchannels."""

from __future__ import annotations

import pytest

from aipair.meetings.normalisation import is_backchannel, normalise_text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (
            "So , um {disfmarker} I I 'll send the the L_C_D_ specs . Yeah .",
            "I'll send the LCD specs.",
        ),
        (
            "but if you think it 's {disfmarker} Yeah . So , um {disfmarker} Yeah . I mean , I {disfmarker} "
            "I don't know . {vocalsound} The battery is kinetic .",
            "But if you think it's. I don't know. The battery is kinetic.",
        ),
        ("We ca n't do n't won't {gap} [laughter] (laughs) <laugh> stop .", "We can't don't won't stop."),
        (
            "The remote should be {disfmarker} should have a T_V_ button .",
            "The remote should have a TV button.",
        ),
        ("Can we, like, pause them? I was, you know, busy.", "Can we pause them? I was busy."),
        ("Okay. Right. So we should uh get started.", "We should get started."),
        (
            "For the case , plastic or titanium . Titanium is too expensive .",
            "For the case, plastic or titanium. Titanium is too expensive.",
        ),
    ],
)
def test_english_transcription_artefacts_are_removed(raw: str, clean: str) -> None:
    assert normalise_text(raw, "en") == clean


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Este… yo sigo con las notificaciones push .", "Yo sigo con las notificaciones push."),
        ("Pues , eh , o sea , la la guía está lista , ¿ no ?", "La guía está lista, ¿no?"),
        ("Hoy tenemos que revisar el sprint y, eh, la demo.", "Hoy tenemos que revisar el sprint y la demo."),
        ("Sí, sí. Vale. Lo miro esta tarde.", "Lo miro esta tarde."),
        ("la pre- presupuesto {vocalsound} sube", "La presupuesto sube"),
        ("Se lo mando a la directora y a los vecinos.", "Se lo mando a la directora y a los vecinos."),
        ("Sí, eh, lo checo ahorita.", "Sí, lo checo ahorita."),
    ],
)
def test_spanish_fillers_and_markup_are_removed(raw: str, clean: str) -> None:
    assert normalise_text(raw, "es") == clean


def test_a_turn_that_only_acknowledges_keeps_one_word_and_one_that_only_hesitates_is_empty() -> None:
    assert normalise_text("Yeah . Yeah . Okay .", "en") == "Yeah."
    assert normalise_text("Vale. Sí, sí.", "es") == "Vale."
    assert normalise_text("Mm-hmm . {vocalsound}", "en") == ""
    assert normalise_text("Ajá. Mm.", "es") == ""


def test_backchannels_are_recognised_and_statements_are_not() -> None:
    assert all(is_backchannel(s) for s in ("Yeah.", "Mm-hmm.", "Okay, thanks.", "Sí, sí.", "Vale."))
    assert not any(is_backchannel(s) for s in ("Yes, I'll send it.", "Agreed.", "De acuerdo.", "No."))


def test_a_repeat_that_starts_a_new_sentence_is_kept() -> None:
    assert normalise_text("It was fine. Fine is not enough though.", "en") == (
        "It was fine. Fine is not enough though."
    )
