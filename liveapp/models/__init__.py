"""Models, one aggregate per module. Importing this package registers them all."""

from liveapp.models.canned_reply import CannedReply
from liveapp.models.conversation import Conversation, Message, OfflineMessage, offline_message_reps
from liveapp.models.enrichment import AbmAccount, MarketingRecord
from liveapp.models.history import (
    OFFER_OUTCOMES,
    OUTCOMES,
    Offer,
    RoutingRecord,
    RoutingSkip,
    VisitorHour,
)
from liveapp.models.integration import CRMS, Integration
from liveapp.models.meeting import Meeting
from liveapp.models.report_days import (
    ChatDay,
    ChatFacetDay,
    CompanyDay,
    DecisionDay,
    GroupCompanyDay,
    GroupDayBuilt,
    GroupVisitorDay,
    RepCompanyDay,
    RepDay,
    RepFacetDay,
    ReportDayBuilt,
    RepVisitorDay,
    RuleCompanyDay,
    RuleVisitorDay,
    SkipDay,
    VisitorDay,
)
from liveapp.models.routing import (
    RoutingRule,
    routing_rule_fallback_groups,
    routing_rule_fallback_users,
    routing_rule_groups,
    routing_rule_users,
)
from liveapp.models.segment import Experience, Segment, experience_segments
from liveapp.models.site import Site, new_site_key
from liveapp.models.stream import Stream, stream_experiences, stream_segments
from liveapp.models.user import AVAILABILITY, ROLES, Group, User, group_members, utcnow
from liveapp.models.visitor import PageView, Visitor, VisitSession

__all__ = [
    "AVAILABILITY",
    "CRMS",
    "CannedReply",
    "ChatDay",
    "ChatFacetDay",
    "CompanyDay",
    "DecisionDay",
    "GroupCompanyDay",
    "GroupDayBuilt",
    "GroupVisitorDay",
    "RepCompanyDay",
    "RepDay",
    "RepFacetDay",
    "RepVisitorDay",
    "ReportDayBuilt",
    "RuleCompanyDay",
    "RuleVisitorDay",
    "SkipDay",
    "VisitorDay",
    "Conversation",
    "ROLES",
    "AbmAccount",
    "Experience",
    "Group",
    "Integration",
    "MarketingRecord",
    "OFFER_OUTCOMES",
    "OUTCOMES",
    "Offer",
    "Meeting",
    "Message",
    "OfflineMessage",
    "PageView",
    "RoutingRecord",
    "RoutingRule",
    "RoutingSkip",
    "Segment",
    "Site",
    "Stream",
    "User",
    "VisitSession",
    "Visitor",
    "VisitorHour",
    "experience_segments",
    "group_members",
    "new_site_key",
    "offline_message_reps",
    "routing_rule_fallback_groups",
    "routing_rule_fallback_users",
    "routing_rule_groups",
    "routing_rule_users",
    "stream_experiences",
    "stream_segments",
    "utcnow",
]
