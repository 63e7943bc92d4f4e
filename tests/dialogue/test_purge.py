"""The retention period (SPEC section 9): ``hotline purge --older-than DAYS`` deletes conversations
silent for DAYS with no open case, and everything that is theirs, and keeps the audit trail.
Conversations are real (``handle_inbound`` against the fictional demo roster), then made old."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.cases import linking
from bot.retention import purge_conversations
from db.base import utcnow
from db.models import (
    AuditEvent,
    Case,
    Conversation,
    InboundRecord,
    Inquiry,
    OutboundMessage,
    Subscription,
)
from db.session import session_scope
from tests.support import hotline_env, run_hotline


def _age(factory: sessionmaker[Session], address: str, days: int) -> int:
    """Move a conversation and what it sent and received ``days`` into the past."""
    then = utcnow() - timedelta(days=days)
    with session_scope(factory) as s:
        conv = s.scalars(select(Conversation).where(Conversation.address == address)).one()
        s.execute(update(Conversation).where(Conversation.id == conv.id)
                  .values(created_at=then, updated_at=then, last_inbound_at=then))
        s.execute(update(OutboundMessage).where(OutboundMessage.conversation_id == conv.id)
                  .values(created_at=then, status="sent"))
        return conv.id


def _count(factory: sessionmaker[Session], model: type, conversation_id: int) -> int:
    with factory() as s:
        return s.query(model).filter(model.conversation_id == conversation_id).count()


def _scenario(relative, demo):  # noqa: ANN001, ANN202
    """An old conversation with a disclosure, a subscription and a resolved case; an old one with an
    open case; a recent one."""
    old, busy, recent = relative(), relative(), relative()
    old.say("José Luis Hernández García 03/05/1996")  # a disclosure
    old.say("sí")  # a subscription
    old.say("HUMANO")  # a case, resolved below
    with session_scope(demo) as s:
        linking.resolve_case(s, s.get(Case, old.cases()[-1].id), actor="user:ana", note="Atendido (ficticio).")
    busy.say("Busco a Pedro Inventado Ninguno, hondureño, nacio el 1 de enero de 1990")  # an open case
    recent.say("hola")
    return old, busy, recent, _age(demo, old.address, 120), _age(demo, busy.address, 120)


def test_purge_removes_old_conversations_and_theirs_but_keeps_the_audit_trail(relative, demo) -> None:
    old, busy, recent, old_id, busy_id = _scenario(relative, demo)
    [disclosure] = old.disclosures()
    case_id = old.cases()[-1].id
    for model in (InboundRecord, Inquiry, Subscription, OutboundMessage):
        assert _count(demo, model, old_id) > 0, model

    with session_scope(demo) as s:
        result = purge_conversations(s, 90, actor="test")
    assert result.counts["conversations"] == 1
    assert result.counts["inbound_messages"] == 3 and result.counts["subscriptions"] == 1
    assert result.counts["inquiries"] >= 1 and result.counts["outbound_messages"] >= 3

    with demo() as s:
        addresses = set(s.scalars(select(Conversation.address)))
        assert old.address not in addresses and {busy.address, recent.address} <= addresses
        for model in (InboundRecord, Inquiry, Subscription, OutboundMessage):
            assert s.query(model).filter(model.conversation_id == old_id).count() == 0, model
        assert s.query(InboundRecord).filter(InboundRecord.conversation_id == busy_id).count() == 1
        kept = s.get(AuditEvent, disclosure.id)
        assert kept is not None and kept.details["text"] == disclosure.details["text"]
        case = s.get(Case, case_id)
        assert case is not None and case.conversation_id is None and case.resolution == "Atendido (ficticio)."
        [event] = s.scalars(select(AuditEvent).where(AuditEvent.action == "purge")).all()
        assert event.details["conversations"] == 1 and event.actor == "test"


def test_nothing_recent_is_purged(relative, demo) -> None:
    _scenario(relative, demo)
    with session_scope(demo) as s:
        assert purge_conversations(s, 200).counts["conversations"] == 0


def test_the_command_prints_counts_and_defaults_to_the_retention_setting(relative, demo, db_url) -> None:
    old, *_ = _scenario(relative, demo)
    dry = run_hotline(["purge", "--older-than", "90", "--dry-run"], hotline_env(db_url))
    assert dry.returncode == 0, dry.stderr
    assert "would purge" in dry.stdout and "conversations: 1" in dry.stdout
    kept = run_hotline(["purge"], hotline_env(db_url, RETENTION_DAYS="150"))
    assert kept.returncode == 0 and "conversations: 0" in kept.stdout
    done = run_hotline(["purge", "--older-than", "90"], hotline_env(db_url))
    assert done.returncode == 0, done.stderr
    assert "conversations: 1" in done.stdout and "subscriptions: 1" in done.stdout
    assert old.address not in done.stdout + done.stderr
    bad = run_hotline(["purge", "--older-than", "0"], hotline_env(db_url))
    assert bad.returncode == 2 and "older-than" in bad.stderr
