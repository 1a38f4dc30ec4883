"""The sandbox's SOQL subset, alone: parsing, evaluation, and format_soql's quoting."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from simple_salesforce import format_soql

from liveapp.demo.crm_sandbox import soql

ROWS = [
    {"Id": "1", "Email": "a@x.test", "Name": "Alpha", "Score": 3, "Owner": "u1", "When": None},
    {"Id": "2", "Email": "B@x.test", "Name": "beta_1", "Score": 1, "Owner": "u2",
     "When": "2026-01-02"},
    {"Id": "3", "Email": "c@y.test", "Name": "100% Gamma", "Score": 2, "Owner": "u1",
     "When": "2026-01-01"},
]


def resolve(row, path):
    return row.get(path)


def ids(text):
    return [r["Id"] for r in soql.run(soql.parse(text), ROWS, resolve)]


def test_parses_fields_relationships_and_clauses():
    q = soql.parse("select Id, Owner.Email, Account.Owner.Email from Contact "
                   "where Email = 'a@x.test' order by LastModifiedDate desc nulls last, Id "
                   "limit 5 offset 2")
    assert q.fields == ("Id", "Owner.Email", "Account.Owner.Email")
    assert q.sobject == "Contact"
    assert q.where == soql.Compare("Email", "=", "a@x.test")
    assert q.order_by == (soql.OrderBy("LastModifiedDate", True, True), soql.OrderBy("Id"))
    assert (q.limit, q.offset) == (5, 2)


def test_and_binds_tighter_than_or():
    q = soql.parse("SELECT Id FROM T WHERE A = 1 OR B = 2 AND C = 3")
    assert q.where == soql.BoolOp("or", (
        soql.Compare("A", "=", 1),
        soql.BoolOp("and", (soql.Compare("B", "=", 2), soql.Compare("C", "=", 3)))))


@pytest.mark.parametrize(("where", "expected"), [
    ("Email = 'b@x.test'", ["2"]),  # text compares case-insensitively
    ("Email != 'b@x.test'", ["1", "3"]),
    ("Email <> 'b@x.test'", ["1", "3"]),
    ("Score > 1", ["1", "3"]),
    ("Score >= 1 AND Score <= 2", ["2", "3"]),
    ("Owner IN ('u2', 'u3')", ["2"]),
    ("Owner NOT IN ('u2')", ["1", "3"]),
    ("Email LIKE '%@X.TEST'", ["1", "2"]),
    ("Name LIKE 'beta_1'", ["2"]),
    ("Name LIKE 'beta\\_%'", ["2"]),
    ("Name LIKE 'betaX1'", []),
    ("Name LIKE '100\\% %'", ["3"]),
    ("Name LIKE '%\\%%'", ["3"]),
    ("When = null", ["1"]),
    ("When != null", ["2", "3"]),
    ("When > 2026-01-01", ["2"]),
    ("NOT (Owner = 'u1')", ["2"]),
    ("(Owner = 'u1' OR Score = 1) AND Email LIKE 'c%'", ["3"]),
])
def test_where(where, expected):
    assert ids(f"SELECT Id FROM T WHERE {where}") == expected


def test_order_limit_offset():
    assert ids("SELECT Id FROM T ORDER BY Score DESC") == ["1", "3", "2"]
    assert ids("SELECT Id FROM T ORDER BY Name") == ["3", "1", "2"]
    assert ids("SELECT Id FROM T ORDER BY When") == ["1", "3", "2"]  # nulls first
    assert ids("SELECT Id FROM T ORDER BY When DESC") == ["2", "3", "1"]  # nulls last
    assert ids("SELECT Id FROM T ORDER BY When ASC NULLS LAST") == ["3", "2", "1"]
    assert ids("SELECT Id FROM T ORDER BY Owner, Score DESC") == ["1", "3", "2"]
    assert ids("SELECT Id FROM T ORDER BY Score LIMIT 2 OFFSET 1") == ["3", "1"]


@pytest.mark.parametrize("text", [
    "", "SELECT FROM T", "SELECT Id T", "SELECT Id FROM T WHERE", "SELECT Id FROM T WHERE A",
    "SELECT Id FROM T WHERE A = 'open", "SELECT Id FROM T WHERE A = 'x\\q'",
    "SELECT Id FROM T LIMIT -1", "SELECT Id FROM T LIMIT 'x'", "SELECT Id FROM T extra",
    "SELECT Id FROM T WHERE A NOT = 1", "SELECT Id FROM T WHERE A LIKE 3",
    "SELECT Id FROM T WHERE (A = 1", "SELECT Id, FROM T", "SELECT Id FROM T WHERE A = ;",
])
def test_malformed_queries(text):
    with pytest.raises(soql.SoqlError):
        soql.parse(text)


def test_pasted_value_would_inject_but_format_soql_does_not():
    hostile = "x' OR Email != '"
    pasted = f"SELECT Id FROM T WHERE Email = '{hostile}'"
    assert ids(pasted) == ["1", "2", "3"]  # why values are never pasted
    assert ids(format_soql("SELECT Id FROM T WHERE Email = {}", hostile)) == []


@given(st.text())
def test_format_soql_round_trips_every_string(value):
    query = soql.parse(format_soql("SELECT Id FROM T WHERE Email = {} AND Id != null", value))
    assert query.where.parts[0] == soql.Compare("Email", "=", value)


@given(st.text(), st.text())
def test_like_escaping_matches_only_the_literal_text(value, other):
    pattern = soql.parse(format_soql("SELECT Id FROM T WHERE N LIKE '{:like}'", value))
    regex = soql.like_regex(pattern.where.pattern)
    assert regex.fullmatch(value)
    if value.isascii() and other.isascii() and other.lower() != value.lower():
        assert not regex.fullmatch(other)  # (Unicode case folding: "ſ" matches "s")
