"""Canned replies' rules with no app: shortcuts, bodies, placeholders and their fallbacks."""

import pytest

from liveapp.domain.canned_replies import (
    BODY_MAX,
    SHORTCUT_MAX,
    VisitorFacts,
    body_error,
    fill,
    first_name,
    shortcut_error,
)


@pytest.mark.parametrize("shortcut", ["pricing", "Demo-2", "sso_yes", "x" * SHORTCUT_MAX])
def test_shortcuts_of_letters_digits_dash_and_underscore_are_fine(shortcut):
    assert shortcut_error(shortcut) is None


@pytest.mark.parametrize(("shortcut", "says"), [
    ("", "Give the reply a shortcut."),
    ("two words", "letters, digits, - and _ only"),
    ("price!", "letters, digits, - and _ only"),
    ("prix-ÿ", "letters, digits, - and _ only"),
    ("x" * (SHORTCUT_MAX + 1), f"at most {SHORTCUT_MAX} characters"),
])
def test_bad_shortcuts_say_why(shortcut, says):
    assert says in shortcut_error(shortcut)


def test_bodies_must_be_written_short_enough_and_use_known_placeholders():
    assert body_error("Hi {first_name} from {company}!") is None
    assert body_error("Braces alone { } are fine") is None
    assert body_error("   ") == "Write the reply."
    assert body_error("x" * (BODY_MAX + 1)) == f"A reply is at most {BODY_MAX} characters."
    assert body_error("Hi {firstname}") == (
        "Unknown placeholder {firstname}: use {first_name} and {company}.")


def test_fill_uses_the_visitors_facts_and_falls_back_when_unknown():
    body = "Hi {first_name}, is {company} on the Team plan? {unknown}"
    assert fill(body, VisitorFacts("Pat", "Acme")) == (
        "Hi Pat, is Acme on the Team plan? {unknown}")
    assert fill(body, VisitorFacts()) == (
        "Hi there, is your company on the Team plan? {unknown}")
    assert fill("Hi {first_name}", VisitorFacts(first_name="  ")) == "Hi there"


def test_fill_inserts_facts_as_they_are_without_reading_them_as_placeholders():
    assert fill("{first_name} / {company}", VisitorFacts("{company}", "<b>Acme</b>")) == (
        "{company} / <b>Acme</b>")


def test_first_name_is_the_first_word():
    assert first_name("Pat  Jones") == "Pat"
    assert first_name("  ") is None
    assert first_name(None) is None
