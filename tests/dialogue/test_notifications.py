"""When a verified report changes a person's status, the relatives who follow that person are told
through the disclosure policy, each on their own channel (SPEC section 5); a death opens urgent
cases and sends no text. Real conversations through ``handle_inbound`` against the fictional demo
roster: DEMO-002 José Luis Hernández López (GT, 1991-08-17, unconfirmed)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import status_review
from bot import texts_es as T
from bot.cases import linking
from bot.status_review import confirm_pending, propose_status
from common.settings import Settings
from db.models import AuditEvent, Case, Conversation, OutboundMessage, Person, Subscription
from db.repositories import outbox
from db.repositories.status import NewReport
from db.session import session_scope
from tests.dialogue.conftest import person_id

ASK = "José Luis Hernández López, guatemalteco, nació el 17/08/1991"
SAFE = NewReport("safe", "Albergue Municipal Ficticio, Ciudad Juárez", "INM (FICTICIO), lista de ilesos 30/03 09:00")


def _follow(r) -> None:  # noqa: ANN001 - the Relative of tests/dialogue/conftest.py
    r.say(ASK)
    replies = r.say("sí")
    assert any("Le avisaremos" in reply for reply in replies), replies


def _conversation_id(factory: sessionmaker[Session], r) -> int:  # noqa: ANN001
    with factory() as s:
        return s.scalars(select(Conversation.id).where(Conversation.channel == r.channel,
                                                       Conversation.address == r.address)).one()


def _notifications(factory: sessionmaker[Session]) -> list[OutboundMessage]:
    with factory() as s:
        return list(s.scalars(select(OutboundMessage).where(OutboundMessage.kind == "notification")
                              .order_by(OutboundMessage.id)))


def _record(factory: sessionmaker[Session], settings: Settings, report: NewReport) -> None:
    with session_scope(factory) as s:
        person = s.scalars(select(Person).where(Person.external_id == "DEMO-002")).one()
        status_review.record_status(s, person, report, settings, actor="user:ana")


def test_every_follower_is_told_on_their_own_channel_with_an_audited_disclosure(relative, demo, settings) -> None:
    on_local, on_sms = relative("local"), relative("sms", "+50255551234")
    _follow(on_local)
    _follow(on_sms)
    _record(demo, settings, SAFE)

    sent = _notifications(demo)
    assert {(m.channel, m.recipient) for m in sent} == {("local", on_local.address), ("sms", "+50255551234")}
    for message in sent:
        assert message.priority == outbox.PRIORITY_BULK and message.status == "queued"
        assert "Albergue Municipal Ficticio" in message.text and "INM (FICTICIO)" in message.text
    sms_text = next(m.text for m in sent if m.channel == "sms")
    assert "José Luis Hernández López" in next(m.text for m in sent if m.channel == "local")
    assert "Hernandez Lopez" in sms_text and "informacion" in sms_text  # folded to GSM-7 for SMS
    local_id, sms_id = _conversation_id(demo, on_local), _conversation_id(demo, on_sms)
    with demo() as s:
        disclosures = {e.details["conversation_id"]: e for e in s.scalars(
            select(AuditEvent).where(AuditEvent.action == "disclosure", AuditEvent.actor == "user:ana"))}
    assert set(disclosures) == {local_id, sms_id}
    assert disclosures[sms_id].details["text"] == sms_text
    assert disclosures[sms_id].subject_id == str(person_id(demo, "DEMO-002"))


def test_the_same_report_twice_is_not_news(relative, demo, settings) -> None:
    r = relative()
    _follow(r)
    _record(demo, settings, SAFE)
    _record(demo, settings, NewReport(SAFE.status, SAFE.location, "INM (FICTICIO), segunda lista"))
    assert len(_notifications(demo)) == 1
    _record(demo, settings, NewReport("hospitalized", "Hospital Ficticio", "Parte médico ficticio"))
    assert len(_notifications(demo)) == 2


def test_a_follower_whose_details_conflict_is_not_told(relative, demo, settings) -> None:
    knows, conflicts = relative(), relative()
    _follow(knows)
    # Another relative gives a birth date that contradicts the record: a case, which an operator
    # then links to the record (the link itself discloses nothing: the details conflict).
    conflicts.say("José Luis Hernández López, guatemalteco, nació el 17/08/1985")
    conflicts.say("sí")
    with session_scope(demo) as s:
        case = s.scalars(select(Case).join(Conversation, Conversation.id == Case.conversation_id)
                         .where(Conversation.address == conflicts.address)).one()
        assert case.reason == "conflicting_details"
        person = s.scalars(select(Person).where(Person.external_id == "DEMO-002")).one()
        result = linking.link_case(s, case, person, settings, actor="user:ana")
        assert not result.disclosed
    conversation, person_002 = _conversation_id(demo, conflicts), person_id(demo, "DEMO-002")
    with demo() as s:
        sub = s.scalars(select(Subscription).where(Subscription.conversation_id == conversation)).one()
        assert sub.person_id == person_002 and sub.active

    _record(demo, settings, SAFE)
    assert [m.recipient for m in _notifications(demo)] == [knows.address]


def test_a_follower_who_opted_out_is_not_told(relative, demo, settings) -> None:
    stays, leaves = relative(), relative()
    _follow(stays)
    _follow(leaves)
    assert leaves.say("BAJA") == [T.OPTED_OUT]
    _record(demo, settings, SAFE)
    assert [m.recipient for m in _notifications(demo)] == [stays.address]


def test_a_confirmed_death_opens_urgent_cases_and_sends_no_text(relative, demo, settings) -> None:
    a, b = relative("local"), relative("sms", "+50255559876")
    _follow(a)
    _follow(b)
    with demo() as s:
        before = s.query(OutboundMessage).count()
    with session_scope(demo) as s:
        person = s.scalars(select(Person).where(Person.external_id == "DEMO-002")).one()
        pending = propose_status(s, person, NewReport("deceased", "Servicio Médico Forense (FICTICIO)",
                                                      "Fiscalía (FICTICIO), lista 31/03"), settings,
                                 actor="user:ana")
        pending_id = pending.id
    assert a.cases()[-1].priority == "normal"  # a proposal alone changes nothing for the families
    with session_scope(demo) as s:
        confirm_pending(s, pending_id, settings, actor="user:beto")

    with demo() as s:
        assert s.query(OutboundMessage).count() == before
        assert s.query(AuditEvent).filter_by(action="disclosure", actor="user:beto").count() == 0
    for r in (a, b):
        case = r.cases()[-1]
        assert (case.priority, case.reason) == ("urgent", "death_notification")
        assert case.person_id == person_id(demo, "DEMO-002")
