"""What makes minutes trustworthy: real action items, real decisions, open questions, clean titles.

Each test is a small meeting as people speak; the local engine is run on it whole.
"""

from __future__ import annotations

import datetime as dt

from aipair.meetings.engines import build_minutes
from aipair.meetings.minutes import Minutes
from aipair.meetings.parsing import parse_transcript

WEDNESDAY = dt.date(2026, 3, 4)
MONDAY = dt.date(2026, 3, 23)
MARKUP = ("{", "}", "[", "]", "_", " 's", " .", " ,")


def minutes_of(
    transcript: str, meeting_date: dt.date = WEDNESDAY, attendees: list[str] | None = None
) -> Minutes:
    segments = parse_transcript("meeting.txt", transcript.encode())
    return build_minutes(segments, meeting_date, None, attendees or [], None)


def tasks(minutes: Minutes) -> list[tuple[str, str | None, dt.date | None]]:
    return [(a.task, a.owner_name, a.due_date) for a in minutes.action_items]


def test_narrating_the_meeting_is_not_an_action_item() -> None:
    minutes = minutes_of(
        "Project Manager: Okay . Wait until you 're all um hooked up . I 'll just go through the agenda .\n"
        "Marketing: Mm-hmm .\n"
        "Project Manager: We 'll come to that later .\n"
        "Project Manager: I 'll come back to the the finance part in the next bit .\n"
        "Marketing: Can just {disfmarker}\n"
        "Project Manager: Let 's move on . I 'll share my screen now .\n"
    )
    assert minutes.action_items == []


def test_markup_never_reaches_the_minutes() -> None:
    minutes = minutes_of(
        "Project Manager: So the remote control {disfmarker} um the remote control needs a L_C_D_ screen .\n"
        "Industrial Designer: Yeah . {vocalsound} The remote control that 's {gap} is cheap .\n"
        "Project Manager: I 'll send the the remote control specs by Friday . [laughter]\n"
        "Industrial Designer: The L_C_D_ screen is expensive though {disfmarker} the remote control .\n"
    )
    texts = [minutes.title, minutes.summary, *minutes.topics, *(a.task for a in minutes.action_items)]
    assert not [t for t in texts if any(mark in t for mark in MARKUP) or "disfmarker" in t]
    assert minutes.title.startswith("Meeting 2026-03-04: remote control")
    assert tasks(minutes) == [("Send the remote control specs", "Project Manager", dt.date(2026, 3, 6))]


def test_a_hypothetical_is_not_a_decision_and_a_list_of_decisions_is() -> None:
    minutes = minutes_of(
        "Industrial Designer: If we decided to go for buttons that light up , that would add to the cost .\n"
        "Project Manager: We haven't decided on the colour yet .\n"
        "Project Manager: So the decisions : we go with the kinetic battery . The case will be rubber . "
        "We drop the L_C_D_ screen .\n"
        "Marketing: Agreed .\n"
    )
    assert [d.text for d in minutes.decisions] == [
        "We go with the kinetic battery.",
        "The case will be rubber.",
        "We drop the LCD screen.",
    ]


def test_a_request_taken_on_by_the_next_speaker_is_theirs_with_their_deadline_and_listed_once() -> None:
    minutes = minutes_of(
        "Ana Ruiz: The vendor sent two quotes for the new laptops.\n"
        "Ana Ruiz: Can you compare the two laptop quotes?\n"
        "Bob Chen: Sure, I'll compare them by Thursday.\n"
        "Ana Ruiz: We need to double check the warranty terms as well.\n"
    )
    assert tasks(minutes) == [("Compare the two laptop quotes", "Bob Chen", dt.date(2026, 3, 5))]
    assert minutes.action_items[0].confidence is not None and minutes.action_items[0].confidence >= 0.8


def test_near_duplicate_commitments_are_merged() -> None:
    minutes = minutes_of(
        "Grad A: I should run the significance test on both sets.\n"
        "Professor B: OK.\n"
        "Grad A: I'll run the significance test on both sets before Monday.\n"
    )
    assert tasks(minutes) == [("Run the significance test on both sets", "Grad A", dt.date(2026, 3, 9))]


