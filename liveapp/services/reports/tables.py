"""What a report figure is: a Table (columns and rows, and how to draw it), and the small
arithmetic its cells share (shares in percent, seconds)."""

from __future__ import annotations

from dataclasses import dataclass

SECTIONS = ("visitors", "routing", "reps", "conversations")


@dataclass(frozen=True)
class Table:
    key: str  # slug, unique on the page ("visitors_per_day"), used for CSV URLs
    section: str  # one of SECTIONS
    title: str
    columns: tuple[str, ...]  # header labels
    rows: list[tuple]  # cells: str, int, float, date, or None
    chart: str  # "line" | "bar" | "stacked" | "hbar" | "none"
    x: int = 0  # column index of the categories (days, rules, reps...)
    series: tuple[int, ...] = ()  # column indexes drawn (numbers)
    unit: str = ""  # "", "%", "s": how the series read
    note: str | None = None  # one line under the chart


def share(part: int, whole: int) -> float | None:
    """part / whole in percent, one decimal; None when there is no whole."""
    return round(100 * part / whole, 1) if whole else None


def seconds(value: float | None) -> float | None:
    """Seconds to one decimal (None stays None)."""
    return None if value is None else round(value, 1)
