"""Conversation routing, pure: ordered rules, owner-first candidate steps, eligibility,
First Available / Round Robin / Balanced distribution, and a readable explanation.

Criteria are matched by the caller, which passes the ids of the matching rules; CRM
facts, reps' live state and round robin pointers are passed in, never looked up.
"""

from liveapp.domain.routing.decision import (
    Outcome,
    RoutingDecision,
    decide,
    first_matching_rule,
)
from liveapp.domain.routing.distribution import balanced_order, next_in_rotation, rotation_order
from liveapp.domain.routing.eligibility import (
    RepState,
    Skip,
    ineligibility,
    is_eligible,
    rep_state,
)
from liveapp.domain.routing.hours import in_working_hours
from liveapp.domain.routing.inputs import (
    CrmFacts,
    EngagementFacts,
    LastChat,
    Rep,
    RoutingRule,
    SalesforceFacts,
)
from liveapp.domain.routing.validation import validate_rule

__all__ = [
    "CrmFacts", "EngagementFacts", "LastChat", "Outcome", "Rep", "RepState", "RoutingDecision",
    "RoutingRule", "SalesforceFacts", "Skip", "balanced_order", "decide",
    "first_matching_rule", "in_working_hours", "ineligibility", "is_eligible",
    "next_in_rotation", "rep_state", "rotation_order", "validate_rule",
]