def test_spanish_commitments_in_the_present_and_deadlines_are_found_and_agenda_is_not_a_task() -> None:
    minutes = minutes_of(
        "Lucía Fernández: Buenos días. Hoy tenemos que revisar el estado del sprint y la demo del jueves.\n"
        "Diego Romero: Vale. Para la demo falta el guion, o sea, la guía de la demo.\n"
        "Marta Sanz: La redacto yo esta semana.\n"
        "Lucía Fernández: Diego, ¿puedes pedir los permisos a sistemas antes del viernes?\n"
        "Diego Romero: Sí, sí, claro.\n"
        "Javier Ortiz: Yo actualizo la documentación la semana que viene.\n",
        MONDAY,
    )
    found = tasks(minutes)
    assert [(owner, due) for _, owner, due in found] == [
        ("Marta Sanz", dt.date(2026, 3, 27)),
        ("Diego Romero", dt.date(2026, 3, 27)),
        ("Javier Ortiz", dt.date(2026, 4, 3)),
    ]
    assert "la guía de la demo" in found[0][0]  # "la redacto": the task quotes what it refers to
    assert found[1][0] == "Pedir los permisos a sistemas"
    assert minutes.language == "es"


def test_answered_questions_are_not_open_and_unanswered_ones_are() -> None:
    minutes = minutes_of(
        "Ana Ruiz: ¿Quién tiene acceso a la cuenta de Apple?\n"
        "Javier Ortiz: Yo, la tengo desde el año pasado.\n"
        "Ana Ruiz: ¿Y el servidor nuevo cuándo llega?\n"
        "Javier Ortiz: No lo sé, la verdad.\n"
        "Ana Ruiz: ¿Me oís bien todos?\n"
        "Javier Ortiz: Perfecto.\n",
        MONDAY,
    )
    assert [q.text for q in minutes.open_questions] == ["¿Y el servidor nuevo cuándo llega?"]


def test_topics_are_what_was_discussed_not_chatter() -> None:
    minutes = minutes_of(
        "Ana Ruiz: Perfecto, podemos empezar con el presupuesto de marketing.\n"
        "Luis Pérez: Vale, perfecto. El presupuesto de marketing sube un diez por ciento.\n"
        "Ana Ruiz: Podemos revisar el presupuesto de marketing el lunes. Perfecto.\n"
        "Luis Pérez: Perfecto, podemos.\n",
        MONDAY,
    )
    assert minutes.topics[0] == "presupuesto de marketing"
    assert not {"perfecto", "podemos"} & set(minutes.topics)


def test_a_vote_result_says_what_was_approved() -> None:
    minutes = minutes_of(
        "Mrs. Grace Okafor: I move that we buy the used van for thirty-one thousand dollars.\n"
        "Prof. Pieter van der Berg: Seconded.\n"
        "Dr. Helen O'Neill (Chair): All in favour? The motion is carried unanimously.\n"
    )
    assert [d.text for d in minutes.decisions] == [
        "The motion is carried unanimously."
        " — “I move that we buy the used van for thirty-one thousand dollars.”"
    ]


def test_summary_is_whole_sentences_in_meeting_order_with_a_length_that_follows_the_meeting() -> None:
    transcript = "".join(
        f"{who}: {text}\n"
        for who, text in [
            ("Ana Ruiz", "Good morning everyone, thanks for joining."),
            (
                "Bob Chen",
                "Um , the the beta feedback was mostly positive but onboarding is still confusing .",
            ),
            (
                "Ana Ruiz",
                "We decided to postpone the public launch to April so onboarding can be redesigned.",
            ),
            ("Bob Chen", "Yeah ."),
            ("Bob Chen", "I'll update the onboarding mockups by Friday and share them with the design team."),
            ("Ana Ruiz", "The pricing page also needs a new comparison table before the launch."),
        ]
    )
    summary = minutes_of(transcript).summary
    assert summary.index("beta feedback") < summary.index("postpone") < summary.index("mockups")
    assert "Good morning" not in summary and "Yeah" not in summary
    assert "Bob Chen: I'll update the onboarding mockups" in summary
    assert 30 <= len(summary.split()) <= 120


def test_a_transcript_without_punctuation_gives_items_of_readable_length() -> None:
    rambling = "I will review the " + " ".join(["numbers of the north region"] * 400)
    minutes = minutes_of(f"Ana Ruiz: {rambling}\nBob Chen: Okay.\n")
    assert [(a.owner_name, len(a.task) <= 300, a.task.endswith("…")) for a in minutes.action_items] == [
        ("Ana Ruiz", True, True)
    ]
