"""users' Salesforce user ids in their canonical 18-character form

Valid 15-character ids become their 18-character form; ids that are not valid Salesforce
ids (the earlier demo's 16-character ones, a wrong checksum), and the second of two users
holding the same id in its two forms, are cleared and named in the log, for an admin to
enter again under Settings → Users.

Revision ID: 0009_salesforce_ids
Revises: 0008
Create Date: 2026-12-02 09:00:00.000000

"""
import logging

import sqlalchemy as sa
from alembic import op

from liveapp.domain.salesforce_ids import canonical_or_none

# revision identifiers, used by Alembic.
revision = '0009_salesforce_ids'
down_revision = '0008'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.env")
users = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("email", sa.String),
    sa.column("salesforce_user_id", sa.String),
)


def _plan(rows) -> tuple[dict[int, str], list[tuple[int, str, str, str]]]:
    """({user id: canonical id} to rewrite, [(user id, email, old id, why)] to clear)."""
    rewrite, cleared, holders = {}, [], {}
    for user_id, email, value in rows:
        long = canonical_or_none(value)
        if long is None:
            cleared.append((user_id, email, value, "is not a valid Salesforce id"))
        elif long in holders:
            cleared.append((user_id, email, value, f"is {holders[long]}'s too"))
        else:
            holders[long] = email
            if long != value:
                rewrite[user_id] = long
    return rewrite, cleared


def upgrade():
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(users.c.id, users.c.email, users.c.salesforce_user_id)
        .where(users.c.salesforce_user_id.is_not(None)).order_by(users.c.id)
    ).all()
    rewrite, cleared = _plan(rows)
    # Clear first: a cleared row may hold the very 18 another row is rewritten to.
    for user_id, email, value, why in cleared:
        bind.execute(users.update().where(users.c.id == user_id)
                     .values(salesforce_user_id=None))
        log.warning("Salesforce user id %r of %s %s: cleared; enter the right one under "
                    "Settings → Users", value, email, why)
    for user_id, long in rewrite.items():
        bind.execute(users.update().where(users.c.id == user_id)
                     .values(salesforce_user_id=long))


def downgrade():
    # Nothing to undo: the 18-character form still fits the column and names the same
    # user, and the cleared ids were never valid.
    pass
