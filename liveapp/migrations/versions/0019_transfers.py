"""groups' distribution for chat transfers

A chat transferred to a group is offered to its members as the group says: all at once,
the first to accept takes it ("first_available", what existing groups get), or one at a
time in turn ("round_robin").

Revision ID: 0019_transfers
Revises: 0018_business_hours
Create Date: 2026-12-02 18:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019_transfers'
down_revision = '0018_business_hours'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('groups') as batch_op:
        batch_op.add_column(sa.Column('distribution', sa.String(length=20), nullable=False,
                                      server_default='first_available'))


def downgrade():
    # SQLite (3.35+) drops the column in place: a batch copy of `groups` would be refused
    # by the foreign keys of the rows that name a group (members, routing rules).
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE groups DROP COLUMN distribution')
    else:
        op.drop_column('groups', 'distribution')
