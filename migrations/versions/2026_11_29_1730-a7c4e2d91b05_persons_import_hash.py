"""persons.import_hash: the hash of the last roster line applied to each person

A re-import of an unchanged list compares each line's hash with this column in the database and
writes nothing for the lines that match (bot/roster/importer.py). Empty for every person at first:
the first re-import after this migration compares every line in full, as before, and stores the
hashes.

Revision ID: a7c4e2d91b05
Revises: 817869edbb35
Create Date: 2026-11-29 17:30:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'a7c4e2d91b05'
down_revision: Union[str, Sequence[str], None] = '817869edbb35'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # A nullable column without a default: no table rewrite on PostgreSQL, ALTER TABLE ADD COLUMN
    # on SQLite.
    op.add_column('persons', sa.Column('import_hash', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('persons') as batch:
        batch.drop_column('import_hash')
