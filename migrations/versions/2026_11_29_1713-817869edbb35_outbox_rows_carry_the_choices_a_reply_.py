"""outbox rows carry the choices a reply offers

The buttons a reply offers to tap (bot/engine/choices.py: SÍ / NO, HUMANO, "share my number"), as
JSON, so that whichever worker sends the row later shows exactly what the turn decided (Telegram's
reply keyboard). Null for every existing row: they go out as text alone, as before.

Revision ID: 817869edbb35
Revises: c1e3813233cb
Create Date: 2026-11-29 17:13:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '817869edbb35'
down_revision: Union[str, Sequence[str], None] = 'c1e3813233cb'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('outbound_messages') as batch:
        batch.add_column(sa.Column('choices', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbound_messages') as batch:
        batch.drop_column('choices')
