"""A waiting visitor's place in line, and an honest estimate of their wait.

The estimate comes from how long recent inbound requests waited until a rep accepted them
(the median of the last hour's, so one long wait does not swing it), times the visitor's
place: the first in line waits about one median wait, the second about two. With fewer
than MIN_SAMPLES recent accepts there is no estimate: the widget says the place alone
rather than guess. Waits past LONGEST are said as "more than 30 minutes".
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MIN_SAMPLES = 3
LONGEST = 30 * 60  # seconds


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th… 11th, 12th, 13th… 21st."""
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


def estimate(position: int, waits: Sequence[float]) -> int | None:
    """Seconds the visitor at `position` (1: next) may wait, or None without enough data."""
    if position < 1 or len(waits) < MIN_SAMPLES:
        return None
    return round(statistics.median(waits) * position)


def wait_text(seconds: int) -> str:
    if seconds < 60:
        return "less than a minute"
    if seconds > LONGEST:
        return "more than 30 minutes"
    minutes = round(seconds / 60)
    return "about 1 minute" if minutes == 1 else f"about {minutes} minutes"


@dataclass(frozen=True, slots=True)
class Place:
    position: int
    estimate_seconds: int | None = None

    @property
    def text(self) -> str:
        """What the widget says: "2nd in line, about 1 minute"."""
        where = "next in line" if self.position == 1 else f"{ordinal(self.position)} in line"
        if self.estimate_seconds is None:
            return f"You're {where}."
        return f"You're {where}, {wait_text(self.estimate_seconds)}."

    def to_dict(self) -> dict[str, Any]:
        return {"position": self.position, "estimate_seconds": self.estimate_seconds,
                "text": self.text}


def place(position: int, waits: Sequence[float]) -> Place:
    return Place(position, estimate(position, waits))
