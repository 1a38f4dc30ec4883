"""Properties of the criteria engine over generated criteria and facts (hypothesis)."""

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from liveapp.domain.criteria import Criteria, InvalidCriteria, compile, describe, validate
from tests.domain.strategies import any_conditions, any_criteria, facts, valid_conditions

FAST = settings(max_examples=60, deadline=None)


def single(condition):
    return compile(Criteria.from_dict({"match": "all", "conditions": [condition]}))


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
    assert compile(Criteria.from_dict(data))(visitor) in (True, False)


@FAST
@given(any_criteria, facts)
def test_whatever_validate_accepts_compiles_and_evaluates(data, visitor):
    errors = validate(data)
    event("accepted" if not errors else "refused")
    if errors:
        assert all(isinstance(error, str) and error for error in errors)
        with pytest.raises(InvalidCriteria):
            Criteria.from_dict(data)
        return
    criteria = Criteria.from_dict(data)
    predicate = compile(criteria)
    assert predicate(visitor) in (True, False)
    assert describe(criteria)
    assert Criteria.from_dict(criteria.to_dict()) == criteria


@FAST
@given(st.lists(valid_conditions(), min_size=1, max_size=6), st.sampled_from(["all", "any"]))
def test_valid_conditions_survive_a_json_round_trip(conditions, match):
    criteria = Criteria.from_dict({"match": match, "conditions": conditions})
    assert validate(criteria.to_dict()) == []
    assert Criteria.from_dict(criteria.to_dict()) == criteria
