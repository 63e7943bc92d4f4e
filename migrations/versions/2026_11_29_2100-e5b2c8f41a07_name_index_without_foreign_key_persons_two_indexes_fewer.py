"""name index without its foreign key to persons; persons without the two indexes no query uses

Issue 15 (import performance). A roster import writes about seven ``person_name_keys`` rows per
person; PostgreSQL checked each against ``persons`` through the foreign key (an index lookup and a
``FOR KEY SHARE`` lock on the person just inserted): about 40 % of the server's CPU for a first
import (docs/benchmarks.md, "Import"). The constraint guarded nothing the code relies on: no code
deletes a person (retention deletes conversations, never persons), the name index is written only
with its persons (bot.matching.name_index), and a search joins the keys with ``persons``, so a key
left without its person would be found by nobody. Its ``ON DELETE CASCADE`` is replaced by
``db.repositories.name_index.forget_persons``, which whoever deletes persons must call first. The
index on ``person_id`` stays: re-indexing a person replaces its keys by ``person_id``.

``ix_persons_given_key`` and ``ix_persons_phonetic_key``: no query filters or sorts on those
columns (the name search reads ``person_name_keys``; the person list sorts by surname key, given key
and id, which ``ix_persons_surname_key`` serves; EXPLAIN on a migrated database, and
``pg_stat_user_indexes`` showed no scan of either). Each cost a B-tree insertion per new person
and per renamed one.

Downgrade: the index keys of persons that no longer exist are deleted first, then the foreign key
and the two indexes come back.

Revision ID: e5b2c8f41a07
Revises: a7c4e2d91b05
Create Date: 2026-11-29 21:00:00.000000

"""
from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = 'e5b2c8f41a07'
down_revision: str | Sequence[str] | None = 'a7c4e2d91b05'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # SQLite cannot drop a constraint: batch mode copies the table without it.
    with op.batch_alter_table('person_name_keys', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_person_name_keys_person_id_persons'), type_='foreignkey')
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_index('ix_persons_given_key')
        batch_op.drop_index('ix_persons_phonetic_key')


def downgrade() -> None:
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.create_index('ix_persons_phonetic_key', ['phonetic_key'], unique=False)
        batch_op.create_index('ix_persons_given_key', ['given_key'], unique=False)
    # Keys of persons deleted since the upgrade would refuse the constraint.
    op.execute('DELETE FROM person_name_keys WHERE person_id NOT IN (SELECT id FROM persons)')
    with op.batch_alter_table('person_name_keys', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_person_name_keys_person_id_persons'), 'persons', ['person_id'],
                                    ['id'], ondelete='CASCADE')
