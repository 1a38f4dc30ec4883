"""The ABM and marketing CSV parsers: good files, and every kind of error, each naming
its line and column."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liveapp.integrations import import_csv
from liveapp.integrations.import_csv import (
    LIFECYCLE_STAGES,
    AbmRow,
    MarketingRow,
    RowError,
    parse_abm_csv,
    parse_marketing_csv,
)


def test_abm_good_file():
    text = (
        "\ufeffDomain , Tier,Name,Owner\n"  # BOM, odd spacing and case, extra column
        "acme-robotics.example,1,Acme Robotics,ann\n"
        "\n"
        "https://www.Big-Freight.example/about,b,,\n"
        "sales.next-door.example.,C,\"Next Door, Inc.\",bob\n"
        "tiny.example,3\n"  # short row: optional name missing
    )
    rows, errors = parse_abm_csv(text)
    assert errors == []
    assert rows == [
        AbmRow(2, "acme-robotics.example", 1, "Acme Robotics"),
        AbmRow(4, "big-freight.example", 2, None),
        AbmRow(5, "sales.next-door.example", 3, "Next Door, Inc."),
        AbmRow(6, "tiny.example", 3, None),
    ]


@pytest.mark.parametrize(
    ("body", "column", "message"),
    [
        (",1", "domain", "a domain is required"),
        ("not a domain,1", "domain", "is not a domain"),
        ("localhost,1", "domain", "is not a domain"),
        ("-bad-.example,1", "domain", "is not a domain"),
        ("gmail.com,1", "domain", "free-mail"),
        ("acme.example,", "tier", "is not a tier"),
        ("acme.example,4", "tier", "is not a tier"),
        ("acme.example,D", "tier", "is not a tier"),
        ("acme.example,1," + "x" * 201, "name", "longer than 200"),
    ],
)
def test_abm_row_errors(body, column, message):
    rows, errors = parse_abm_csv(f"domain,tier,name\nok.example,1,Ok\n{body}\n")
    assert len(errors) == 1
    assert (errors[0].line, errors[0].column) == (3, column)
    assert message in errors[0].message
    assert str(errors[0]).startswith(f"line 3, column {column}: ")


def test_abm_duplicate_domain_names_the_first_line():
    _, errors = parse_abm_csv("domain,tier\nacme.example,1\nx.example,2\nwww.ACME.example,3\n")
    assert errors == [RowError(4, "domain", "duplicate of line 2")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [RowError(1, None, "the file is empty")]),
        ("domain,tier\n", [RowError(1, None, "the file has a header but no rows")]),
        ("domain,tier\n\n ,\n", [RowError(1, None, "the file has a header but no rows")]),
        ("name,tier\nx.example,1\n",
         [RowError(1, "domain", "required column is missing from the header")]),
        ("website\nx.example\n", [
            RowError(1, "domain", "required column is missing from the header"),
            RowError(1, "tier", "required column is missing from the header"),
        ]),
    ],
)
def test_abm_file_errors(text, expected):
    rows, errors = parse_abm_csv(text)
    assert rows == []
    assert errors == expected


def test_abm_too_many_rows(monkeypatch):
    monkeypatch.setattr(import_csv, "MAX_ROWS", 3)
    body = "".join(f"c{i}.example,1\n" for i in range(4))
    _, errors = parse_abm_csv("domain,tier\n" + body)
    assert errors[-1] == RowError(5, None, "more than 3 rows")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('domain,tier\nacme.example,"1\n', 2),  # a quote never closed
        ('domain,tier\n"acme.example"x,1\n', 2),  # text after a closing quote
        ("domain,tier\nacme.example," + "9" * 200_000 + "\n", 2),  # absurd field
    ],
)
def test_not_csv_is_an_error_not_a_crash(text, line):
    rows, errors = parse_abm_csv(text)
    assert len(errors) == 1
    assert (errors[0].line, errors[0].column) == (line, None)
    assert errors[0].message.startswith("not a valid CSV file")


def test_errors_are_collected_for_every_bad_row():
    text = "domain,tier\nok.example,1\n,1\nx.example,9\ngmail.com,2\n"
    rows, errors = parse_abm_csv(text)
    assert [(e.line, e.column) for e in errors] == [(3, "domain"), (4, "tier"), (5, "domain")]
    # The parser still returns the good rows; importers import nothing when errors exist.
    assert [r.domain for r in rows] == ["ok.example"]


def test_marketing_good_file():
    text = (
        "Email,Lead_Score,Lifecycle_Stage\n"
        "Jane.Doe@Acme-Robotics.example,87,MQL\n"
        "bob@big-freight.example, 0 ,customer\n"
        "c@next-door.example,100,evangelist\n"
    )
    rows, errors = parse_marketing_csv(text)
    assert errors == []
    assert rows == [
        MarketingRow(2, "jane.doe@acme-robotics.example", 87, "mql"),
        MarketingRow(3, "bob@big-freight.example", 0, "customer"),
        MarketingRow(4, "c@next-door.example", 100, "evangelist"),
    ]


@pytest.mark.parametrize(
    ("body", "column", "message"),
    [
        (",50,lead", "email", "an email address is required"),
        ("jane,50,lead", "email", "is not an email address"),
        ("jane@localhost,50,lead", "email", "is not an email address"),
        ("jane@@acme.example,50,lead", "email", "is not an email address"),
        ("jane@acme.example,,lead", "lead_score", "whole number from 0 to 100"),
        ("jane@acme.example,high,lead", "lead_score", "whole number from 0 to 100"),
        ("jane@acme.example,101,lead", "lead_score", "whole number from 0 to 100"),
        ("jane@acme.example,-1,lead", "lead_score", "whole number from 0 to 100"),
        ("jane@acme.example,42.5,lead", "lead_score", "whole number from 0 to 100"),
        ("jane@acme.example,50,", "lifecycle_stage", "is not one of subscriber"),
        ("jane@acme.example,50,prospect", "lifecycle_stage", "is not one of subscriber"),
    ],
)
def test_marketing_row_errors(body, column, message):
    rows, errors = parse_marketing_csv(
        f"email,lead_score,lifecycle_stage\nok@ok.example,1,lead\n{body}\n"
    )
    assert [(e.line, e.column) for e in errors] == [(3, column)]
    assert message in errors[0].message


def test_marketing_duplicate_email_is_case_insensitive():
    _, errors = parse_marketing_csv(
        "email,lead_score,lifecycle_stage\na@x.example,1,lead\nA@X.example,2,sql\n"
    )
    assert errors == [RowError(3, "email", "duplicate of line 2")]


def test_marketing_missing_columns():
    _, errors = parse_marketing_csv("email,score\na@x.example,1\n")
    assert {e.column for e in errors} == {"lead_score", "lifecycle_stage"}
    assert all(e.line == 1 for e in errors)


def test_quoted_newlines_keep_line_numbers_honest():
    text = 'domain,tier,name\n"acme.example",1,"Two\nlines"\nbad,1,x\n'
    _, errors = parse_abm_csv(text)
    assert [(e.line, e.column) for e in errors] == [(4, "domain")]


def test_every_stage_is_accepted():
    body = "".join(f"p{i}@x.example,{i},{s.upper()}\n" for i, s in enumerate(LIFECYCLE_STAGES))
    rows, errors = parse_marketing_csv("email,lead_score,lifecycle_stage\n" + body)
    assert errors == [] and [r.lifecycle_stage for r in rows] == list(LIFECYCLE_STAGES)


@given(st.text(max_size=300))
def test_parsers_never_crash(text):
    for parse in (parse_abm_csv, parse_marketing_csv):
        rows, errors = parse(text)
        assert rows or errors
        assert all(isinstance(e, RowError) and e.line >= 1 for e in errors)
