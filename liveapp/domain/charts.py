"""Charts as geometry: a report's categories and number series in, the shapes of a chart
out (a linear scale with nice ticks, bars, lines, stacked and horizontal bars, axis labels,
a legend and a sentence that says what the chart shows). Templates turn the shapes into
inline SVG; nothing here knows SVG markup, HTTP or the database.

The many small shapes are named tuples (a year of days by seven streams is 2,562 bars).
Coordinates are SVG user units in a `width` x `height` box (y grows downwards), rounded to
a tenth. Colour is never the only carrier: every series is named in the legend, lines have
their own dash pattern, each bar and point has a title, and the page shows the table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

KINDS = ("line", "bar", "stacked", "hbar")
KIND_WORDS = {"line": "Line chart", "bar": "Bar chart", "stacked": "Stacked bar chart",
              "hbar": "Horizontal bar chart"}
# Okabe and Ito's palette (told apart with the common colour blindnesses), darkened where
# a thin line would be too pale on white.
PALETTE = ("#0b62a4", "#c85a00", "#007a5a", "#b8487f", "#8a6d00", "#4b3f9e", "#3d3d3d")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4", "4 2 1 2")
WIDTH = 800  # drawn 1:1 on a laptop's page; a phone scrolls it sideways from 560 px
HEIGHT = 280
CHAR = 7.2  # the width of a character of the 12 px axis labels, about
ROW = 22  # a horizontal bar chart's height per category
MAX_BAR = 64  # a bar's widest: two days or three reps are not a wall of colour
DENSE = 62  # past two months of days, a vertical bar chart draws each series as one path
LABEL_CHARS = 24  # a horizontal bar chart's category labels are cut after this


@dataclass(frozen=True)
class Series:
    """One named row of numbers, a value (or None: no figure) per category."""

    name: str
    values: tuple[float | None, ...]


class Text(NamedTuple):
    x: float
    y: float
    text: str
    anchor: str = "middle"  # SVG text-anchor: start, middle, end


class Rule(NamedTuple):
    """A straight line: a grid line at a tick, or an axis."""

    x1: float
    y1: float
    x2: float
    y2: float


class Bar(NamedTuple):
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str  # "2026-12-01, Visitors: 12" (a tooltip; the table says it for everyone)
    series: int = 0  # the index of its series


@dataclass(frozen=True)
class Line:
    """One series as a line: a run of points per stretch without a gap."""

    runs: tuple[tuple[tuple[float, float], ...], ...]
    colour: str
    dash: str


class Dot(NamedTuple):
    x: float
    y: float
    colour: str
    title: str


class Area(NamedTuple):
    """A series' bars as one SVG path (`d`), for charts of many categories: a year of days
    is thousands of bars too thin to point at, and one element per series is far cheaper
    to render and to send; the table carries each figure."""

    d: str
    colour: str
    title: str  # the series' name


@dataclass(frozen=True)
class Key:
    """A legend entry."""

    name: str
    colour: str
    dash: str


@dataclass(frozen=True)
class Chart:
    kind: str
    width: float
    height: float
    grid: tuple[Rule, ...]
    axes: tuple[Rule, ...]
    value_labels: tuple[Text, ...]
    category_labels: tuple[Text, ...]
    bars: tuple[Bar, ...] = ()
    areas: tuple[Area, ...] = ()
    lines: tuple[Line, ...] = ()
    dots: tuple[Dot, ...] = ()
    legend: tuple[Key, ...] = ()
    summary: str = ""


@dataclass(frozen=True)
class Scale:
    """Values lo..hi onto pixels start..end (linear)."""

    lo: float
    hi: float
    start: float
    end: float

    def at(self, value: float) -> float:
        share = (value - self.lo) / (self.hi - self.lo)
        return round(self.start + share * (self.end - self.start), 1)


def nice_ticks(lo: float, hi: float, count: int = 5, whole: bool = False) -> tuple[float, ...]:
    """Evenly spaced round values (steps of 1, 2, 2.5 or 5 times a power of ten) from at or
    below `lo` to at or above `hi`, about `count` steps; `whole`: steps of at least 1."""
    lo, hi = min(lo, hi), max(lo, hi)
    if hi - lo < 1e-9:  # one value (or a difference past the floats' precision)
        hi = lo + 1
    raw = (hi - lo) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * (1 - 1e-9))
    if whole:
        step = max(1, math.ceil(step))
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    last = max(last, first + 1)  # a range narrower than a whole step still gets two ticks
    digits = max(0, 2 - math.floor(math.log10(step)))
    return tuple(round(i * step, digits) for i in range(first, last + 1))


def number(value: float | None, unit: str = "") -> str:
    """A figure as a person reads it: 1,234 · 12.5% · 41 s; no figure: "–"."""
    if value is None:
        return "–"
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{text}%" if unit == "%" else f"{text} s" if unit == "s" else text


def is_empty(series: Sequence[Series]) -> bool:
    """Nothing to draw: no categories, or every figure missing or zero."""
    return not any(v for s in series for v in s.values)


def draw(kind: str, categories: Sequence[str], series: Sequence[Series], unit: str = "",
         by: str = "") -> Chart:
    """The chart of `series` over `categories` (named `by`, e.g. "Day"), as shapes."""
    if kind not in KINDS:
        raise ValueError(f"no chart of kind {kind!r}")
    if not series or any(len(s.values) != len(categories) for s in series):
        raise ValueError("each series needs one value per category")
    drawn = _horizontal(categories, series, unit) if kind == "hbar" else _vertical(
        kind, categories, series, unit)
    legend = tuple(Key(s.name, PALETTE[i % len(PALETTE)], _dash(kind, i))
                   for i, s in enumerate(series))
    return Chart(kind=kind, legend=legend, summary=summary(kind, categories, series, unit, by),
                 **drawn)


def summary(kind: str, categories: Sequence[str], series: Sequence[Series], unit: str = "",
            by: str = "") -> str:
    """One sentence for screen readers: what is drawn over what, and each series' peak."""
    names = ", ".join(s.name for s in series)
    over = f" by {by.lower()}" if by else ""
    span = f"{categories[0]} to {categories[-1]}" if len(categories) > 1 else categories[0]
    text = f"{KIND_WORDS[kind]} of {names}{over}, {len(categories)} shown ({span})."
    for s in [s for s in series if any(v is not None for v in s.values)][:4]:
        peak = max((v, -i) for i, v in enumerate(s.values) if v is not None)
        text += f" Highest {s.name}: {number(peak[0], unit)} ({categories[-peak[1]]})."
    return text


