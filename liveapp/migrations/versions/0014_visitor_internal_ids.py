"""visitor internal ids: the snippet's cookie id is no longer stored anywhere

Visitors were keyed by the id in their snippet cookie, which reps saw in URLs and cards
and which gave the visitor's widget token to anyone who posted it (issue 14, finding 1).
Every visitor id (`visitors.id` and each table's `visitor_id`) is rewritten to its
internal id, through the very function the events API uses
(`liveapp.services.tracking.visitor_ids.derive`) under this app's SECRET_KEY, read as the app
reads it (the migration runs in the app's context): the next event from the same
browser finds its visitor and history. Ids already internal (version 8 UUIDs) are left
as they are, so running it again changes nothing.

Redis state keyed by the old ids (hot presence, assignments, chat answers, membership,
rate limits) is left to expire: hot presence goes within minutes, the visitor's next
event builds it again under the internal id. Stop the web processes and let `liveapp
pipeline` drain the events stream before upgrading: an event accepted before the
upgrade carries the cookie id and would otherwise be recorded as a new visitor.

Downgrading changes nothing: a cookie id cannot be recovered from its internal id (that
is the point). The code of 0012/0013 would then take every returning visitor for a new
one.

Revision ID: 0014_visitor_internal_ids
Revises: 0013_user_session_version
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from flask import current_app

from liveapp.services.tracking.visitor_ids import derive, is_internal


# revision identifiers, used by Alembic.
revision = '0014_visitor_internal_ids'
down_revision = '0013_user_session_version'
branch_labels = None
depends_on = None

MAP = 'visitor_id_rewrites'
BATCH = 1000


def _rewrites(conn, secret: str) -> list[dict]:
    """{old, new} for every visitor whose id is not internal yet."""
    rewrites = []
    for (old,) in conn.execute(sa.text('SELECT id FROM visitors')):
        if is_internal(old):
            continue
        try:
            rewrites.append({'old': old, 'new': derive(secret, old)})
        except ValueError:  # not a UUID: no snippet ever sent it; left as it is
            print(f'0014: visitor id {old!r} is not a UUID: left as it is')
    return rewrites


def _referencing_tables(conn) -> list[str]:
    inspector = sa.inspect(conn)
    return sorted(name for name in inspector.get_table_names() if name != MAP
                  and any(c['name'] == 'visitor_id' for c in inspector.get_columns(name)))


def upgrade():
    conn = op.get_bind()
    rewrites = _rewrites(conn, current_app.config['SECRET_KEY'])
    if not rewrites:
        return
    table = op.create_table(MAP, sa.Column('old', sa.String(36), primary_key=True),
                            sa.Column('new', sa.String(36), nullable=False))
    for start in range(0, len(rewrites), BATCH):
        conn.execute(table.insert(), rewrites[start:start + BATCH])
    # The visitor under its new id first, then its rows moved over, then the old one gone:
    # no foreign key ever points at a missing visitor, on any backend.
    quote = conn.dialect.identifier_preparer.quote
    columns = [quote(c['name']) for c in sa.inspect(conn).get_columns('visitors')
               if c['name'] != 'id']
    conn.execute(sa.text(
        f'INSERT INTO visitors (id, {", ".join(columns)})'
        f' SELECT m.new, {", ".join("v." + c for c in columns)}'
        f' FROM visitors v JOIN {MAP} m ON m.old = v.id'))
    for name in _referencing_tables(conn):
        conn.execute(sa.text(
            f'UPDATE {name} SET visitor_id = (SELECT m.new FROM {MAP} m'
            f' WHERE m.old = {name}.visitor_id) WHERE visitor_id IN (SELECT old FROM {MAP})'))
    conn.execute(sa.text(f'DELETE FROM visitors WHERE id IN (SELECT old FROM {MAP})'))
    op.drop_table(MAP)


def downgrade():
    pass  # see above: the cookie ids are gone for good
