"""reports: visitor hours by visitor, covering what the visitors section reads

A rep's (or a rule's) visitors are listed by id in the visitors section's queries; this
index lets both backends read those visitors' hours from the index alone. Measured with
bench/reports.py's data on SQLite, a rep's own visitors section over 90 days went from
944 ms (the window's hours scanned and the visitors probed) to ~300 ms.
On PostgreSQL it is built CONCURRENTLY, so the table stays writable while it builds.

Revision ID: 0026_report_visitor_index
Revises: 0025_report_days
Create Date: 2026-12-03 09:10:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0026_report_visitor_index'
down_revision = '0025_report_days'
branch_labels = None
depends_on = None

COLUMNS = ['visitor_id', 'hour', 'stream_id', 'site_id', 'identified', 'target',
           'company_domain']


def upgrade():
    with op.get_context().autocommit_block():
        op.create_index('ix_visitor_hours_visitor', 'visitor_hours', COLUMNS,
                        postgresql_concurrently=True)


def downgrade():
    with op.get_context().autocommit_block():
        op.drop_index('ix_visitor_hours_visitor', table_name='visitor_hours',
                      postgresql_concurrently=True)
