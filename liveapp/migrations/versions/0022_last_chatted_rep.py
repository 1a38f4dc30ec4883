"""routing rules: a "last chatted rep" step (days back; null: off)

Revision ID: 0022_last_chatted_rep
Revises: 0021_invitation_triggers
Create Date: 2026-12-02 18:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0022_last_chatted_rep'
down_revision = '0021_invitation_triggers'
branch_labels = None
depends_on = None


# In place, not as a batch copy: on SQLite a copy of `routing_rules` would cascade-delete
# the rows that refer to it (its users and groups). SQLite 3.35+ drops columns.
def upgrade():
    op.add_column('routing_rules', sa.Column('last_chatted_days', sa.Integer(), nullable=True))


def downgrade():
    op.drop_column('routing_rules', 'last_chatted_days')
