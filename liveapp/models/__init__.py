"""Models, one aggregate per module. Importing this package registers them all."""

from liveapp.models.enrichment import AbmAccount, MarketingRecord
from liveapp.models.site import Site, new_site_key
from liveapp.models.user import AVAILABILITY, ROLES, Group, User, group_members, utcnow
from liveapp.models.visitor import PageView, Visitor, VisitSession

__all__ = [
    "AVAILABILITY",
    "ROLES",
    "AbmAccount",
    "Group",
    "MarketingRecord",
    "PageView",
    "Site",
    "User",
    "VisitSession",
    "Visitor",
    "group_members",
    "new_site_key",
    "utcnow",
]
