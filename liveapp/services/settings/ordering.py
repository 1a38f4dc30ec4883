"""Ordered settings (streams, experiences, routing rules): reorder and close gaps."""

from __future__ import annotations

from collections.abc import Sequence

from liveapp.errors import ValidationFailed


def apply_order(rows: Sequence, ids: Sequence[int], attr: str, what: str) -> None:
    """Give rows the order of ids (which must list every row once) by setting attr."""
    by_id = {row.id: row for row in rows}
    if sorted(ids) != sorted(by_id) or len(set(ids)) != len(ids):
        raise ValidationFailed({"order": f"The order must list every {what} exactly once."})
    for index, row_id in enumerate(ids):
        setattr(by_id[row_id], attr, index)


def renumber(rows: Sequence, attr: str) -> None:
    """Close the gaps after a deletion: 0, 1, 2… in the rows' current order."""
    for index, row in enumerate(rows):
        setattr(row, attr, index)
