"""reports: a stream's and a rule's reps and chats, and a rule's visitors, in the daily rollups

Under a stream or rule filter a chat, message or meeting counts when the visitor was in the
stream (or the rule routed them) that local day, and an offer when its decision had the
stream or rule; a rule's visitors are those it routed that day. Rep and chat facet days
keep those counts per stream and per rule, rule visitor and company days a rule's
visitors, so these filters read the rollups. Days built before have none, so every day is
marked not built: the page reads the history until the reports job has rebuilt them.
Decisions get an index by visitor (a rule filter on chats reads a visitor's decisions).

Revision ID: 0029_stream_rule_days
Revises: 0028_group_visitor_days
Create Date: 2026-12-03 16:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0029_stream_rule_days'
down_revision = '0028_group_visitor_days'
branch_labels = None
depends_on = None


def _ints(*names):
    return [sa.Column(name, sa.Integer(), nullable=False) for name in names]


def _facet():
    return [sa.Column('facet', sa.String(length=6), nullable=False)] + _ints('facet_id')


def _histogram(name):
    return sa.Column(name, sa.Text(), nullable=False)


def _company(owner):
    return (_ints('site_id', 'stream_id')
            + [sa.Column('company_domain', sa.String(length=253), nullable=False),
               sa.Column('company_name', sa.String(length=200), nullable=True),
               sa.Column('target', sa.Boolean(), nullable=False)] + _ints('visitors', owner))


TABLES = {
    'report_rep_facet_days': (
        _ints('site_id', 'rep_id', 'offers', 'accepts', 'declines', 'timeouts', 'chats',
              'messages', 'meetings') + [_histogram('accept_seconds')] + _facet(),
        ['facet', 'facet_id', 'site_id', 'rep_id'], None),
    'report_chat_facet_days': (
        _ints('site_id', 'rep_id') + [sa.Column('origin', sa.String(length=10), nullable=False)]
        + _ints('chats', 'answered', 'with_meeting') + [_histogram('response_seconds')]
        + _facet(),
        ['facet', 'facet_id', 'site_id', 'rep_id', 'origin'], None),
    'report_rule_visitor_days': (
        _ints('site_id', 'stream_id', 'visitors', 'identified', 'target', 'rule_id'),
        ['rule_id', 'site_id', 'stream_id'],
        ['zone', 'rule_id', 'stream_id', 'day', 'site_id', 'visitors', 'identified']),
    'report_rule_company_days': (
        _company('rule_id'),
        ['rule_id', 'site_id', 'stream_id', 'company_domain'],
        ['zone', 'rule_id', 'stream_id', 'company_domain', 'day', 'site_id', 'visitors',
         'target', 'company_name']),
}


def upgrade():
    for name, (columns, key, read) in TABLES.items():
        op.create_table(name, sa.Column('id', sa.Integer(), nullable=False),
                        sa.Column('zone', sa.String(length=64), nullable=False),
                        sa.Column('day', sa.Date(), nullable=False), *columns,
                        sa.PrimaryKeyConstraint('id'))
        op.create_index(f'uq_{name}_key', name, ['zone', 'day', *key], unique=True)
        if read:
            op.create_index(f'ix_{name}_read', name, read)
    op.create_index('ix_routing_decisions_visitor', 'routing_decisions',
                    ['visitor_id', 'decided_at', 'rule_id'])
    op.execute('DELETE FROM report_days_built')


def downgrade():
    op.drop_index('ix_routing_decisions_visitor', table_name='routing_decisions')
    for name, (_, _, read) in reversed(list(TABLES.items())):
        if read:
            op.drop_index(f'ix_{name}_read', table_name=name)
        op.drop_index(f'uq_{name}_key', table_name=name)
        op.drop_table(name)
