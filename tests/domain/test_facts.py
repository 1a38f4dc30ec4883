"""Visitor facts clean their values so criteria can trust the types."""

import math

from liveapp.domain.facts import VisitorFacts, email_domain_of


def test_email_domain_is_derived():
    assert VisitorFacts(email="Bob@ACME.com").email_domain == "acme.com"
    assert VisitorFacts(email="nobody").email_domain is None
    assert VisitorFacts().email_domain is None
    assert email_domain_of("a@b@Example.org ") == "example.org"
    assert email_domain_of("x@ ") is None


def test_values_are_cleaned_on_construction():
    facts = VisitorFacts(
        company_name="  Acme ", industry="   ", employees="50", lead_score=math.nan,
        page_count=None, is_contact="yes", is_lead="maybe", owner_known=0, abm_tier=1,
        visited_urls=["https://a", " ", " https://b "], experiences_received=[1, "2", 0, "x"],
        experience_id="3",
    )
    assert facts.company_name == "Acme"
    assert facts.industry is None
    assert facts.employees == 50
    assert facts.lead_score is None
    assert facts.page_count == 0
    assert (facts.is_contact, facts.is_lead, facts.owner_known) == (True, None, False)
    assert facts.abm_tier == "1"
    assert facts.visited_urls == ("https://a", "https://b")
    assert facts.experiences_received == frozenset({1, 2})
    assert facts.experience_id == 3


def test_facts_round_trip_through_json_data_and_ignore_unknown_keys():
    facts = VisitorFacts(email="a@b.co", visited_urls=("https://a",), experiences_received={2})
    data = facts.to_dict()
    assert data["email_domain"] == "b.co"
    assert data["experiences_received"] == [2]
    assert VisitorFacts.from_mapping({**data, "favourite_colour": "red"}) == facts


def test_chat_answers_and_membership_are_cleaned():
    facts = VisitorFacts(
        answered_company_size=" 201-1000 ", answered_industry="  ",
        chat_answers={"7:2": " Talk to sales ", "7:3": "  ", "7:4": 5, 8: "x"},
        segment_ids=["3", 0, 4, "x"], stream_id="2",
    )
    assert facts.answered_company_size == "201-1000"
    assert facts.answered_industry is None
    assert facts.chat_answers == {"7:2": "Talk to sales", "8": "x"}
    assert facts.segment_ids == frozenset({3, 4})
    assert facts.stream_id == 2
    assert VisitorFacts(chat_answers="junk").chat_answers == {}
    assert VisitorFacts(chat_answers=None, stream_id=-1).stream_id is None


def test_with_membership_sets_the_segments_and_stream_only():
    facts = VisitorFacts(email="a@b.co", chat_answers={"1:0": "Yes"})
    placed = facts.with_membership({2, 3}, 5)
    assert (placed.segment_ids, placed.stream_id) == ({2, 3}, 5)
    assert placed.with_membership((), None) == facts
    data = placed.to_dict()
    assert data["segment_ids"] == [2, 3] and data["chat_answers"] == {"1:0": "Yes"}
    assert VisitorFacts.from_mapping(data) == placed