def _dash(kind: str, index: int) -> str:
    return DASHES[index % len(DASHES)] if kind == "line" else ""


def _value_range(kind: str, series: Sequence[Series]) -> tuple[float, float, bool]:
    """The lowest and highest value the value axis must show, and whether all are whole."""
    values = [v for s in series for v in s.values if v is not None]
    if kind == "stacked":
        values += [sum(v or 0 for v in column) for column in zip(*(s.values for s in series),
                                                                 strict=True)]
    whole = all(float(v).is_integer() for v in values)
    return min([0.0, *values]), max([0.0, *values]), whole


def _ticks(kind: str, series: Sequence[Series]) -> tuple[float, ...]:
    lo, hi, whole = _value_range(kind, series)
    return nice_ticks(lo, hi, 4 if kind == "hbar" else 5, whole)


def _thinned(band: float, longest: int) -> int:
    """Every how many categories a label fits without touching the next."""
    return max(1, math.ceil((longest * CHAR + 8) / max(band, 0.1)))


def _vertical(kind: str, categories: Sequence[str], series: Sequence[Series],
              unit: str) -> dict:
    ticks = _ticks(kind, series)
    left = round(14 + max(len(number(t, unit)) for t in ticks) * CHAR, 1)
    top, right, bottom = 12, WIDTH - 12, HEIGHT - 34
    scale = Scale(ticks[0], ticks[-1], bottom, top)
    band = (right - left) / len(categories)
    grid = tuple(Rule(left, scale.at(t), right, scale.at(t)) for t in ticks)
    values = tuple(Text(round(left - 6, 1), scale.at(t) + 4, number(t, unit), "end")
                   for t in ticks)
    step = _thinned(band, max(len(c) for c in categories))
    labels = tuple(Text(round(left + (i + .5) * band, 1), bottom + 18, c)
                   for i, c in enumerate(categories) if i % step == 0)
    axes = (Rule(left, scale.at(max(scale.lo, 0)), right, scale.at(max(scale.lo, 0))),)
    shapes = (_lines(categories, series, scale, left, band, unit) if kind == "line"
              else _dense(_bars(kind, categories, series, scale, left, band, unit), series,
                          len(categories)))
    return {"width": WIDTH, "height": HEIGHT, "grid": grid, "axes": axes,
            "value_labels": values, "category_labels": labels, **shapes}


def _title(category: str, s: Series, value: float, unit: str) -> str:
    return f"{category}, {s.name}: {number(value, unit)}"


