"""visitors' chat flow answers as facts (company size, industry, every question)

Revision ID: 0010_chat_answers
Revises: 0009_salesforce_ids
Create Date: 2026-12-02 09:00:00.000000

Company size and industry answered before this revision were stored as the visitor's
traits under those keys; they are copied into chat_answers so criteria see them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_chat_answers'
down_revision = '0009_salesforce_ids'
branch_labels = None
depends_on = None

KINDS = ('company_size', 'industry')


def upgrade():
    with op.batch_alter_table('visitors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chat_answers', sa.JSON(), nullable=False,
                                      server_default='{}'))
    _copy_answered_traits()


def _copy_answered_traits():
    visitors = sa.table('visitors', sa.column('id', sa.String(36)),
                        sa.column('traits', sa.JSON()), sa.column('chat_answers', sa.JSON()))
    bind = op.get_bind()
    answered = sa.or_(*(visitors.c.traits[kind].as_string().isnot(None) for kind in KINDS))
    rows = bind.execute(sa.select(visitors.c.id, visitors.c.traits).where(answered)).all()
    for visitor_id, traits in rows:
        answers = {kind: str(traits[kind]) for kind in KINDS if traits.get(kind) is not None}
        bind.execute(visitors.update().where(visitors.c.id == visitor_id)
                     .values(chat_answers=answers))


def downgrade():
    with op.batch_alter_table('visitors', schema=None) as batch_op:
        batch_op.drop_column('chat_answers')
