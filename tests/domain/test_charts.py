"""The reports' chart geometry (liveapp.domain.charts): nice ticks, scales, and the shapes
of line, bar, stacked and horizontal bar charts, unit cases then properties (hypothesis)."""

from __future__ import annotations

import math
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liveapp.domain import charts
from liveapp.domain.charts import Series, draw, nice_ticks

FAST = settings(max_examples=150, deadline=None)


@pytest.mark.parametrize("lo, hi, whole, ticks", [
    (0, 7, True, (0, 2, 4, 6, 8)),
    (0, 100, False, (0, 20, 40, 60, 80, 100)),
    (0, 0.37, False, (0.0, 0.1, 0.2, 0.3, 0.4)),
    (0, 2, True, (0, 1, 2)),
    (0, 0, True, (0, 1)),
    (-3, 97, False, (-20, 0, 20, 40, 60, 80, 100)),
    (0, 1234, True, (0, 250, 500, 750, 1000, 1250)),
])
def test_nice_ticks(lo, hi, whole, ticks):
    assert nice_ticks(lo, hi, whole=whole) == ticks


@pytest.mark.parametrize("value, unit, text", [
    (1234, "", "1,234"), (12.5, "%", "12.5%"), (41.0, "s", "41 s"), (None, "", "–"),
    (0.333, "", "0.3"),
])
def test_numbers_read_as_people_write_them(value, unit, text):
    assert charts.number(value, unit) == text


def test_a_bar_chart_puts_each_category_in_its_band_with_its_height():
    chart = draw("bar", ["Owner", "Queue"], [Series("Decisions", (4.0, 2.0))], by="Outcome")
    owner, queue = chart.bars
    assert owner.height == pytest.approx(2 * queue.height, abs=0.2)
    assert owner.y + owner.height == queue.y + queue.height  # both stand on the axis
    assert owner.x < queue.x and owner.title == "Owner, Decisions: 4"
    assert owner.width == charts.MAX_BAR  # centred in its band, not as wide as the band
    assert owner.x + owner.width / 2 == pytest.approx(chart.category_labels[0].x, abs=0.2)
    assert [t.text for t in chart.category_labels] == ["Owner", "Queue"]
    assert chart.summary.startswith("Bar chart of Decisions by outcome, 2 shown")
    assert "Highest Decisions: 4 (Owner)." in chart.summary


def test_a_stacked_bar_puts_each_series_on_the_one_below():
    chart = draw("stacked", ["Mon"], [Series("Pounce", (3.0,)), Series("Inbound", (1.0,))])
    pounce, inbound = chart.bars
    assert inbound.y + inbound.height == pytest.approx(pounce.y, abs=0.11)
    assert pounce.x == inbound.x and pounce.width == inbound.width
    assert [k.name for k in chart.legend] == ["Pounce", "Inbound"]
    assert chart.legend[0].colour != chart.legend[1].colour


def test_a_line_breaks_where_a_figure_is_missing_and_each_line_has_its_own_dash():
    chart = draw("line", ["1", "2", "3", "4"], [Series("p50", (1.0, None, 3.0, 4.0)),
                                               Series("p90", (2.0, 3.0, 4.0, 5.0))], unit="s")
    first, second = chart.lines
    assert [len(run) for run in first.runs] == [1, 2] and len(second.runs) == 1
    assert first.dash != second.dash
    assert len(chart.dots) == 7 and chart.dots[0].title == "1, p50: 1 s"


def test_a_horizontal_bar_chart_grows_with_its_rows_and_cuts_long_labels():
    names = [f"Company {i} with a very long legal name" for i in range(10)]
    chart = draw("hbar", names, [Series("Visitors", tuple(float(i) for i in range(10)))])
    assert chart.height == 8 + 22 * 10 + 24
    assert all(len(t.text) <= charts.LABEL_CHARS for t in chart.category_labels)
    assert chart.bars[0].width == 0 and chart.bars[-1].title.startswith(names[-1])


def test_a_year_of_days_thins_the_labels_so_they_do_not_touch():
    days = [f"{d:02d} Jan" for d in range(1, 32)] * 12
    chart = draw("bar", days, [Series("Chats", tuple(1.0 for _ in days))])
    xs = [t.x for t in chart.category_labels]
    assert len(xs) < 60 and min(b - a for a, b in zip(xs, xs[1:], strict=False)) > 6 * charts.CHAR


