"""``outbox.enqueue_many``: a turn's replies in one statement (one row: a plain INSERT; more:
executemany). Whatever the number of rows, each id returned belongs to the row at the same place,
and every row is stored as given, queued."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Conversation, OutboundMessage
from db.repositories import outbox


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 9])
def test_each_id_is_its_rows_and_the_rows_are_stored_as_given(session_factory: sessionmaker[Session],
                                                             count: int) -> None:
    with session_factory() as s, s.begin():
        conversation = Conversation(channel="sms", address="+50255550100", state={}, opted_out=False)
        s.add(conversation)
        s.flush()
        # A row queued before, in the same transaction: the ids returned are only the new rows'.
        outbox.enqueue(s, channel="telegram", recipient="1234", text="antes (ficticio)")
        rows = [{"channel": "sms" if i % 2 else "telegram", "recipient": f"+5025555{i:04d}",
                 "text": f"respuesta {i} (ficticia)", "kind": "reply" if i % 3 else "followup",
                 "priority": i % 3, "conversation_id": conversation.id if i % 2 else None,
                 "choices": {"expects": "yes_no", "n": i} if i % 2 == 0 else None} for i in range(count)]
        ids = outbox.enqueue_many(s, list(reversed(rows)))
    assert len(ids) == count == len(set(ids))
    with session_factory() as s:
        stored = {m.id: m for m in s.scalars(select(OutboundMessage).where(OutboundMessage.id.in_(ids)))}
        for given, row_id in zip(reversed(rows), ids, strict=True):
            m = stored[row_id]
            assert (m.channel, m.recipient, m.text, m.kind, m.priority, m.conversation_id, m.choices) == (
                given["channel"], given["recipient"], given["text"], given["kind"], given["priority"],
                given["conversation_id"], given["choices"])
            assert m.status == "queued" and m.next_attempt_at is not None and m.attempts == 0


def test_nothing_to_queue_writes_nothing(session: Session) -> None:
    assert outbox.enqueue_many(session, []) == []
    assert session.scalars(select(OutboundMessage)).first() is None
