"""business hours per group, and offline messages

Groups get a time zone, weekly business hours and holidays (None: always open, as every
group was before). Visitors who find nobody to chat with leave offline messages, each
for the reps routing named for them.

Revision ID: 0018_business_hours
Revises: 0017_read_state
Create Date: 2026-12-02 18:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018_business_hours'
down_revision = '0017_read_state'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), server_default='UTC',
                                      nullable=False))
        batch_op.add_column(sa.Column('business_hours', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('holidays', sa.JSON(), nullable=True))
    op.create_table(
        'offline_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('visitor_id', sa.String(length=36), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('why', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['visitor_id'], ['visitors.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('offline_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offline_messages_visitor_id'), ['visitor_id'])
        batch_op.create_index(batch_op.f('ix_offline_messages_created_at'), ['created_at'])
    op.create_table(
        'offline_message_reps',
        sa.Column('offline_message_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['offline_message_id'], ['offline_messages.id'],
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('offline_message_id', 'user_id'),
    )
    with op.batch_alter_table('offline_message_reps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offline_message_reps_user_id'), ['user_id'])


def downgrade():
    op.drop_table('offline_message_reps')
    op.drop_table('offline_messages')
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_column('holidays')
        batch_op.drop_column('business_hours')
        batch_op.drop_column('time_zone')
