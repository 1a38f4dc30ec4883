"""Properties of the criteria engine over generated criteria and facts (hypothesis).

Routing rules may test every field, so the properties hold for_routing; segments'
narrower scope has properties of its own at the end."""

from functools import partial

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from liveapp.domain import criteria as engine
from liveapp.domain.criteria import InvalidCriteria, compile, describe
from liveapp.domain.facts import VisitorFacts
from liveapp.domain.fields import FIELDS
from tests.domain.strategies import any_conditions, any_criteria, facts, valid_conditions

FAST = settings(max_examples=60, deadline=None)
validate = partial(engine.validate, for_routing=True)
from_dict = partial(engine.Criteria.from_dict, for_routing=True)


def single(condition):
    return compile(from_dict({"match": "all", "conditions": [condition]}))


@FAST
@given(st.lists(valid_conditions(), min_size=1, max_size=6), facts)
def test_all_is_and_and_any_is_or_of_the_single_conditions(conditions, visitor):
    each = [single(condition)(visitor) for condition in conditions]
    assert compile({"match": "all", "conditions": conditions})(visitor) is all(each)
    assert compile({"match": "any", "conditions": conditions})(visitor) is any(each)


@FAST
@given(valid_conditions(), facts)
def test_not_equals_and_is_not_set_are_exact_negations(condition, visitor):
    opposite = {"equals": "not_equals", "not_equals": "equals",
                "is_set": "is_not_set", "is_not_set": "is_set"}.get(condition["operator"])
    if opposite is None:
        return
    flipped = {**condition, "operator": opposite}
    try:
        negated = single(flipped)
    except InvalidCriteria:
        return  # e.g. a yes/no field has no "is not"
    assert negated(visitor) is not single(condition)(visitor)


@FAST
@given(any_conditions(), facts)
def test_each_condition_validate_accepts_evaluates(condition, visitor):
    data = {"match": "all", "conditions": [condition]}
    errors = validate(data)
    event("accepted" if not errors else "refused")
    if errors:
        assert len(errors) == 1 and errors[0].startswith("condition 1: ")
        return
    assert compile(from_dict(data))(visitor) in (True, False)


@FAST
@given(any_criteria, facts)
def test_whatever_validate_accepts_compiles_and_evaluates(data, visitor):
    errors = validate(data)
    event("accepted" if not errors else "refused")
    if errors:
        assert all(isinstance(error, str) and error for error in errors)
        with pytest.raises(InvalidCriteria):
            from_dict(data)
        return
    criteria = from_dict(data)
    predicate = compile(criteria)
    assert predicate(visitor) in (True, False)
    assert describe(criteria)
    assert from_dict(criteria.to_dict()) == criteria


@FAST
@given(st.lists(valid_conditions(), min_size=1, max_size=6), st.sampled_from(["all", "any"]))
def test_valid_conditions_survive_a_json_round_trip(conditions, match):
    criteria = from_dict({"match": match, "conditions": conditions})
    assert validate(criteria.to_dict()) == []
    assert from_dict(criteria.to_dict()) == criteria


@FAST
@given(st.lists(valid_conditions(), min_size=1, max_size=4))
def test_segments_refuse_exactly_the_conditions_only_routing_rules_may_test(conditions):
    data = {"match": "all", "conditions": conditions}
    errors = engine.validate(data)
    routing_only = [number for number, condition in enumerate(conditions, start=1)
                    if FIELDS[condition["field"]].for_routing]
    assert [int(error.split(":")[0].split()[1]) for error in errors] == routing_only
    assert all("can be used in routing rules only" in error for error in errors)
    if not routing_only:
        assert engine.Criteria.from_dict(data) == from_dict(data)


@FAST
@given(valid_conditions(), facts)
def test_a_chat_answer_condition_reads_only_its_own_question(condition, visitor):
    if not FIELDS[condition["field"]].per_question:
        return
    answer = visitor.chat_answers.get(condition["question"])
    alone = VisitorFacts(chat_answers={condition["question"]: answer} if answer else {})
    assert single(condition)(visitor) is single(condition)(alone)


@FAST
@given(st.sampled_from(["segment_ids", "stream_id"]), st.sampled_from(["equals", "not_equals"]),
       st.integers(1, 5), facts)
def test_membership_conditions_read_the_segments_and_stream_given(field, operator, ident,
                                                                    visitor):
    held = ident in visitor.segment_ids if field == "segment_ids" else visitor.stream_id == ident
    test = single({"field": field, "operator": operator, "value": ident})
    assert test(visitor) is (held if operator == "equals" else not held)
    # Only membership decides: the same segments and stream on an otherwise empty visitor.
    bare = VisitorFacts().with_membership(visitor.segment_ids, visitor.stream_id)
    assert test(bare) is test(visitor)
