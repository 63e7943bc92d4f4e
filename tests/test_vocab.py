"""The vocabularies of common/vocab.py: their order, their plain strings where the API and rows carry
them, and a case's priority upgrade."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.cases.opening import open_case
from common.vocab import URGENT_FIRST, CasePriority, PersonStatus
from db.models import (
    CASE_PRIORITIES,
    CASE_REASONS,
    CASE_STATUSES,
    CHANNELS,
    OUTBOX_STATUSES,
    AuditEvent,
    Conversation,
)


def test_the_api_offers_exactly_each_vocabulary_and_plain_strings() -> None:
    """The OpenAPI document's enums are the vocabularies' values, as plain strings (not enum reprs)."""
    from api.schemas import StatusReportIn

    schema = StatusReportIn.model_json_schema()
    assert schema["properties"]["status"]["enum"] == [str(m.value) for m in PersonStatus]
    assert all(type(v) is str for v in (*CASE_PRIORITIES, *CASE_STATUSES, *CASE_REASONS, *CHANNELS, *OUTBOX_STATUSES))


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
