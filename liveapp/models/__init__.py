"""Models, one aggregate per module. Importing this package registers them all."""

from liveapp.models.user import AVAILABILITY, ROLES, Group, User, group_members, utcnow

__all__ = ["AVAILABILITY", "ROLES", "Group", "User", "group_members", "utcnow"]
