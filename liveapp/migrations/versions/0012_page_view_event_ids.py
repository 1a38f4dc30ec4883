"""page view event ids: the event pipeline records each event once

`page_views.event_id` holds the id the events API gave the event when it appended it to
the pipeline's stream; a unique index makes a redelivered event recognisable. Views
recorded inline (and before this) have none.

Revision ID: 0012_page_view_event_ids
Revises: 0011_flow_branches
Create Date: 2026-12-02 06:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_page_view_event_ids'
down_revision = '0011_flow_branches'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('page_views') as batch_op:
        batch_op.add_column(sa.Column('event_id', sa.String(length=36), nullable=True))
        batch_op.create_index('ix_page_views_event_id', ['event_id'], unique=True)


def downgrade():
    with op.batch_alter_table('page_views') as batch_op:
        batch_op.drop_index('ix_page_views_event_id')
        batch_op.drop_column('event_id')
