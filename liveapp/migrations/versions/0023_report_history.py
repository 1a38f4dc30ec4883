"""reports: routing decisions, the reps they skipped, offers and their outcomes, visitors
per hour and stream; indexes for conversations and meetings by time

Revision ID: 0023_report_history
Revises: 0022_last_chatted_rep
Create Date: 2026-12-03 07:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0023_report_history'
down_revision = '0022_last_chatted_rep'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table(
        'routing_decisions',
        sa.Column('id', ID, nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=False),
        sa.Column('visitor_id', sa.String(length=36), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('stream_id', sa.Integer(), nullable=True),
        sa.Column('trigger', sa.String(length=20), nullable=False),
        sa.Column('rule_id', sa.Integer(), nullable=True),
        sa.Column('rule_name', sa.String(length=120), nullable=True),
        sa.Column('outcome', sa.String(length=12), nullable=False),
        sa.Column('step', sa.String(length=20), nullable=True),
        sa.Column('mode', sa.String(length=20), nullable=True),
        sa.Column('owner_known', sa.Boolean(), nullable=False),
        sa.Column('owner_routed', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['visitor_id'], ['visitors.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['stream_id'], ['streams.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['rule_id'], ['routing_rules.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_routing_decisions_decided_at', 'routing_decisions', ['decided_at'])
    op.create_index('ix_routing_decisions_visitor_id', 'routing_decisions', ['visitor_id'])

    op.create_table(
        'routing_skips',
        sa.Column('id', ID, nullable=False),
        sa.Column('decision_id', ID, nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=False),
        sa.Column('rep_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(['decision_id'], ['routing_decisions.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['rep_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_routing_skips_decided_at', 'routing_skips', ['decided_at'])
    op.create_index('ix_routing_skips_decision_id', 'routing_skips', ['decision_id'])

    op.create_table(
        'offers',
        sa.Column('id', ID, nullable=False),
        sa.Column('offer_key', sa.String(length=40), nullable=False),
        sa.Column('decision_id', ID, nullable=True),
        sa.Column('visitor_id', sa.String(length=36), nullable=False),
        sa.Column('rep_id', sa.Integer(), nullable=False),
        sa.Column('trigger', sa.String(length=20), nullable=False),
        sa.Column('offered_at', sa.DateTime(), nullable=False),
        sa.Column('answered_at', sa.DateTime(), nullable=True),
        sa.Column('outcome', sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(['decision_id'], ['routing_decisions.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['visitor_id'], ['visitors.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['rep_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('uq_offers_key_rep', 'offers', ['offer_key', 'rep_id'], unique=True)
    op.create_index('ix_offers_offered_at', 'offers', ['offered_at'])
    op.create_index('ix_offers_rep_id_offered_at', 'offers', ['rep_id', 'offered_at'])
    op.create_index('ix_offers_visitor_id', 'offers', ['visitor_id'])

    op.create_table(
        'visitor_hours',
        sa.Column('id', ID, nullable=False),
        sa.Column('hour', sa.DateTime(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('visitor_id', sa.String(length=36), nullable=False),
        sa.Column('stream_id', sa.Integer(), nullable=False),
        sa.Column('identified', sa.Boolean(), nullable=False),
        sa.Column('target', sa.Boolean(), nullable=False),
        sa.Column('company_domain', sa.String(length=253), nullable=True),
        sa.Column('company_name', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['visitor_id'], ['visitors.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('uq_visitor_hours_visitor_hour_stream', 'visitor_hours',
                    ['visitor_id', 'hour', 'stream_id'], unique=True)
    op.create_index('ix_visitor_hours_hour_site', 'visitor_hours', ['hour', 'site_id'])

    op.create_index('ix_conversations_started_at', 'conversations', ['started_at'])
    op.create_index('ix_meetings_created_at', 'meetings', ['created_at'])


def downgrade():
    op.drop_index('ix_meetings_created_at', table_name='meetings')
    op.drop_index('ix_conversations_started_at', table_name='conversations')
    op.drop_table('visitor_hours')
    op.drop_table('offers')
    op.drop_table('routing_skips')
    op.drop_table('routing_decisions')
