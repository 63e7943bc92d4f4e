"""pending status reports (four eyes)

Revision ID: 83817035171e
Revises: df6ac7e17bc5
Create Date: 2026-11-24 23:47:32.019297

A ``deceased`` status needs a second person's confirmation before it takes effect
(bot/status_review.py, docs/operations.md). Proposals and their decisions are kept in this table.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

import db.base


# revision identifiers, used by Alembic.
revision: str = '83817035171e'
down_revision: Union[str, Sequence[str], None] = 'df6ac7e17bc5'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('pending_status_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=True),
    sa.Column('source', sa.String(length=300), nullable=True),
    sa.Column('verified_by', sa.String(length=200), nullable=True),
    sa.Column('verified_at', db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expected_version', sa.Integer(), nullable=True),
    sa.Column('proposed_by_user_id', sa.Integer(), nullable=True),
    sa.Column('proposed_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=200), nullable=True),
    sa.Column('decided_at', db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision', sa.String(length=20), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('status_report_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_pending_status_reports_person_id_persons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposed_by_user_id'], ['users.id'], name=op.f('fk_pending_status_reports_proposed_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['status_report_id'], ['status_reports.id'], name=op.f('fk_pending_status_reports_status_report_id_status_reports'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_status_reports'))
    )
    with op.batch_alter_table('pending_status_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_status_reports_decision'), ['decision'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_status_reports_person_id'), ['person_id'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('pending_status_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_status_reports_person_id'))
        batch_op.drop_index(batch_op.f('ix_pending_status_reports_decision'))

    op.drop_table('pending_status_reports')
