"""reports: daily rollups per time zone (visitor, company, decision, skip, rep and chat
days, and which days are built), rebuilt by the reports job (jobs/reports.py)

Revision ID: 0025_report_days
Revises: 0024_report_indexes
Create Date: 2026-12-03 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0025_report_days'
down_revision = '0024_report_indexes'
branch_labels = None
depends_on = None


def _zone_day():
    return [sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('zone', sa.String(length=64), nullable=False),
            sa.Column('day', sa.Date(), nullable=False)]


def _ints(*names):
    return [sa.Column(name, sa.Integer(), nullable=False) for name in names]


TABLES = {
    'report_days_built': ([sa.Column('built_at', sa.DateTime(), nullable=False)], []),
    'report_visitor_days': (_ints('site_id', 'stream_id', 'visitors', 'identified',
                                  'target'), ['site_id', 'stream_id']),
    'report_company_days': (
        _ints('site_id', 'stream_id')
        + [sa.Column('company_domain', sa.String(length=253), nullable=False),
           sa.Column('company_name', sa.String(length=200), nullable=True),
           sa.Column('target', sa.Boolean(), nullable=False)] + _ints('visitors'),
        ['site_id', 'stream_id', 'company_domain']),
    'report_decision_days': (
        _ints('site_id', 'stream_id', 'rule_id')
        + [sa.Column('rule_name', sa.String(length=120), nullable=False),
           sa.Column('outcome', sa.String(length=12), nullable=False)]
        + _ints('decisions', 'owner_known', 'owner_routed'),
        ['site_id', 'stream_id', 'rule_id', 'rule_name', 'outcome']),
    'report_skip_days': (
        _ints('site_id', 'stream_id', 'rule_id')
        + [sa.Column('reason', sa.String(length=80), nullable=False)] + _ints('skips'),
        ['site_id', 'stream_id', 'rule_id', 'reason']),
    'report_rep_days': (
        _ints('site_id', 'rep_id', 'offers', 'accepts', 'declines', 'timeouts', 'chats',
              'messages', 'meetings')
        + [sa.Column('accept_seconds', sa.Text(), nullable=False)],
        ['site_id', 'rep_id']),
    'report_chat_days': (
        _ints('site_id', 'rep_id')
        + [sa.Column('origin', sa.String(length=10), nullable=False)]
        + _ints('chats', 'answered', 'with_meeting')
        + [sa.Column('response_seconds', sa.Text(), nullable=False)],
        ['site_id', 'rep_id', 'origin']),
}


# Covering indexes for the page's reads of the larger rollups (every column read).
READ = {
    'report_company_days': ['zone', 'stream_id', 'company_domain', 'day', 'site_id',
                            'visitors', 'target', 'company_name'],
    'report_decision_days': ['zone', 'day', 'site_id', 'stream_id', 'rule_id', 'rule_name',
                             'outcome', 'decisions', 'owner_known', 'owner_routed'],
    'report_skip_days': ['zone', 'day', 'site_id', 'stream_id', 'rule_id', 'reason', 'skips'],
}


def upgrade():
    for name, (columns, key) in TABLES.items():
        op.create_table(name, *_zone_day(), *columns, sa.PrimaryKeyConstraint('id'))
        op.create_index(f'uq_{name}_key', name, ['zone', 'day', *key], unique=True)
        if name in READ:
            op.create_index(f'ix_{name}_read', name, READ[name])


def downgrade():
    for name in reversed(list(TABLES)):
        if name in READ:
            op.drop_index(f'ix_{name}_read', table_name=name)
        op.drop_index(f'uq_{name}_key', table_name=name)
        op.drop_table(name)
