"""The catalogue of visitor fields criteria can test, their types and their operators."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from liveapp.domain.flows import COMPANY_SIZES


class FieldType(StrEnum):
    """What kind of value a field holds, which decides its operators."""

    TEXT = "text"
    URL = "url"
    NUMBER = "number"
    BOOL = "bool"
    CHOICE = "choice"
    URL_LIST = "url_list"
    ID = "id"
    ID_LIST = "id_list"


class Op(StrEnum):
    """A condition's operator."""

    EQUALS = "equals"
    NOT_EQUALS = "not_equals"
    CONTAINS = "contains"
    STARTS_WITH = "starts_with"
    ENDS_WITH = "ends_with"
    IN_LIST = "in_list"
    GREATER_THAN = "greater_than"
    LESS_THAN = "less_than"
    IS_SET = "is_set"
    IS_NOT_SET = "is_not_set"
    URL_MATCHES = "url_matches"


OPERATOR_LABELS: dict[Op, str] = {
    Op.EQUALS: "is",
    Op.NOT_EQUALS: "is not",
    Op.CONTAINS: "contains",
    Op.STARTS_WITH: "starts with",
    Op.ENDS_WITH: "ends with",
    Op.IN_LIST: "is one of",
    Op.GREATER_THAN: "is more than",
    Op.LESS_THAN: "is less than",
    Op.IS_SET: "is known",
    Op.IS_NOT_SET: "is unknown",
    Op.URL_MATCHES: "matches",
}

NO_VALUE = frozenset({Op.IS_SET, Op.IS_NOT_SET})

_PRESENCE = (Op.IS_SET, Op.IS_NOT_SET)
TYPE_OPERATORS: dict[FieldType, tuple[Op, ...]] = {
    FieldType.TEXT: (
        Op.EQUALS, Op.NOT_EQUALS, Op.CONTAINS, Op.STARTS_WITH, Op.ENDS_WITH, Op.IN_LIST,
        *_PRESENCE,
    ),
    FieldType.URL: (
        Op.EQUALS, Op.NOT_EQUALS, Op.CONTAINS, Op.STARTS_WITH, Op.URL_MATCHES, *_PRESENCE,
    ),
    FieldType.NUMBER: (
        Op.EQUALS, Op.NOT_EQUALS, Op.GREATER_THAN, Op.LESS_THAN, *_PRESENCE,
    ),
    FieldType.BOOL: (Op.EQUALS, *_PRESENCE),
    FieldType.CHOICE: (Op.EQUALS, Op.NOT_EQUALS, Op.IN_LIST, *_PRESENCE),
    FieldType.URL_LIST: (Op.EQUALS, Op.CONTAINS, Op.STARTS_WITH, Op.URL_MATCHES, *_PRESENCE),
    FieldType.ID: (Op.EQUALS, Op.NOT_EQUALS, Op.IN_LIST, *_PRESENCE),
    FieldType.ID_LIST: (Op.CONTAINS, Op.IN_LIST, *_PRESENCE),
}


@dataclass(frozen=True, slots=True)
class Field:
    """One visitor fact criteria can test.

    refers_to: what an id value names ("experience", "segment", "stream").
    only: the operators allowed, when fewer than the type's.
    for_routing: only routing rules may test it (membership: a segment testing segments
        could depend on itself).
    per_question: the condition also names a chat flow question ("<experience>:<step>").
    """

    key: str
    label: str
    group: str
    type: FieldType
    choices: tuple[str, ...] = ()
    always_known: bool = False
    refers_to: str = ""
    only: tuple[Op, ...] = ()
    for_routing: bool = False
    per_question: bool = False

    @property
    def operators(self) -> tuple[Op, ...]:
        """The operators this field allows, in the order the form lists them."""
        ops = self.only or TYPE_OPERATORS[self.type]
        if self.always_known:
            return tuple(op for op in ops if op not in NO_VALUE)
        return ops


LIFECYCLE_STAGES = (
    "Subscriber", "Lead", "MQL", "SQL", "Opportunity", "Customer", "Evangelist", "Other",
)

