"""Models, one aggregate per module. Importing this package registers them all."""

from liveapp.models.segment import Experience, Segment, experience_segments
from liveapp.models.stream import Stream, stream_experiences, stream_segments
from liveapp.models.user import AVAILABILITY, ROLES, Group, User, group_members, utcnow

__all__ = [
    "AVAILABILITY",
    "ROLES",
    "Experience",
    "Group",
    "Segment",
    "Stream",
    "User",
    "experience_segments",
    "group_members",
    "stream_experiences",
    "stream_segments",
    "utcnow",
]
