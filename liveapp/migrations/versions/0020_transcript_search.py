"""transcript search: full-text index of the messages; when a transcript was emailed

PostgreSQL: a GIN index on to_tsvector('english', body), built CONCURRENTLY so messages
stay writable. SQLite: an FTS5 table over `messages` (external content, porter stemming),
filled from what is there and kept in step by triggers on insert, update and delete, so
retention, erasure and the cascades of a deleted conversation leave nothing behind.
`conversations.transcript_emailed_at` keeps the transcript email to once per conversation.

Revision ID: 0020_transcript_search
Revises: 0019_transfers
Create Date: 2026-12-02 18:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020_transcript_search'
down_revision = '0019_transfers'
branch_labels = None
depends_on = None

SQLITE_UP = (
    "CREATE VIRTUAL TABLE messages_fts USING fts5(body, content='messages', "
    "content_rowid='id', tokenize='porter unicode61')",
    "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')",
    "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN "
    "INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "END",
    "CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body); END",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS messages_fts_update",
    "DROP TRIGGER IF EXISTS messages_fts_delete",
    "DROP TRIGGER IF EXISTS messages_fts_insert",
    "DROP TABLE IF EXISTS messages_fts",
)


def upgrade():
    # A plain ALTER TABLE ADD COLUMN on both backends (a batch copy of `conversations` on
    # SQLite would delete their messages by the foreign key's cascade).
    op.add_column('conversations', sa.Column('transcript_emailed_at', sa.DateTime(),
                                             nullable=True))
    if op.get_bind().dialect.name == 'sqlite':
        for statement in SQLITE_UP:
            op.execute(statement)
        return
    with op.get_context().autocommit_block():
        op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_messages_body_search "
                   "ON messages USING gin (to_tsvector('english', body))")


def downgrade():
    # SQLite (3.35+) drops the column in place: a batch copy of `conversations` would
    # delete their messages by the foreign key's cascade (see 0013).
    if op.get_bind().dialect.name == 'sqlite':
        for statement in SQLITE_DOWN:
            op.execute(statement)
        op.execute('ALTER TABLE conversations DROP COLUMN transcript_emailed_at')
        return
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_messages_body_search")
    op.drop_column('conversations', 'transcript_emailed_at')
