"""Commitments, requests and decisions as people phrase them in many registers, not only the textbook
ones: tasks handed over with a pronoun, answers that start with "Yep,", votes and questions asking for
agreement, Spanish from several regions ("ahorita lo checo", "¿las podés tomar vos?", "¿me pasas…?").
"""

from __future__ import annotations

import datetime as dt

from tests.meetings.test_minutes_rules import MONDAY, minutes_of, tasks

TUESDAY = dt.date(2026, 6, 9)


def test_a_request_taken_on_with_yep_and_a_comma_belongs_to_who_took_it() -> None:
    minutes = minutes_of(
        "Jo Lindqvist: I still need the pricing numbers for the landing page.\n"
        "Jo Lindqvist: Nadia, the numbers. Can you drop them in the doc today?\n"
        "Nadia Kapoor: Yep, after this.\n",
        MONDAY,
    )
    assert [(a.owner_name, a.due_date) for a in minutes.action_items] == [("Nadia Kapoor", MONDAY)]
    assert "pricing numbers" in minutes.action_items[0].task  # "them" quotes what it stands for


def test_a_vague_request_takes_the_words_of_the_reply_that_names_the_task() -> None:
    minutes = minutes_of(
        "Professor B: The cluster is at ninety percent of its quota. Could you clean those up?\n"
        "Postdoc C: Yeah, I'll delete the checkpoints from before March today.\n",
        MONDAY,
    )
    assert tasks(minutes) == [("Delete the checkpoints from before March", "Postdoc C", MONDAY)]


def test_a_request_to_anyone_belongs_to_who_answers_on_it() -> None:
    minutes = minutes_of(
        "Sam Rivera: Last thing: can somebody book the demo room for the launch call?\n"
        "Nadia Kapoor: On it.\n"
        "Sam Rivera: Thanks. And the customers who could try it are on the list already.\n",
    )
    assert tasks(minutes) == [("Book the demo room for the launch call", "Nadia Kapoor", None)]


def test_votes_either_way_and_agreed_questions_are_decisions_and_narration_no_task() -> None:
    minutes = minutes_of(
        "Cllr. Ruth Ellison: I move that the committee recommend releasing the reserve to replace the "
        "climbing frame.\n"
        "The Chair (Cllr. Dana Whitfield): Those in favour? Four. Against? None. The motion carries.\n"
        "The Chair (Cllr. Dana Whitfield): Is the committee content for officers to add the river bins "
        "to the weekend round?\n"
        "Cllr. Omar Haddad: Content.\n"
        "Priya Natarajan: Okay, so we're agreed: the payments canary goes to ten percent.\n"
        "Sam Rivera: Are we all happy with the ninth as the launch date?\n"
        "Jo Lindqvist: No, that's too early for legal.\n"
        "Cllr. Ruth Ellison: I move that the committee close the east car park on Sundays.\n"
        "The Chair (Cllr. Dana Whitfield): Those in favour? Two. Against? Four. The motion is defeated.\n"
        "Cllr. Peter Quinn: I move that we approve the summer fair budget as presented.\n"
        "The Chair (Cllr. Dana Whitfield): All in favour? Carried.\n"
        "Grace Liu: Should we run a failover drill every quarter?\n"
        "Olu Adeyemi: I'd say yes. Let me just pull up the graph.\n"
    )
    decisions = [d.text for d in minutes.decisions]
    assert decisions[5:] == ["Run a failover drill every quarter"]
    assert minutes.action_items == []  # pulling up a graph is the meeting talking to itself
    assert len(decisions) == 6
    assert "climbing frame" in decisions[0] and decisions[0].startswith("The motion carries")
    assert decisions[1].startswith("Officers to add the river bins to the weekend round")
    assert "canary goes to ten percent" in decisions[2]
    assert decisions[3].startswith("The motion is defeated") and "east car park" in decisions[3]
    assert decisions[4].startswith("Carried") and "summer fair budget" in decisions[4]


def test_a_bare_agreement_quotes_what_was_agreed() -> None:
    minutes = minutes_of(
        "Marta Iglesias: Y si dirección aprueba una segunda plaza, se le ofrece también a Sofía.\n"
        "Carlos Ruiz: De acuerdo.\n"
        "Marta Iglesias: Entonces, acordado.\n",
    )
    assert [d.text for d in minutes.decisions] == [
        "Acordado. — “Y si dirección aprueba una segunda plaza, se le ofrece también a Sofía.”"
    ]