def _dense(bars: tuple[Bar, ...], series: Sequence[Series], count: int) -> dict:
    """The bars as they are, or past DENSE categories one path per series."""
    if count <= DENSE:
        return {"bars": bars}
    paths: dict[int, list[str]] = {}
    for b in bars:
        paths.setdefault(b.series, []).append(f"M{b.x} {b.y}h{b.width}v{b.height}h{-b.width}z")
    return {"areas": tuple(Area("".join(paths[j]), PALETTE[j % len(PALETTE)], s.name)
                           for j, s in enumerate(series) if j in paths)}


def _bars(kind: str, categories: Sequence[str], series: Sequence[Series], scale: Scale,
          left: float, band: float, unit: str) -> tuple[Bar, ...]:
    bars_across = 1 if kind == "stacked" else len(series)
    inner = min(band * (0.8 if band > 4 else 1.0), MAX_BAR * bars_across)
    width = inner / bars_across
    titled = len(categories) <= DENSE  # a dense chart's paths are titled by series
    bars = []
    for i, category in enumerate(categories):
        base = 0.0
        for j, s in enumerate(series):
            value = s.values[i]
            if value is None:
                continue
            low, high = (base, base + value) if kind == "stacked" else (0.0, value)
            x = left + i * band + (band - inner) / 2 + (0 if kind == "stacked" else j * width)
            y0, y1 = scale.at(max(low, high)), scale.at(min(low, high))
            bars.append(Bar(round(x, 1), y0, round(width, 1), round(y1 - y0, 1),
                            PALETTE[j % len(PALETTE)],
                            _title(category, s, value, unit) if titled else "", j))
            base = high if kind == "stacked" else base
    return tuple(bars)


def _lines(categories: Sequence[str], series: Sequence[Series], scale: Scale, left: float,
           band: float, unit: str) -> dict:
    lines, dots = [], []
    for j, s in enumerate(series):
        colour, runs, run = PALETTE[j % len(PALETTE)], [], []
        for i, value in enumerate(s.values):
            if value is None:
                runs, run = runs + [tuple(run)] if run else runs, []
                continue
            point = (round(left + (i + .5) * band, 1), scale.at(value))
            run.append(point)
            if len(categories) <= 40:  # a point per day for a month; a year is a line
                dots.append(Dot(*point, colour, _title(categories[i], s, value, unit)))
        runs += [tuple(run)] if run else []
        lines.append(Line(tuple(runs), colour, _dash("line", j)))
    return {"lines": tuple(lines), "dots": tuple(dots)}


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"


def _horizontal(categories: Sequence[str], series: Sequence[Series], unit: str) -> dict:
    left = round(12 + max(len(_cut(c)) for c in categories) * CHAR, 1)
    top, right = 8, WIDTH - 24
    bottom = top + ROW * len(categories)
    ticks = _ticks("hbar", series)
    scale = Scale(ticks[0], ticks[-1], left, right)
    grid = tuple(Rule(scale.at(t), top, scale.at(t), bottom) for t in ticks)
    values = tuple(Text(scale.at(t), bottom + 16, number(t, unit)) for t in ticks)
    labels = tuple(Text(round(left - 6, 1), round(top + (i + .5) * ROW + 4, 1), _cut(c), "end")
                   for i, c in enumerate(categories))
    height = (ROW - 6) / len(series)
    bars = tuple(
        Bar(scale.at(min(0, v)), round(top + i * ROW + 3 + j * height, 1),
            round(scale.at(max(0, v)) - scale.at(min(0, v)), 1), round(height, 1),
            PALETTE[j % len(PALETTE)], _title(c, s, v, unit), j)
        for i, c in enumerate(categories) for j, s in enumerate(series)
        if (v := s.values[i]) is not None)
    axes = (Rule(scale.at(max(scale.lo, 0)), top, scale.at(max(scale.lo, 0)), bottom),)
    return {"width": WIDTH, "height": bottom + 24, "grid": grid, "axes": axes,
            "value_labels": values, "category_labels": labels, "bars": bars}


def category(value: object) -> str:
    """A table cell as a chart's category label: days short ("01 Dec"), no value "(none)"."""
    if value is None:
        return "(none)"
    if hasattr(value, "strftime") and hasattr(value, "isoformat"):
        return value.strftime("%d %b")
    return str(value)


def from_rows(kind: str, columns: Sequence[str], rows: Sequence[Sequence], x: int,
              drawn: Sequence[int], unit: str = "") -> Chart | None:
    """The chart of a report table (`drawn`: the columns of numbers to draw, `x`: the
    column of categories), or None when there is nothing to draw."""
    if kind not in KINDS or not rows or not drawn:
        return None
    series = [Series(columns[i], tuple(None if r[i] is None else float(r[i]) for r in rows))
              for i in drawn]
    if is_empty(series):
        return None
    return draw(kind, [category(r[x]) for r in rows], series, unit, by=columns[x])
