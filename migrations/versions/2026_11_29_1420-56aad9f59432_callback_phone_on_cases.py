"""callback phone on cases

Revision ID: 56aad9f59432
Revises: 5b1e0c7d9a31
Create Date: 2026-11-29 14:20:15.356122

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import db.base


# revision identifiers, used by Alembic.
revision: str = '56aad9f59432'
down_revision: Union[str, Sequence[str], None] = '5b1e0c7d9a31'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Where a person calls the relative back (a death notification on a channel without a number)."""
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("callback_phone", sa.String(length=32), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("callback_phone")