def test_spanish_commitments_with_verbs_of_any_region_and_requests_to_tu_vos_and_usted() -> None:
    minutes = minutes_of(
        "Jorge Salinas: Alicia, ¿puedes checar el webhook de la pasarela?\n"
        "Alicia Ponce: Sí, lo checo ahorita y les aviso.\n"
        "Jorge Salinas: Fernanda, ¿me pasas la lista de los pedidos atorados?\n"
        "Fernanda Ríos: Sí, claro.\n"
        "Dra. Carmen Villalobos: Don Tomás, ¿nos consigue dos cotizaciones más de auditoría?\n"
        "Sr. Tomás Aguirre: Cómo no. Las pido esta semana.\n"
        "Directora: Becario B, ¿te ocupás vos de armar la muestra de turnos?\n"
        "Becario B: Dale, yo la armo el lunes.\n"
        "Fernanda Ríos: Eso no lo puedo decidir yo.\n",
        TUESDAY,
    )
    assert tasks(minutes) == [
        ("Checar el webhook de la pasarela", "Alicia Ponce", TUESDAY),
        ("Pasar la lista de los pedidos atorados", "Fernanda Ríos", None),
        ("Conseguir dos cotizaciones más de auditoría", "Sr. Tomás Aguirre", dt.date(2026, 6, 12)),
        ("Armar la muestra de turnos", "Becario B", dt.date(2026, 6, 15)),
    ]


def test_a_reflexive_verb_or_a_word_after_lo_is_no_commitment() -> None:
    minutes = minutes_of(
        "Irene Castells: Me refiero a la web nueva, no a la vieja.\n"
        "Pablo Gil: Lo mismo digo yo, y lo otro lo vemos luego.\n"
        "Irene Castells: Me opongo a quitar el blog.\n"
    )
    assert minutes.action_items == []


def test_a_compound_first_name_addresses_its_owner() -> None:
    minutes = minutes_of(
        "Marta Iglesias: Ana Belén, ¿puedes preparar la oferta para Elena?\n"
        "Carlos Ruiz: Y yo llamo a la candidata.\n"
        "Ana Belén Soto: La tengo el lunes.\n",
        MONDAY,
    )
    assert ("Preparar la oferta para Elena", "Ana Belén Soto", None) in tasks(minutes)


def test_a_task_for_all_of_us_has_no_owner() -> None:
    minutes = minutes_of(
        "Directora: Faltan los resultados del artículo para el congreso.\n"
        "Directora: Y los resultados los armamos entre todos el martes en la reunión.\n"
        "Postdoc D: Vale.\n",
        MONDAY,
    )
    assert [(a.owner_name, a.due_date) for a in minutes.action_items] == [(None, dt.date(2026, 3, 24))]


def test_role_labels_in_spanish_and_names_after_unknown_titles_find_their_person() -> None:
    minutes = minutes_of(
        "Presidente de la comunidad (Antonio Gil): Luis, revisa el presupuesto del ascensor mañana.\n"
        "D. Luis García: Vale. Y le quedo en mandar el acta a la administradora.\n"
        "Administradora de fincas: Yo pediré los tres presupuestos esta semana.\n"
        "HR (Ana Ruiz): Y yo lo checaré con el seguro.\n",
    )
    assert minutes.attendees == ["Antonio Gil", "D. Luis García", "Administradora de fincas", "Ana Ruiz"]
    assert [(a.owner_name, a.due_date) for a in minutes.action_items] == [
        ("D. Luis García", dt.date(2026, 3, 5)),
        ("D. Luis García", None),
        ("Administradora de fincas", dt.date(2026, 3, 6)),
        ("Ana Ruiz", None),
    ]
    assert minutes.action_items[0].task == "Revisar el presupuesto del ascensor"


def test_an_order_given_by_name_is_an_action_for_that_person() -> None:
    minutes = minutes_of(
        "Marcus Hill: The pool size is what broke.\n"
        "Priya Natarajan: Marcus, add the range check to CI by Monday.\n"
        "Priya Natarajan: Tom, take us through the timeline.\n"
        "Priya Natarajan: Lena, do you have the numbers?\n"
        "Tom Becker: Sure, thanks for that.\n",
    )
    assert tasks(minutes) == [("Add the range check to CI", "Marcus Hill", dt.date(2026, 3, 9))]


