"""reports: a rep's visitors per day in the daily rollups (rep visitor and company days)

A rep's visitors on a day are those the rep was offered or chatted with that day; these
rows let the Reports page answer a rep's visitors section from the rollups. Days built
before have none, so every day is marked not built: the page reads the history until the
reports job has rebuilt them (today and yesterday at once, then 31 older days a run).

Revision ID: 0027_rep_visitor_days
Revises: 0026_report_visitor_index
Create Date: 2026-12-03 14:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0027_rep_visitor_days'
down_revision = '0026_report_visitor_index'
branch_labels = None
depends_on = None


def _ints(*names):
    return [sa.Column(name, sa.Integer(), nullable=False) for name in names]


TABLES = {
    'report_rep_visitor_days': (
        _ints('rep_id', 'site_id', 'stream_id', 'visitors', 'identified', 'target'),
        ['rep_id', 'site_id', 'stream_id'],
        ['zone', 'rep_id', 'stream_id', 'day', 'site_id', 'visitors', 'identified']),
    'report_rep_company_days': (
        _ints('rep_id', 'site_id', 'stream_id')
        + [sa.Column('company_domain', sa.String(length=253), nullable=False),
           sa.Column('company_name', sa.String(length=200), nullable=True),
           sa.Column('target', sa.Boolean(), nullable=False)] + _ints('visitors'),
        ['rep_id', 'site_id', 'stream_id', 'company_domain'],
        ['zone', 'rep_id', 'stream_id', 'company_domain', 'day', 'site_id', 'visitors',
         'target', 'company_name']),
}


def upgrade():
    for name, (columns, key, read) in TABLES.items():
        op.create_table(name, sa.Column('id', sa.Integer(), nullable=False),
                        sa.Column('zone', sa.String(length=64), nullable=False),
                        sa.Column('day', sa.Date(), nullable=False), *columns,
                        sa.PrimaryKeyConstraint('id'))
        op.create_index(f'uq_{name}_key', name, ['zone', 'day', *key], unique=True)
        op.create_index(f'ix_{name}_read', name, read)
    op.execute('DELETE FROM report_days_built')


def downgrade():
    for name in reversed(list(TABLES)):
        op.drop_index(f'ix_{name}_read', table_name=name)
        op.drop_index(f'uq_{name}_key', table_name=name)
        op.drop_table(name)
