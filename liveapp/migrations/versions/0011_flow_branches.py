"""flow branches: each button of an experience's flow says where the flow goes next

Buttons were stored as labels (`"buttons": ["Talk to sales", "Just browsing"]`) and every
one went on to the next step. They become `{"label", "target"}` objects; existing buttons
keep today's behaviour (`"target": "next"`). Downgrading keeps the labels and drops the
targets (every button goes on to the next step again).

Revision ID: 0011_flow_branches
Revises: 0010_chat_answers
Create Date: 2026-11-30 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_flow_branches'
down_revision = '0010_chat_answers'
branch_labels = None
depends_on = None

experiences = sa.table('experiences', sa.column('id', sa.Integer()),
                       sa.column('flow', sa.JSON()))


def _to_objects(buttons):
    return [b if isinstance(b, dict) else {"label": b, "target": "next"} for b in buttons]


def _to_labels(buttons):
    return [b.get("label") if isinstance(b, dict) else b for b in buttons]


def _rewrite(convert):
    """Rewrite every experience's buttons steps with `convert` (row by row: JSON data)."""
    conn = op.get_bind()
    for row in conn.execute(sa.select(experiences.c.id, experiences.c.flow)).all():
        flow = [
            {**step, "buttons": convert(step.get("buttons") or [])}
            if isinstance(step, dict) and step.get("type") == "buttons" else step
            for step in row.flow or []
        ]
        if flow != row.flow:
            conn.execute(experiences.update().where(experiences.c.id == row.id)
                         .values(flow=flow))


def upgrade():
    _rewrite(_to_objects)


def downgrade():
    _rewrite(_to_labels)