def test_agreeing_with_a_suggestion_is_not_taking_it_on_but_committing_is() -> None:
    minutes = minutes_of(
        "User Interface: I think we should put a leaf icon on the screen in eco mode.\n"
        "Marketing: Yeah.\n"
        "Jorge Salinas: Hay que avisar a soporte de la migración antes del jueves.\n"
        "Alicia Ponce: Vale.\n"
        "Irene Castells: Habría que pasar el dominio a la tarjeta de la empresa.\n"
        "Pablo Gil: Esta semana lo gestiono yo con administración.\n"
    )
    assert [(a.owner_name, a.due_date) for a in minutes.action_items] == [
        ("Alicia Ponce", dt.date(2026, 3, 5)),
        ("Pablo Gil", dt.date(2026, 3, 6)),
    ]
    assert "dominio" in minutes.action_items[1].task


def test_choices_stated_as_going_for_or_opting_are_decisions() -> None:
    english = minutes_of("Project Manager: Okay, we'll go for the rubber case then.\nMarketing: Sure.\n")
    spanish = minutes_of(
        "Lucía Fernández: Al final optamos por el proveedor de Valencia.\nDiego Romero: Vale.\n"
    )
    assert [d.text for d in english.decisions] == ["We'll go for the rubber case then."]
    assert [d.text for d in spanish.decisions] == ["Al final optamos por el proveedor de Valencia."]


def test_telling_someone_outside_and_impersonal_settlements_in_spanish() -> None:
    minutes = minutes_of(
        "Vecina del 4ºA: Que alguien avise al portero de que cierre con llave por la noche.\n"
        "Vecino del 2ºB: Eso se lo digo yo, que lo veo todas las mañanas.\n"
        "Presidenta (Dña. Rosario Medina): Se contrata a la empresa de pintura para septiembre.\n"
        "Vecino del 2ºB: Lo digo por los que no estaban, nada más.\n"
    )
    assert [a.owner_name for a in minutes.action_items] == ["Vecino del 2ºB"]
    assert "portero" in minutes.action_items[0].task
    assert [d.text for d in minutes.decisions] == ["Se contrata a la empresa de pintura para septiembre."]


def test_the_person_asked_answering_with_a_date_or_a_bare_me_takes_the_task_on() -> None:
    minutes = minutes_of(
        "Marta Iglesias: Ana Belén, ¿puedes preparar la oferta para Elena?\n"
        "Ana Belén Soto: La tengo el lunes.\n"
        "Marta Iglesias: ¿Y quién puede mandar el informe a la Junta antes del día treinta?\n"
        "Carlos Ruiz: Yo.\n"
        "Marta Iglesias: Luis, ¿puedes revisar el contrato del almacén?\n"
        "Luis Herrero: No, esta semana no puedo.\n",
        MONDAY,
    )
    assert tasks(minutes) == [
        ("Preparar la oferta para Elena", "Ana Belén Soto", dt.date(2026, 3, 30)),
        ("Mandar el informe a la Junta", "Carlos Ruiz", dt.date(2026, 3, 30)),
        ("Revisar el contrato del almacén", "Luis Herrero", None),
    ]
    assert [a.confidence < 0.8 for a in minutes.action_items] == [False, False, True]


def test_what_a_thing_does_or_who_does_what_is_no_task_but_a_person_outside_is() -> None:
    minutes = minutes_of(
        "Rosa Delgado: Hugh runs our IT side, so he'll have the tricky questions.\n"
        "Ben Adler: The connector will sync the orders every hour.\n"
        "Hugh Travers: Our security team will review the SOC 2 report next week.\n"
    )
    assert tasks(minutes) == [("Review the SOC 2 report", None, dt.date(2026, 3, 13))]


def test_a_role_names_the_one_participant_whose_label_gives_it() -> None:
    minutes = minutes_of(
        "Dra. Carmen Villalobos (Presidenta): El tesorero traerá las cuentas el lunes.\n"
        "Lic. Andrés Zamora (Tesorero): Así es.\n"
        "Dra. Carmen Villalobos (Presidenta): Y la secretaria de la Junta mandará la convocatoria.\n",
        MONDAY,
    )
    assert [(a.owner_name, a.due_date) for a in minutes.action_items] == [
        ("Lic. Andrés Zamora", dt.date(2026, 3, 30)),
        (None, None),  # nobody here is the secretary
    ]
