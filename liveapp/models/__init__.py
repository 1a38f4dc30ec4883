"""Models, one aggregate per module. Importing this package registers them all."""

from liveapp.models.routing import (
    RoutingRule,
    routing_rule_fallback_groups,
    routing_rule_fallback_users,
    routing_rule_groups,
    routing_rule_users,
)
from liveapp.models.segment import Experience, Segment, experience_segments
from liveapp.models.stream import Stream, stream_experiences, stream_segments
from liveapp.models.user import AVAILABILITY, ROLES, Group, User, group_members, utcnow

__all__ = [
    "AVAILABILITY",
    "ROLES",
    "Experience",
    "Group",
    "RoutingRule",
    "Segment",
    "Stream",
    "User",
    "experience_segments",
    "group_members",
    "routing_rule_fallback_groups",
    "routing_rule_fallback_users",
    "routing_rule_groups",
    "routing_rule_users",
    "stream_experiences",
    "stream_segments",
    "utcnow",
]
