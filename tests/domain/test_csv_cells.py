"""Report tables as CSV (liveapp.domain.csv_cells): quoting, days, and the guard against
formulas in cells that came from visitors."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liveapp.domain import csv_cells


@pytest.mark.parametrize("value, text", [
    ("=1+1", "'=1+1"), ("+31 20 555", "'+31 20 555"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("Acme", "Acme"), ("a=b", "a=b"), (None, ""),
    (date(2026, 11, 1), "2026-11-01"), (12, "12"), (-3, "-3"), (2.5, "2.5"), (True, "yes"),
])
def test_cells(value, text):
    assert csv_cells.cell(value) == text


def test_the_file_name_says_the_table_and_its_days():
    assert csv_cells.filename("top_companies", date(2026, 11, 1), date(2026, 11, 30)) == (
        "top_companies_2026-11-01_2026-11-30.csv")
    assert csv_cells.filename('a"b/c', date(2026, 1, 1), date(2026, 1, 2)).startswith("a_b_c_")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(max_size=12), min_size=2, max_size=2), max_size=8))
def test_every_text_reads_back_the_same_or_defused(rows):
    text = csv_cells.to_csv(("Company", "Domain"), rows)
    assert text.startswith(csv_cells.BOM)
    back = list(csv.reader(io.StringIO(text[1:], newline="")))
    assert back[0] == ["Company", "Domain"] and len(back) == len(rows) + 1
    for written, read in zip(rows, back[1:], strict=True):
        for original, cell in zip(written, read, strict=True):
            assert cell == ("'" + original if original.startswith(csv_cells.FORMULA_STARTS)
                            else original)
