"""experiences: an invitation trigger (the widget opens by itself)

Revision ID: 0021_invitation_triggers
Revises: 0019_transfers
Create Date: 2026-12-02 18:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0021_invitation_triggers'
down_revision = '0019_transfers'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('experiences') as batch:
        batch.add_column(sa.Column('invitation', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('experiences') as batch:
        batch.drop_column('invitation')
