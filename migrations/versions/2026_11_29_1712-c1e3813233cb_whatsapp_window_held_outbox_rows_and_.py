"""whatsapp window: held outbox rows and template rows

A WhatsApp row outside the relative's 24-hour window is ``held`` (a status value: the column is a
plain string, nothing to migrate) and one template row per held batch carries its ContentVariables
here. When the relative last wrote is ``conversations.last_inbound_at``, set on every inbound
message since the first schema.

Revision ID: c1e3813233cb
Revises: 5d3192f0fa05
Create Date: 2026-11-29 17:12:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'c1e3813233cb'
down_revision: Union[str, Sequence[str], None] = '5d3192f0fa05'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('outbound_messages') as batch:
        batch.add_column(sa.Column('template_variables', sa.JSON(), nullable=True))


def downgrade() -> None:
    # A held row would be stuck in a status the older code never sends: queue it again.
    op.execute("UPDATE outbound_messages SET status = 'queued' WHERE status = 'held'")
    with op.batch_alter_table('outbound_messages') as batch:
        batch.drop_column('template_variables')
