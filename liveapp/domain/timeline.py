"""What makes two routing decisions the same for a visitor's timeline.

Routing runs again for many reasons (a rep came back, CRM facts arrived, the queue
drained) and usually decides what it decided before. The timeline records a routing
entry only when the decision a rep would read changed: the outcome, the rule and its
mode, who was offered or routed the visitor, who claimed it, or a clearing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any


def _ids(values: Iterable[Any] | None) -> list[str]:
    # Order is the routing's own business (rotation); the people are what a rep reads.
    return sorted({str(v) for v in values or ()})


def routing_key(data: Mapping[str, Any]) -> str:
    """A routing change's identity on the timeline: equal keys, nothing new to record.

    Args:
        data: the "routing" change's data (an assignment's fields, or ``cleared``).

    Returns:
        A string that differs exactly when outcome, trigger, rule, mode, the reps
        offered or routed, the claimer, or a clearing differ; times, deadlines and the
        explanation's wording do not count.
    """
    if data.get("cleared"):
        return "cleared"
    claimed = data.get("claimed_by")
    return json.dumps([
        data.get("outcome"), data.get("trigger"), data.get("rule_name"), data.get("mode"),
        _ids(data.get("offered_to")), _ids(data.get("routed_to")),
        None if claimed is None else str(claimed),
    ])
