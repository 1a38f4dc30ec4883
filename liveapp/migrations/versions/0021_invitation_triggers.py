"""experiences: an invitation trigger (the widget opens by itself)

Revision ID: 0021_invitation_triggers
Revises: 0020_transcript_search
Create Date: 2026-12-02 18:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0021_invitation_triggers'
down_revision = '0020_transcript_search'
branch_labels = None
depends_on = None


# In place, not as a batch copy: on SQLite a copy of `experiences` would cascade-delete
# the rows that refer to it (audiences, streams' experiences). SQLite 3.35+ drops columns.
def upgrade():
    op.add_column('experiences', sa.Column('invitation', sa.JSON(), nullable=True))


def downgrade():
    op.drop_column('experiences', 'invitation')
