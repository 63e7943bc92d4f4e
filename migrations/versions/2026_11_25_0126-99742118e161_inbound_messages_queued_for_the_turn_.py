"""inbound messages queued for the turn workers

Revision ID: 99742118e161
Revises: 83817035171e
Create Date: 2026-11-25 01:26:57.217933

Webhooks now only record an inbound message and answer; the turn workers run the dialogue
(bot/turns.py). A recorded message carries who wrote it (``address``) and its processing state;
its conversation is set when its turn runs. Messages recorded before this revision were handled
when they arrived: they become ``done``.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import db.base


# revision identifiers, used by Alembic.
revision: str = '99742118e161'
down_revision: Union[str, Sequence[str], None] = '83817035171e'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('state', sa.String(length=10), server_default='pending', nullable=False))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('next_attempt_at', db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_error', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('processed_at', db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.alter_column('conversation_id',
               existing_type=sa.INTEGER(),
               nullable=True)
    op.execute("UPDATE inbound_messages SET state = 'done', processed_at = received_at, "
               "address = (SELECT c.address FROM conversations c WHERE c.id = inbound_messages.conversation_id)")
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.alter_column('address', existing_type=sa.String(length=100), nullable=False)
        batch_op.create_index('ix_inbound_messages_pending', ['id'], unique=False,
                              postgresql_where=sa.text("state = 'pending'"), sqlite_where=sa.text("state = 'pending'"))


def downgrade() -> None:
    """Downgrade schema."""
    # The old schema cannot hold a message without its conversation (one whose turn has not run).
    op.execute("DELETE FROM inbound_messages WHERE conversation_id IS NULL")
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_messages_pending', postgresql_where=sa.text("state = 'pending'"), sqlite_where=sa.text("state = 'pending'"))
        batch_op.alter_column('conversation_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('processed_at')
        batch_op.drop_column('last_error')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('attempts')
        batch_op.drop_column('state')
        batch_op.drop_column('address')
