"""console accounts: server-side sessions, second factor, login throttle; token owners and expiry;
who proposed a death

Revision ID: a7c3e91d5b20
Revises: f06b4f32aba5
Create Date: 2026-11-29 14:30:00

Existing tokens become tokens of a named integration (their name); existing proposals get their
proposer from the recorded actor (``user:<name>`` -> that user's id, ``token:<id>`` -> that token's
integration), so that four eyes compare people for them too.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import db.base


# revision identifiers, used by Alembic.
revision: str = 'a7c3e91d5b20'
down_revision: Union[str, Sequence[str], None] = 'f06b4f32aba5'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('password_changed_at', db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled_at', db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))

    op.create_table(
        'recovery_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('used_at', db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes')),
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)

    op.create_table(
        'console_sessions',
        sa.Column('id_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('stage', sa.String(length=20), nullable=False),
        sa.Column('created_at', db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('ended_at', db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('ended_reason', sa.String(length=30), nullable=True),
        sa.Column('failed_codes', sa.Integer(), nullable=False),
        sa.Column('pending_totp_secret', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_console_sessions_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id_hash', name=op.f('pk_console_sessions')),
    )
    with op.batch_alter_table('console_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_sessions_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_console_sessions_expires_at'), ['expires_at'], unique=False)

    op.create_table(
        'login_throttle',
        sa.Column('scope', sa.String(length=10), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_failure_at', db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('blocked_until', db.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('scope', 'key', name=op.f('pk_login_throttle')),
    )

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('integration', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('expires_at', db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_api_tokens_user_id_users'), 'users', ['user_id'], ['id'],
                                    ondelete='CASCADE')
    op.execute("UPDATE api_tokens SET integration = name")

    with op.batch_alter_table('pending_status_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proposer', sa.String(length=200), nullable=True))
    op.execute("UPDATE pending_status_reports SET proposer = 'user:' || CAST(proposed_by_user_id AS VARCHAR(20)) "
               "WHERE proposed_by_user_id IS NOT NULL")
    op.execute("UPDATE pending_status_reports SET proposer = 'integration:' || (SELECT t.integration FROM api_tokens t "
               "WHERE 'token:' || CAST(t.id AS VARCHAR(20)) = pending_status_reports.proposed_by) "
               "WHERE proposer IS NULL AND proposed_by LIKE 'token:%'")
    op.execute("UPDATE pending_status_reports SET proposer = proposed_by WHERE proposer IS NULL")


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('pending_status_reports', schema=None) as batch_op:
        batch_op.drop_column('proposer')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_api_tokens_user_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))
        batch_op.drop_column('expires_at')
        batch_op.drop_column('integration')
        batch_op.drop_column('user_id')
    op.drop_table('login_throttle')
    with op.batch_alter_table('console_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_sessions_expires_at'))
        batch_op.drop_index(batch_op.f('ix_console_sessions_user_id'))
    op.drop_table('console_sessions')
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_user_id'))
    op.drop_table('recovery_codes')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_enabled_at')
        batch_op.drop_column('totp_secret')
        batch_op.drop_column('password_changed_at')
        batch_op.drop_column('phone')
