"""read state of conversations: the newest message the rep and the visitor have seen

Unread counts on the rep's cards and "Seen" in the chat survive a reload. Plain integer
columns (message ids), no foreign key: a message is never deleted alone, only with its
conversation.

Revision ID: 0017_read_state
Revises: 0016_canned_replies
Create Date: 2026-12-02 17:45:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017_read_state'
down_revision = '0016_canned_replies'
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both backends (SQLite 3.35+ drops columns itself): a batch
# rebuild of the table could lose its partial unique index on open conversations.
def upgrade():
    op.add_column('conversations', sa.Column('rep_read_id', sa.Integer(), nullable=True))
    op.add_column('conversations', sa.Column('visitor_read_id', sa.Integer(), nullable=True))


def downgrade():
    op.drop_column('conversations', 'visitor_read_id')
    op.drop_column('conversations', 'rep_read_id')
