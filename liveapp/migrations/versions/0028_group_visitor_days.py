"""reports: a group's visitors per day in the daily rollups (group visitor and company days)

A group's visitors on a day are those a member was offered or chatted with that day, each
once; these rows let the Reports page answer a group's visitors section from the rollups.
`report_group_days_built` says which members each group's rows of a day were counted
from: the page reads them only while the group has those members. Days built before have
no such marks, so a group's visitors read the history until the reports job has built
them; nothing else of those days needs rebuilding.

Revision ID: 0028_group_visitor_days
Revises: 0027_rep_visitor_days
Create Date: 2026-12-03 15:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0028_group_visitor_days'
down_revision = '0027_rep_visitor_days'
branch_labels = None
depends_on = None


def _ints(*names):
    return [sa.Column(name, sa.Integer(), nullable=False) for name in names]


TABLES = {
    'report_group_visitor_days': (
        _ints('site_id', 'stream_id', 'visitors', 'identified', 'target', 'group_id'),
        ['group_id', 'site_id', 'stream_id'],
        ['zone', 'group_id', 'stream_id', 'day', 'site_id', 'visitors', 'identified']),
    'report_group_company_days': (
        _ints('site_id', 'stream_id')
        + [sa.Column('company_domain', sa.String(length=253), nullable=False),
           sa.Column('company_name', sa.String(length=200), nullable=True),
           sa.Column('target', sa.Boolean(), nullable=False)] + _ints('visitors', 'group_id'),
        ['group_id', 'site_id', 'stream_id', 'company_domain'],
        ['zone', 'group_id', 'stream_id', 'company_domain', 'day', 'site_id', 'visitors',
         'target', 'company_name']),
    'report_group_days_built': (
        _ints('group_id') + [sa.Column('members', sa.String(length=64), nullable=False)],
        ['group_id'],
        ['zone', 'group_id', 'day', 'members']),
}


def upgrade():
    for name, (columns, key, read) in TABLES.items():
        op.create_table(name, sa.Column('id', sa.Integer(), nullable=False),
                        sa.Column('zone', sa.String(length=64), nullable=False),
                        sa.Column('day', sa.Date(), nullable=False), *columns,
                        sa.PrimaryKeyConstraint('id'))
        op.create_index(f'uq_{name}_key', name, ['zone', 'day', *key], unique=True)
        op.create_index(f'ix_{name}_read', name, read)


def downgrade():
    for name in reversed(list(TABLES)):
        op.drop_index(f'ix_{name}_read', table_name=name)
        op.drop_index(f'uq_{name}_key', table_name=name)
        op.drop_table(name)
