"""users' session version: signing out ends every session and remember cookie

`users.session_version` is part of the id Flask-Login keeps in the session and in the
remember cookie ("<user id>:<version>"); sign-out, a password change and deactivation
raise it, so every cookie issued before no longer loads the user.

Revision ID: 0013_user_session_version
Revises: 0012_page_view_event_ids
Create Date: 2026-12-02 09:15:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013_user_session_version'
down_revision = '0012_page_view_event_ids'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column(
            'session_version', sa.Integer(), nullable=False, server_default='1'))


def downgrade():
    # SQLite (3.35+) drops the column in place: a batch copy of `users` would be refused
    # by the foreign keys of the rows that name a user (conversations, meetings, ...).
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE users DROP COLUMN session_version')
    else:
        op.drop_column('users', 'session_version')
