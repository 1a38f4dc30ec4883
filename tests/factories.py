"""factory_boy factories bound to the app's SQLAlchemy session."""

from __future__ import annotations

import factory
from factory.alchemy import SQLAlchemyModelFactory

from liveapp.extensions import db
from liveapp.models import Experience, Group, RoutingRule, Segment, Stream, User

PASSWORD = "correct-horse-battery"


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Sequence(lambda n: f"User {n}")
    role = "rep"
    is_chat_user = True
    availability = "available"
    max_concurrent_chats = 3
    active = True
    password_hash = factory.LazyFunction(lambda: _hash())


_cached_hash: dict[str, str] = {}


def _hash() -> str:
    # Hashing is slow on purpose; one hash serves every factory user.
    if "h" not in _cached_hash:
        from werkzeug.security import generate_password_hash

        _cached_hash["h"] = generate_password_hash(PASSWORD)
    return _cached_hash["h"]


class GroupFactory(Base):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"Group {n}")


class SegmentFactory(Base):
    class Meta:
        model = Segment

    name = factory.Sequence(lambda n: f"Segment {n}")
    description = ""
    criteria = factory.LazyFunction(
        lambda: {"match": "all", "conditions": [
            {"field": "email", "operator": "is_set", "value": None}]}
    )


class ExperienceFactory(Base):
    class Meta:
        model = Experience

    name = factory.Sequence(lambda n: f"Experience {n}")
    active = True
    priority = factory.Sequence(int)
    targeting = factory.LazyFunction(list)
    flow = factory.LazyFunction(lambda: [{"type": "bot_message", "text": "Hi!"}])


class StreamFactory(Base):
    class Meta:
        model = Stream

    name = factory.Sequence(lambda n: f"Stream {n}")
    colour = "#2f5bea"
    position = factory.Sequence(int)


class RoutingRuleFactory(Base):
    class Meta:
        model = RoutingRule

    name = factory.Sequence(lambda n: f"Rule {n}")
    position = factory.Sequence(int)
    active = True
    criteria = factory.LazyFunction(lambda: {"match": "all", "conditions": []})
    route_to_all = True
    account_team_roles = factory.LazyFunction(list)
    distribution = "first_available"
    offer_timeout_seconds = 30
    when_nobody = "meeting_booker"