def test_a_year_of_stacked_days_is_one_path_per_series_in_its_colour():
    days = [str(d) for d in range(366)]
    series = [Series(f"Stream {i}", tuple(float(d % 5) for d in range(366))) for i in range(9)]
    chart = draw("stacked", days, series)
    assert chart.bars == () and len(chart.areas) == 9
    assert [a.title for a in chart.areas] == [s.name for s in series]
    assert chart.areas[7].colour == chart.areas[0].colour  # the palette again after seven
    assert chart.areas[0].d.count("M") == 366  # a bar a day, zeros too
    fewer = [Series(s.name, s.values[:charts.DENSE]) for s in series]
    assert len(draw("stacked", days[:charts.DENSE], fewer).bars) == 9 * charts.DENSE


def test_from_rows_reads_a_report_table_and_draws_nothing_for_no_figures():
    rows = [(date(2026, 11, 1), 3, None), (date(2026, 11, 2), 5, 2)]
    chart = charts.from_rows("line", ("Day", "Visitors", "Identified"), rows, 0, (1, 2))
    assert [t.text for t in chart.category_labels] == ["01 Nov", "02 Nov"]
    assert charts.from_rows("line", ("Day", "Visitors"), [], 0, (1,)) is None
    assert charts.from_rows("bar", ("Day", "N"), [(date(2026, 1, 1), 0)], 0, (1,)) is None
    assert charts.from_rows("none", ("Day", "N"), rows, 0, (1,)) is None


def test_a_bad_chart_is_refused():
    with pytest.raises(ValueError):
        draw("pie", ["a"], [Series("n", (1.0,))])
    with pytest.raises(ValueError):
        draw("bar", ["a", "b"], [Series("n", (1.0,))])


# ------------------------------------------------------------------ properties

bounds = st.tuples(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6))


@FAST
@given(bounds, st.integers(2, 10), st.booleans())
def test_ticks_cover_the_range_evenly_in_round_steps(lo_hi, count, whole):
    lo, hi = sorted(lo_hi)
    ticks = nice_ticks(lo, hi, count, whole)
    step = ticks[1] - ticks[0]
    assert ticks[0] <= lo + 1e-6 * step and ticks[-1] >= hi - 1e-6 * step  # within rounding
    steps = {round(b - a, 6) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert max(steps) - min(steps) <= 1e-6 * max(1, step)
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (1, 2, 2.5, 5, 10))
    assert len(ticks) <= 2 * count + 2
    if whole:
        assert step >= 1


values = st.lists(st.one_of(st.none(), st.floats(0, 1e5)), min_size=1, max_size=80)


@FAST
@given(st.sampled_from(["bar", "stacked", "line", "hbar"]), values, st.integers(1, 3))
def test_every_shape_stays_inside_the_chart(kind, first, count):
    series = [Series(f"S{i}", tuple(first)) for i in range(count)]
    categories = [f"C{i}" for i in range(len(first))]
    chart = draw(kind, categories, series)
    for bar in chart.bars:
        assert bar.x >= 0 and bar.x + bar.width <= chart.width + 0.5
        assert bar.y >= 0 and bar.y + bar.height <= chart.height + 0.5
        assert bar.width >= 0 and bar.height >= 0
    for line in chart.lines:
        for run in line.runs:
            assert all(0 <= x <= chart.width and 0 <= y <= chart.height for x, y in run)
    drawn = sum(v is not None for v in first) * count
    shapes = len(chart.bars) + sum(area.d.count("M") for area in chart.areas)
    assert shapes == (0 if kind == "line" else drawn)


@FAST
@given(st.lists(st.floats(0, 1e4), min_size=1, max_size=30))
def test_bar_heights_are_proportional_to_the_figures(figures):
    chart = draw("bar", [str(i) for i in range(len(figures))], [Series("n", tuple(figures))])
    top = max(figures)
    tallest = max(b.height for b in chart.bars)
    for bar, figure in zip(chart.bars, figures, strict=True):
        assert bar.height == pytest.approx(tallest * figure / top if top else 0, abs=0.3)
