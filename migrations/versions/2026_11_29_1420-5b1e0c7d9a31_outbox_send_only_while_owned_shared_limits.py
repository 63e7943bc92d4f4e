"""outbox: send only while owned, shared limits

Revision ID: 5b1e0c7d9a31
Revises: a7c3e91d5b20
Create Date: 2026-11-29 14:20:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import db.base


# revision identifiers, used by Alembic.
revision: str = '5b1e0c7d9a31'
down_revision: Union[str, Sequence[str], None] = 'a7c3e91d5b20'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """When each send began and how often it was repeated without knowing; a recipient index; the
    provider limits shared by all workers (bot/outbox/ratelimit.py)."""
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("send_started_at", db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("repeats", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_index("ix_outbound_messages_recipient", ["recipient", "channel", "id"], unique=False)
    op.create_table(
        "outbox_rate_limits",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("next_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_outbox_rate_limits")),
    )


def downgrade() -> None:
    op.drop_table("outbox_rate_limits")
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbound_messages_recipient")
        batch_op.drop_column("repeats")
        batch_op.drop_column("send_started_at")
