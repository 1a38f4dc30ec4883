"""Salesforce ids: 15 characters (case-sensitive) or 18 with the case checksum; both forms
canonicalise to the 18, and nothing else is an id."""

from __future__ import annotations

import string

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from liveapp.domain.salesforce_ids import (
    CHECKSUM_ALPHABET,
    InvalidSalesforceId,
    canonical,
    canonical_or_none,
    checksum,
    id_error,
)

ALPHANUMERIC = string.ascii_letters + string.digits
short_ids = st.text(ALPHANUMERIC, min_size=15, max_size=15)


# The first is a widely published example; the others are worked out by hand.
@pytest.mark.parametrize("short, long", [
    ("0015000000Gv7qJ", "0015000000Gv7qJAAR"),
    ("005D0000001Az1b", "005D0000001Az1bIAC"),
    ("000000000000000", "000000000000000AAA"),
    ("AAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAA555"),
])
def test_known_ids(short, long):
    assert checksum(short) == long[15:]
    assert canonical(short) == long and canonical(long) == long


@pytest.mark.parametrize("value, message", [
    ("0055g00000DEMO02", "15 or 18 characters; this one has 16"),  # the old demo ids
    ("0055g00000DEMO0", None),
    ("005D0000001Az1b", None),
    ("005D0000001Az1bIAC", None),
    ("005D0000001Az1bAAA", "they should be IAC here"),
    ("005d0000001az1bIAC", "they should be AAA here"),  # case lost, checksum kept
    ("005D0000001Az1", "this one has 14"),
    ("005D0000001Az1b-IA", "only letters A-Z, a-z and digits"),
    ("005D0000001Az1é", "only letters A-Z, a-z and digits"),
    ("005D 000001Az1b", "only letters A-Z, a-z and digits"),
    ("", "only letters A-Z, a-z and digits"),
])
def test_id_errors(value, message):
    error = id_error(value)
    assert (error is None) if message is None else (message in error)


def test_surrounding_spaces_are_ignored():
    assert canonical("  005D0000001Az1b\n") == "005D0000001Az1bIAC"


@pytest.mark.parametrize("value", ["0055g00000DEMO02", "005D0000001Az1bAAA", "", None, 5])
def test_invalid_ids_canonicalise_to_none(value):
    assert canonical_or_none(value) is None
    if isinstance(value, str):
        with pytest.raises(InvalidSalesforceId):
            canonical(value)


@given(short_ids)
def test_round_trip_15_to_18_is_valid_and_stable(short):
    long = canonical(short)
    assert len(long) == 18 and long[:15] == short
    assert set(long[15:]) <= set(CHECKSUM_ALPHABET)
    assert id_error(long) is None and canonical(long) == long
    assert canonical_or_none(short) == canonical_or_none(long)


@given(short_ids, st.text(ALPHANUMERIC, min_size=3, max_size=3))
def test_a_wrong_checksum_is_refused(short, suffix):
    assume(suffix != checksum(short))
    assert id_error(short + suffix) is not None
    assert canonical_or_none(short + suffix) is None


@given(short_ids, st.integers(0, 14))
def test_changing_the_case_of_a_letter_changes_the_18(short, position):
    assume(short[position].isalpha())
    flipped = short[:position] + short[position].swapcase() + short[position + 1:]
    assert canonical(flipped) != canonical(short)
    assert canonical(flipped)[15:] != canonical(short)[15:]  # the checksum sees the case
    # Lower-casing a valid 18 keeps its suffix, which then no longer checks out.
    assert id_error(flipped + checksum(short)) is not None


@given(short_ids, short_ids)
def test_two_ids_are_the_same_exactly_when_their_15_are(a, b):
    assert (canonical(a) == canonical(b)) == (a == b)
    assert (canonical(a) == canonical(canonical(b))) == (a == b)


@given(st.text(max_size=20))
def test_any_text_is_either_refused_or_canonicalised(value):
    error = id_error(value)
    if error is None:
        assert canonical(value)[:15] == value.strip()[:15]
    else:
        assert canonical_or_none(value) is None
