"""proof lock per person across contacts

Revision ID: f06b4f32aba5
Revises: 99742118e161
Create Date: 2026-11-29 13:56:44.945847

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import db.base


# revision identifiers, used by Alembic.
revision: str = 'f06b4f32aba5'
down_revision: Union[str, Sequence[str], None] = '99742118e161'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Failed proofs per person across contacts, and the lock they set (SPEC 5, rule 6)."""
    op.create_table(
        "proof_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("stated", sa.JSON(), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"],
                                name=op.f("fk_proof_attempts_conversation_id_conversations"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"],
                                name=op.f("fk_proof_attempts_person_id_persons"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proof_attempts")),
    )
    with op.batch_alter_table("proof_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proof_attempts_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_proof_attempts_conversation_id"), ["conversation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_proof_attempts_created_at"), ["created_at"], unique=False)
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("proof_locked_at", db.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_column("proof_locked_at")
    op.drop_table("proof_attempts")
