"""Stated deadlines resolve to the right calendar day, with the words that stated them."""

from __future__ import annotations

import datetime as dt

import pytest

from aipair.meetings.engines.due_dates import find_due_date

WEDNESDAY = dt.date(2026, 3, 4)
MONDAY = dt.date(2026, 3, 2)


@pytest.mark.parametrize(
    ("sentence", "expected", "words"),
    [
        ("I'll send it by Friday.", "2026-03-06", "by Friday"),
        ("Let's have it tomorrow.", "2026-03-05", "tomorrow"),
        ("Ship it by next Monday.", "2026-03-09", "by next Monday"),
        ("Review it next Friday.", "2026-03-13", "next Friday"),
        ("Done by March 20 please.", "2026-03-20", "by March 20"),
        ("Done by March 3rd.", "2027-03-03", "by March 3rd"),  # already past this year
        ("Merge it on 2026-12-01.", "2026-12-01", "on 2026-12-01"),
        ("Close it by the end of the month.", "2026-03-31", "by the end of the month"),
        ("Wrap up by end of quarter.", "2026-03-31", "by end of quarter"),
        ("Send it by the 15th of April.", "2026-04-15", "by the 15th of April"),
        ("Check back in two weeks.", "2026-03-18", "in two weeks"),
        ("Finish it this week.", "2026-03-06", "this week"),
        ("Plan it for next week.", "2026-03-13", "next week"),
        ("Due today, end of day.", "2026-03-04", "today"),
    ],
)
def test_english_deadlines(sentence: str, expected: str, words: str) -> None:
    due = find_due_date(sentence, WEDNESDAY, "en")
    assert due is not None
    assert (due.date.isoformat(), due.text) == (expected, words)


@pytest.mark.parametrize(
    ("sentence", "expected", "words"),
    [
        ("Lo envío el viernes.", "2026-03-06", "el viernes"),
        ("Te lo paso mañana por la mañana.", "2026-03-03", "mañana"),
        ("Hay que cerrarlo la próxima semana.", "2026-03-13", "la próxima semana"),
        ("Mándalo el 3 de marzo.", "2026-03-03", "el 3 de marzo"),
        ("Para el 20 de abril de 2027, sin falta.", "2027-04-20", "Para el 20 de abril de 2027"),
        ("Lo quiero a finales de mes.", "2026-03-31", "a finales de mes"),
        ("Revisarlo el viernes que viene.", "2026-03-13", "el viernes que viene"),
        ("Lo vemos el próximo lunes.", "2026-03-09", "el próximo lunes"),
        ("Entregarlo en dos semanas.", "2026-03-16", "en dos semanas"),
        ("Pasado mañana lo tengo.", "2026-03-04", "Pasado mañana"),
        ("Hoy mismo lo mando.", "2026-03-02", "Hoy mismo"),
    ],
)
def test_spanish_deadlines(sentence: str, expected: str, words: str) -> None:
    due = find_due_date(sentence, MONDAY, "es")
    assert due is not None
    assert (due.date.isoformat(), due.text) == (expected, words)


@pytest.mark.parametrize(
    ("sentence", "language"),
    [
        ("We may 3 times try again.", "en"),
        ("I will look into it soon.", "en"),
        ("Nothing was said about dates.", "en"),
        ("Esta mañana hablamos con el cliente.", "es"),
        ("Lo vemos el fin de semana.", "es"),
        ("Lo haremos pronto.", "es"),
    ],
)
def test_no_deadline_is_invented(sentence: str, language: str) -> None:
    assert find_due_date(sentence, WEDNESDAY, language) is None


def test_earliest_stated_deadline_wins() -> None:
    due = find_due_date("Draft it tomorrow and publish it by Friday.", WEDNESDAY, "en")
    assert due is not None and due.text == "tomorrow"
