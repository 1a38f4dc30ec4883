"""Hypothesis strategies for visitor facts and criteria, biased towards values that match."""

from __future__ import annotations

from hypothesis import strategies as st

from liveapp.domain.facts import VisitorFacts
from liveapp.domain.fields import FIELDS, NO_VALUE, FieldType, Op

WORDS = ["acme", "Acme Corp", "acme.com", "globex.com", "US", "ca", "SaaS", "ads", "x"]
URLS = [
    "https://acme.com/",
    "https://acme.com/pricing",
    "https://ACME.com/pricing/?utm_source=ads#plans",
    "http://acme.com/docs/api",
    "https://acme.com/about?next=/pricing",
    "https://blog.acme.com/post/1",
]
URL_VALUES = [
    "acme.com/pricing", "https://acme.com/pricing", "*/pricing*", "*acme.com*", "*/docs/*",
    "pricing", "https://acme.com", "*?next=*", "*", "blog.*", "*/post/*",
]

texts = st.one_of(st.none(), st.sampled_from(WORDS), st.text(max_size=12))
urls = st.one_of(st.none(), st.sampled_from(URLS), st.text(max_size=30))
numbers = st.one_of(
    st.integers(-5, 200), st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
)
flags = st.one_of(st.none(), st.booleans())
ids = st.integers(1, 5)
QUESTIONS = ["1:0", "1:2", "2:3"]
SIZES = ["1-10", "201-1000", "1001+", "huge"]

facts = st.builds(
    VisitorFacts,
    current_url=urls,
    visited_urls=st.lists(st.one_of(st.sampled_from(URLS), st.text(max_size=20)), max_size=4)
    .map(tuple),
    page_count=st.integers(0, 50),
    time_on_site_seconds=st.floats(0, 1e5, allow_nan=False),
    sessions=st.integers(0, 9),
    referrer=urls,
    utm_source=texts,
    utm_campaign=texts,
    email=st.one_of(
        st.none(),
        st.sampled_from(["bob@acme.com", "a@GLOBEX.com", "x@", "@"]),
        st.builds("{}@{}".format, st.text(max_size=5), st.sampled_from(WORDS)),
    ),
    name=texts,
    company_name=texts,
    company_domain=texts,
    industry=texts,
    employees=st.one_of(st.none(), st.integers(0, 10_000)),
    country=texts,
    is_target_account=flags,
    abm_tier=texts,
    lead_score=st.one_of(st.none(), numbers),
    lifecycle_stage=st.one_of(st.none(), st.sampled_from(["lead", "MQL", "Customer", "?"])),
    is_contact=flags,
    is_lead=flags,
    account_type=texts,
    owner_known=flags,
    experience_id=st.one_of(st.none(), ids),
    experiences_received=st.frozensets(ids, max_size=3),
    answered_company_size=st.one_of(st.none(), st.sampled_from(SIZES)),
    answered_industry=texts,
    chat_answers=st.dictionaries(st.sampled_from(QUESTIONS), texts.filter(bool), max_size=3),
    segment_ids=st.frozensets(ids, max_size=3),
    stream_id=st.one_of(st.none(), ids),
)


def _single(kind: FieldType, field_key: str) -> st.SearchStrategy:
    """A valid single value for a field of this kind."""
    if kind is FieldType.NUMBER:
        return numbers
    if kind is FieldType.BOOL:
        return st.booleans()
    if kind in (FieldType.ID, FieldType.ID_LIST):
        return ids
    if kind is FieldType.CHOICE:
        choices = FIELDS[field_key].choices
        return st.sampled_from(choices).flatmap(lambda c: st.sampled_from([c, c.lower()]))
    if kind in (FieldType.URL, FieldType.URL_LIST):
        return st.sampled_from(URL_VALUES)
    return st.one_of(st.sampled_from(WORDS), st.text(min_size=1, max_size=8).filter(str.strip))


@st.composite
def valid_conditions(draw, for_routing: bool = True) -> dict:
    """A condition dict that validate(for_routing=...) accepts."""
    keys = sorted(key for key, field in FIELDS.items() if for_routing or not field.for_routing)
    field = FIELDS[draw(st.sampled_from(keys))]
    operator = draw(st.sampled_from(field.operators))
    if operator in NO_VALUE:
        value = draw(st.sampled_from([None, ""]))
    elif operator is Op.IN_LIST:
        value = draw(st.lists(_single(field.type, field.key), min_size=1, max_size=4))
    else:
        value = draw(_single(field.type, field.key))
    condition = {"field": field.key, "operator": operator.value, "value": value}
    if field.per_question:
        condition["question"] = draw(st.sampled_from(QUESTIONS))
    return condition


json_values = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10),
        st.sampled_from(WORDS + URL_VALUES + ["MQL", "", " ", "/", "#"]),
    ),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(), children),
    max_leaves=6,
)


@st.composite
def any_conditions(draw) -> object:
    """A condition that may be invalid in any way: junk fields, operators, values, shapes."""
    shape = draw(st.integers(0, 9))
    if shape == 0:
        return draw(json_values)
    if shape <= 4:
        return draw(valid_conditions())
    key = draw(st.sampled_from(sorted(FIELDS))) if shape <= 8 else draw(json_values)
    allowed = FIELDS[key].operators if isinstance(key, str) and key in FIELDS else tuple(Op)
    operator = draw(st.one_of(st.sampled_from([op.value for op in allowed]), json_values))
    value = draw(st.one_of(json_values, valid_conditions().map(lambda c: c["value"])))
    question = draw(st.one_of(st.sampled_from(QUESTIONS), json_values))
    return {"field": key, "operator": operator, "value": value, "question": question}


any_criteria = st.one_of(
    st.fixed_dictionaries({
        "match": st.sampled_from(["all", "any", "all", "any", "ALL", None, 1]),
        "conditions": st.lists(any_conditions(), min_size=1, max_size=3),
    }),
    st.fixed_dictionaries({"match": json_values, "conditions": json_values}),
    json_values,
)
