"""canned replies: the team's and each rep's own, one shortcut per scope

Revision ID: 0016_canned_replies
Revises: 0015_retention_indexes
Create Date: 2026-12-02 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0016_canned_replies'
down_revision = '0015_retention_indexes'
branch_labels = None
depends_on = None

TEAM = sa.text("owner_id IS NULL")


def upgrade():
    op.create_table('canned_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('shortcut', sa.String(length=32), nullable=False),
    sa.Column('body', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_canned_replies_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_canned_replies')),
    sa.UniqueConstraint('owner_id', 'shortcut', name='uq_canned_replies_owner_shortcut')
    )
    with op.batch_alter_table('canned_replies', schema=None) as batch_op:
        batch_op.create_index('uq_canned_replies_team_shortcut', ['shortcut'], unique=True, sqlite_where=TEAM, postgresql_where=TEAM)


def downgrade():
    with op.batch_alter_table('canned_replies', schema=None) as batch_op:
        batch_op.drop_index('uq_canned_replies_team_shortcut', sqlite_where=TEAM, postgresql_where=TEAM)

    op.drop_table('canned_replies')
