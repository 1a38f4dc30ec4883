"""The configuration SPEC section 5 measures under: 20 segments, 10 experiences,
5 streams and 10 routing rules. Call inside an app context, on an empty database."""

from __future__ import annotations

SEGMENT_SHAPES = (
    ("page_count", "greater_than", lambda n: n % 5),
    ("current_url", "url_matches", lambda n: f"*/page{n}*"),
    ("email_domain", "equals", lambda n: f"co{n}.example"),
    ("utm_source", "in_list", lambda n: ["ads", f"src{n}"]),
)


def configure_settings() -> None:
    """Create the segments, experiences, streams and routing rules."""
    from liveapp.services.membership import experiences, segments, streams
    from liveapp.services.routing import routing_rules

    made = []
    for n in range(20):
        field, operator, value = SEGMENT_SHAPES[n % len(SEGMENT_SHAPES)]
        made.append(segments.save_segment(None, name=f"Segment {n}", description="", criteria={
            "match": "all",
            "conditions": [{"field": field, "operator": operator, "value": value(n)}]}))
    shown = [experiences.save_experience(
        None, name=f"Experience {n}", active=True,
        targeting=[{"kind": "contains", "value": f"/page{n}", "exclude": False}],
        audience=made[n:n + 1], flow=[{"type": "bot_message", "text": "Hi!"}])
        for n in range(10)]
    for n in range(5):
        streams.save_stream(None, name=f"Stream {n}", colour="#2f5bea",
                            segments=made[n * 4:(n + 1) * 4], experiences=shown[n * 2:n * 2 + 2])
    for n in range(10):
        routing_rules.save_rule(None, {
            "name": f"Rule {n}", "active": True, "route_to_all": True,
            "criteria": made[n].criteria, "distribution": "first_available",
            "when_nobody": "meeting_booker", "offer_timeout_seconds": 30,
        })
