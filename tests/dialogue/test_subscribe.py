"""Following a person (``db.repositories.subscriptions.subscribe``): one subscription per
conversation and person, made active again by a later "sí", and pointing at the latest case the
relative was given; a subscription to a case without a record yet is kept by its case. Fictional."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.matching.keys import person_keys
from db.models import Case, Conversation, Incident, Person, Subscription
from db.repositories import subscriptions


def _setup(s: Session) -> tuple[int, int, int, int]:
    incident = Incident(name="Incendio ficticio (prueba de suscripciones)")
    conv = Conversation(channel="sms", address="+50255570101", state={})
    s.add_all([incident, conv])
    s.flush()
    person = Person(incident_id=incident.id, given_names="Rosa Amalia", surnames="Quej Tzul",
                    **person_keys("Rosa Amalia", "Quej Tzul"))
    s.add(person)
    s.flush()
    cases = [Case(reference=f"SUB-000{k}", conversation_id=conv.id, person_id=person.id, reason="unconfirmed",
                  priority="normal", status="open", channel="sms") for k in (1, 2)]
    s.add_all(cases)
    s.flush()
    return conv.id, person.id, cases[0].id, cases[1].id


def test_following_the_same_person_again_under_another_case_keeps_one_subscription(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as s:
        conv_id, person_id, first_case, second_case = _setup(s)
        subscriptions.subscribe(s, conv_id, person_id, None)  # "sí" after a disclosure: no case
        subscriptions.subscribe(s, conv_id, person_id, first_case)  # later, "sí" under a case
    with session_factory.begin() as s:
        [row] = s.scalars(select(Subscription).where(Subscription.conversation_id == conv_id)).all()
        assert (row.person_id, row.case_id, row.active) == (person_id, first_case, True)
        row.active = False  # the relative stopped following (BAJA)
    with session_factory.begin() as s:
        subscriptions.subscribe(s, conv_id, person_id, second_case)
        subscriptions.subscribe(s, conv_id, person_id, None)  # a "sí" without a case keeps the case given
    with session_factory() as s:
        [row] = s.scalars(select(Subscription).where(Subscription.conversation_id == conv_id)).all()
        assert (row.person_id, row.case_id, row.active) == (person_id, second_case, True)


def test_a_case_without_a_record_is_followed_once_by_its_case(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        conv_id, _, first_case, second_case = _setup(s)
        for case_id in (first_case, first_case, second_case):
            subscriptions.subscribe(s, conv_id, None, case_id)
    with session_factory() as s:
        rows = s.scalars(select(Subscription).where(Subscription.conversation_id == conv_id)).all()
        assert sorted((r.person_id, r.case_id, r.active) for r in rows) == [
            (None, first_case, True), (None, second_case, True)]
