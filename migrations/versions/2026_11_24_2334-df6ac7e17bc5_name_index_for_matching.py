"""name index for matching: person_name_keys, name_variants; recompute person keys

Revision ID: df6ac7e17bc5
Revises: 28d5af9eacbe
Create Date: 2026-11-24 23:34:59.063156

The phonetic key (``Person.phonetic_key``) was empty until now, and the name index is new: both are
computed here for the persons already stored (docs/matching.md). Downgrade drops the index tables;
the phonetic keys left in ``persons`` are harmless to the older code.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = 'df6ac7e17bc5'
down_revision: Union[str, Sequence[str], None] = '28d5af9eacbe'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_BATCH = 5000


def upgrade() -> None:
    op.create_table('name_variants',
    sa.Column('variant', sa.String(length=120), nullable=False),
    sa.Column('token', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('variant', 'token', name=op.f('pk_name_variants'))
    )
    op.create_table('person_name_keys',
    sa.Column('index_key', sa.String(length=120), nullable=False),
    sa.Column('name_size', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('person_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_person_name_keys_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('index_key', 'name_size', 'person_id', name=op.f('pk_person_name_keys'))
    )
    with op.batch_alter_table('person_name_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_name_keys_person_id'), ['person_id'], unique=False)
    _recompute_keys()


def _recompute_keys() -> None:
    # Imported here: the keys are computed by the same pure code the application uses.
    from bot.matching.keys import person_keys
    from bot.matching.name_index import bulk_index_names

    conn = op.get_bind()
    persons = sa.table(
        'persons', sa.column('id', sa.Integer), sa.column('given_names', sa.String),
        sa.column('surnames', sa.String), sa.column('name_key', sa.String), sa.column('given_key', sa.String),
        sa.column('surname_key', sa.String), sa.column('phonetic_key', sa.String),
    )
    update = (
        persons.update()
        .where(persons.c.id == sa.bindparam('pid'))
        .values(name_key=sa.bindparam('nk'), given_key=sa.bindparam('gk'), surname_key=sa.bindparam('sk'),
                phonetic_key=sa.bindparam('pk'))
    )
    after = 0
    while True:
        rows = conn.execute(
            sa.select(persons.c.id, persons.c.given_names, persons.c.surnames)
            .where(persons.c.id > after).order_by(persons.c.id).limit(_BATCH)
        ).all()
        if not rows:
            break
        params = []
        for pid, given, surnames in rows:
            keys = person_keys(given or '', surnames or '')
            params.append({'pid': pid, 'nk': keys['name_key'], 'gk': keys['given_key'],
                           'sk': keys['surname_key'], 'pk': keys['phonetic_key']})
        conn.execute(update, params)
        bulk_index_names(conn, [(pid, g or '', s or '') for pid, g, s in rows], replace=True)
        after = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table('person_name_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_name_keys_person_id'))
    op.drop_table('person_name_keys')
    op.drop_table('name_variants')
