"""meetings booked from the chat widget's meeting booker

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 10:12:40.118372

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visitor_id', sa.String(length=36), nullable=False),
    sa.Column('rep_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['rep_id'], ['users.id'], name=op.f('fk_meetings_rep_id_users')),
    sa.ForeignKeyConstraint(['visitor_id'], ['visitors.id'], name=op.f('fk_meetings_visitor_id_visitors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings'))
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meetings_rep_id'), ['rep_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_visitor_id'), ['visitor_id'], unique=False)
        batch_op.create_index('uq_meetings_booked_rep_start', ['rep_id', 'starts_at'], unique=True, sqlite_where=sa.text("status = 'booked'"), postgresql_where=sa.text("status = 'booked'"))


def downgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index('uq_meetings_booked_rep_start', sqlite_where=sa.text("status = 'booked'"), postgresql_where=sa.text("status = 'booked'"))
        batch_op.drop_index(batch_op.f('ix_meetings_visitor_id'))
        batch_op.drop_index(batch_op.f('ix_meetings_rep_id'))

    op.drop_table('meetings')
