"""Visitor tokens: issued, verified, refused when forged, altered or expired."""

import time

import time_machine

from liveapp.services.chat.tokens import MAX_AGE, verify_visitor_token, visitor_token
from tests.clock import at_each_instant

pytestmark = at_each_instant  # reads the wall clock: see tests/clock.py

VISITOR = "7f0c2f59-2d2a-4f7e-9a8e-0d9b1c3e5a11"


def test_round_trip(app_ctx):
    assert verify_visitor_token(visitor_token(VISITOR)) == VISITOR


def test_forged_and_altered_tokens_are_refused(app_ctx):
    token = visitor_token(VISITOR)
    assert verify_visitor_token("forged") is None
    assert verify_visitor_token(token[:-2] + ("AA" if token[-2:] != "AA" else "BB")) is None


def test_a_token_lasts_a_week_and_no_longer(app_ctx):
    token = visitor_token(VISITOR)
    with time_machine.travel(time.time() + MAX_AGE - 60):
        assert verify_visitor_token(token) == VISITOR
    with time_machine.travel(time.time() + MAX_AGE + 60):
        assert verify_visitor_token(token) is None


def test_token_from_another_installation_is_refused(app, app_ctx):
    token = visitor_token(VISITOR)
    app.config["SECRET_KEY"], old = "other-secret", app.config["SECRET_KEY"]
    try:
        assert verify_visitor_token(token) is None
    finally:
        app.config["SECRET_KEY"] = old
