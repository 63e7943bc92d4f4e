"""The retention period (SPEC section 9): conversations are purged once nothing has happened in
them for ``retention_days`` and no case about them is open.

What goes: the conversation (its channel address: phone number or chat id, and its dialogue state
with the details the relative gave), what the relative wrote, their inquiries and subscriptions, and
what we sent them. What stays: the audit trail (every disclosure with its exact text, every status
change, who read what: accountability outlives the conversation), cases with their references and
resolutions (no longer linked to a conversation), person records and their status history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from db.base import utcnow
from db.repositories import audit
from db.repositories import retention as repo


@dataclass(frozen=True)
class PurgeResult:
    cutoff: datetime
    counts: dict[str, int]


def purge_conversations(session: Session, older_than_days: int, *, actor: str = "system",
                        now: datetime | None = None, dry_run: bool = False) -> PurgeResult:
    """Delete the conversations silent for ``older_than_days`` (and theirs); one audit event."""
    if older_than_days < 1:
        raise ValueError("the retention period must be at least one day")
    cutoff = (now or utcnow()) - timedelta(days=older_than_days)
    ids = repo.stale_conversation_ids(session, cutoff)
    if dry_run:
        return PurgeResult(cutoff, {"conversations": len(ids)})
    counts = repo.delete_conversations(session, ids)
    audit.record(session, actor=actor, action="purge", subject_type="conversation", subject_id=None,
                 details={"older_than_days": older_than_days, "cutoff": cutoff.isoformat(), **counts})
    return PurgeResult(cutoff, counts)