_T, _U, _N, _B = FieldType.TEXT, FieldType.URL, FieldType.NUMBER, FieldType.BOOL
_IS = (Op.EQUALS, Op.NOT_EQUALS)
_CATALOGUE = (
    Field("current_url", "Current URL", "Activity", _U),
    Field("visited_urls", "Any visited URL", "Activity", FieldType.URL_LIST),
    Field("page_count", "Pages viewed", "Activity", _N, always_known=True),
    Field("time_on_site_seconds", "Time on site (s)", "Activity", _N, always_known=True),
    Field("sessions", "Sessions", "Activity", _N, always_known=True),
    Field("referrer", "Referrer", "Activity", _U),
    Field("utm_source", "UTM source", "Activity", _T),
    Field("utm_medium", "UTM medium", "Activity", _T),
    Field("utm_campaign", "UTM campaign", "Activity", _T),
    Field("utm_term", "UTM term", "Activity", _T),
    Field("utm_content", "UTM content", "Activity", _T),
    Field("email", "Email", "Identity", _T),
    Field("email_domain", "Email domain", "Identity", _T),
    Field("name", "Name", "Identity", _T),
    Field("company_name", "Company", "Company", _T),
    Field("company_domain", "Company domain", "Company", _T),
    Field("industry", "Industry", "Company", _T),
    Field("employees", "Employees", "Company", _N),
    Field("revenue_band", "Revenue band", "Company", _T),
    Field("country", "Country", "Company", _T),
    Field("is_target_account", "Target account", "ABM", _B),
    Field("abm_tier", "ABM tier", "ABM", _T),
    Field("lead_score", "Lead score", "Marketing", _N),
    Field("lifecycle_stage", "Lifecycle stage", "Marketing", FieldType.CHOICE, LIFECYCLE_STAGES),
    Field("is_contact", "Salesforce Contact", "CRM", _B),
    Field("is_lead", "Salesforce Lead", "CRM", _B),
    Field("account_type", "Account type", "CRM", _T),
    Field("owner_known", "Salesforce owner known", "CRM", _B),
    Field("experience_id", "Current experience", "Experience", FieldType.ID,
          refers_to="experience"),
    Field("experiences_received", "Experiences received", "Experience", FieldType.ID_LIST,
          refers_to="experience"),
    Field("answered_company_size", "Answered company size", "Chat", FieldType.CHOICE,
          COMPANY_SIZES),
    Field("answered_industry", "Answered industry", "Chat", _T),
    Field("chat_answer", "Chat answer", "Chat", _T, per_question=True),
    Field("segment_ids", "In segment", "Membership", FieldType.ID_LIST, refers_to="segment",
          only=_IS, for_routing=True),
    Field("stream_id", "In stream", "Membership", FieldType.ID, refers_to="stream",
          only=_IS, for_routing=True),
)

FIELDS: dict[str, Field] = {field.key: field for field in _CATALOGUE}


def field_groups(*, for_routing: bool = False) -> list[tuple[str, list[Field]]]:
    """The catalogue grouped for a form's <optgroup>s, in catalogue order; the fields only
    routing rules may test are left out unless for_routing."""
    groups: dict[str, list[Field]] = {}
    for field in _CATALOGUE:
        if for_routing or not field.for_routing:
            groups.setdefault(field.group, []).append(field)
    return list(groups.items())


def operators_for(field_key: str) -> list[tuple[str, str]]:
    """(operator, label) pairs a field allows, for the form's operator select; [] if unknown."""
    field = FIELDS.get(field_key)
    if field is None:
        return []
    return [(op.value, OPERATOR_LABELS[op]) for op in field.operators]


def value_kind(field_key: str, operator: str) -> str:
    """Which value input the form shows for a field and operator.

    Returns one of: none, text, number, bool, choice, choices, list, id, ids.
    """
    field = FIELDS.get(field_key)
    if field is None or operator in NO_VALUE:
        return "none"
    many = operator == Op.IN_LIST
    if field.type is FieldType.CHOICE:
        return "choices" if many else "choice"
    if field.type in (FieldType.ID, FieldType.ID_LIST):
        return "ids" if many else "id"
    if many:
        return "list"
    return {FieldType.NUMBER: "number", FieldType.BOOL: "bool"}.get(field.type, "text")
