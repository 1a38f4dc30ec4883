"""indexes for the retention job: page views, visits and closed conversations by age

The hourly retention task (jobs/retention.py) finds what is older than
LIVEAPP_RETENTION_DAYS by these columns, 1000 ids at a time; without an index each batch
would read the whole table. On PostgreSQL they are built CONCURRENTLY, so the tables stay
writable while they build.

Revision ID: 0015_retention_indexes
Revises: 0014_visitor_internal_ids
Create Date: 2026-12-02 10:10:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015_retention_indexes'
down_revision = '0014_visitor_internal_ids'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_page_views_at', 'page_views', 'at'),
    ('ix_visit_sessions_ended_at', 'visit_sessions', 'ended_at'),
    ('ix_conversations_closed_at', 'conversations', 'closed_at'),
)


def upgrade():
    with op.get_context().autocommit_block():
        for name, table, column in INDEXES:
            op.create_index(name, table, [column], postgresql_concurrently=True)


def downgrade():
    with op.get_context().autocommit_block():
        for name, table, _ in INDEXES:
            op.drop_index(name, table_name=table, postgresql_concurrently=True)
