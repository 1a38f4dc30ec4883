"""Fixtures for chat transfers: reps with open boards, a visitor Ann is chatting with
(claimed through the real endpoint), live events read from Redis pub/sub."""

from __future__ import annotations

import pytest

from liveapp.extensions import db
from liveapp.services.chat import conversations
from liveapp.services.routing import assignments
from tests.offers.conftest import (  # noqa: F401  (shared fixtures)
    api,
    job_app,
    make_rep,
    record,
    signed_in,
    site,
    visit,
)


@pytest.fixture
def team(make_rep):  # noqa: F811
    """Ann, Bob and Cy, chat reps whose boards are open."""
    return {name: make_rep(name=f"{name} Rep", email=f"{name.lower()}@example.com")
            for name in ("Ann", "Bob", "Cy")}


@pytest.fixture
def chatting(visit, team, signed_in):  # noqa: F811
    """chatting(**traits) -> (visitor id, conversation id, Ann's client): a live visitor
    routed to Ann, who started a chat with them."""

    def make(**traits):
        ann = team["Ann"]
        vid = visit(traits=traits) if traits else visit()
        assignments.save(vid, assignments.Assignment(
            rule_name="Everyone", mode="first_available", routed_to=[ann.id]))
        client = signed_in(ann)
        assert client.post(f"/conversations/claim/{vid}").status_code == 303
        conversation = conversations.open_conversation(vid)
        return vid, conversation.id, client

    return make


def fresh(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)
