"""reports: covering indexes for the Reports page's queries

Each report reads one time window of a history table and groups it; these indexes start
with the time column and carry every column the report reads, so both backends answer
from the index alone (no visit to the table per row). They replace the plain time indexes
of 0023 (a prefix of each). bench/reports.py (1,000,000 page views, 100,000 routing
decisions) measured the section times with and without them: see bench/README.md.
On PostgreSQL they are built CONCURRENTLY, so the tables stay writable while they build.

Revision ID: 0024_report_indexes
Revises: 0023_report_history
Create Date: 2026-12-03 08:00:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0024_report_indexes'
down_revision = '0023_report_history'
branch_labels = None
depends_on = None

# (name, table, columns, the index of 0023 it replaces). Two kinds: time first (a window
# read in order; PostgreSQL then hashes the groups), and the grouping columns first, then
# time (SQLite skip-scans the few groups, each time range in order, with no sort: measured
# 1,379 ms -> 58 ms for decisions per rule and outcome over 90 days, load average 5).
INDEXES = (
    ('ix_visitor_hours_report', 'visitor_hours',
     ['hour', 'site_id', 'stream_id', 'identified', 'visitor_id'],
     ('ix_visitor_hours_hour_site', ['hour', 'site_id'])),
    ('ix_visitor_hours_company', 'visitor_hours',
     ['hour', 'company_domain', 'target', 'visitor_id', 'site_id', 'stream_id'], None),
    ('ix_routing_decisions_report', 'routing_decisions',
     ['decided_at', 'rule_id', 'outcome', 'site_id', 'stream_id', 'owner_known',
      'owner_routed', 'visitor_id'],
     ('ix_routing_decisions_decided_at', ['decided_at'])),
    ('ix_routing_decisions_rule', 'routing_decisions',
     ['rule_id', 'rule_name', 'outcome', 'decided_at', 'site_id', 'stream_id'], None),
    ('ix_routing_skips_reason', 'routing_skips',
     ['reason', 'decided_at', 'rep_id', 'decision_id'], None),
    ('ix_offers_report', 'offers',
     ['offered_at', 'rep_id', 'outcome', 'decision_id', 'answered_at'],
     ('ix_offers_offered_at', ['offered_at'])),
    ('ix_offers_rep_outcome', 'offers',
     ['rep_id', 'outcome', 'offered_at', 'answered_at', 'decision_id'], None),
    ('ix_messages_rep_sent_at', 'messages', ['sender', 'rep_id', 'sent_at', 'conversation_id'],
     None),
    ('ix_messages_conversation_sender', 'messages', ['conversation_id', 'sender', 'sent_at'],
     None),
    ('ix_conversations_report', 'conversations', ['started_at', 'origin', 'rep_id',
                                                  'visitor_id'],
     ('ix_conversations_started_at', ['started_at'])),
    ('ix_conversations_origin', 'conversations', ['origin', 'started_at', 'rep_id',
                                                  'visitor_id'], None),
)


def upgrade():
    with op.get_context().autocommit_block():
        for name, table, columns, replaced in INDEXES:
            op.create_index(name, table, columns, postgresql_concurrently=True)
            if replaced:
                op.drop_index(replaced[0], table_name=table, postgresql_concurrently=True)


def downgrade():
    with op.get_context().autocommit_block():
        for name, table, _, replaced in INDEXES:
            if replaced:
                op.create_index(replaced[0], table, replaced[1], postgresql_concurrently=True)
            op.drop_index(name, table_name=table, postgresql_concurrently=True)
