"""The vocabularies of common/vocab.py are the ones the database's CHECK constraints allow
(db/models.py keeps its tuples for them): a value added to one and not the other fails here."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.cases import open_case
from common.vocab import URGENT_FIRST, CasePriority, CaseReason, CaseStatus, Channel, OutboxStatus
from db.models import (
    CASE_PRIORITIES,
    CASE_REASONS,
    CASE_STATUSES,
    CHANNELS,
    OUTBOX_STATUSES,
    AuditEvent,
    Conversation,
)


def test_each_vocabulary_is_exactly_what_the_database_allows() -> None:
    assert tuple(CasePriority) == CASE_PRIORITIES
    assert tuple(CaseStatus) == CASE_STATUSES
    assert tuple(CaseReason) == CASE_REASONS
    assert tuple(Channel) == CHANNELS
    assert tuple(OutboxStatus) == OUTBOX_STATUSES


def test_urgent_cases_come_first_and_a_more_urgent_priority_ranks_higher() -> None:
    assert URGENT_FIRST == ("urgent", "high", "normal")
    assert CasePriority.URGENT.rank > CasePriority.HIGH.rank > CasePriority.NORMAL.rank
    assert CasePriority("high") == "high" and f"{CasePriority.URGENT}" == "urgent"  # plain strings in rows


def test_a_more_urgent_reason_upgrades_the_open_case_and_a_less_urgent_one_does_not(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as s:
        conv = Conversation(channel="sms", address="+50255590001", state={})  # fictional
        s.add(conv)
        s.flush()
        opened = open_case(s, conv, reason="no_match", priority="high", person_id=None, details={}, prefix="VOC")
        calmer = open_case(s, conv, reason="ambiguous", priority="normal", person_id=None, details={}, prefix="VOC")
        assert calmer.id == opened.id and (opened.priority, opened.reason) == ("high", "no_match")
        worse = open_case(s, conv, reason="death_notification", priority="urgent", person_id=None, details={},
                          prefix="VOC")
        assert worse.id == opened.id and (opened.priority, opened.reason) == ("urgent", "death_notification")
        [event] = s.scalars(select(AuditEvent).where(AuditEvent.action == "case_escalated")).all()
        assert event.details == {"from": "high", "to": "urgent", "reason": "death_notification"}
