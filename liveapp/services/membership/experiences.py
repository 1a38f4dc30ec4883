"""Experiences: targeted chat flows, validated by the pure experiences domain."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from liveapp.domain import experiences as domain
from liveapp.domain import invitations
from liveapp.errors import ValidationFailed
from liveapp.extensions import db
from liveapp.models import Experience, Segment
from liveapp.services.bus import changes
from liveapp.services.settings import ordering
from liveapp.services.settings.names import name_taken


def ordered_experiences() -> list[Experience]:
    """Every experience in priority order: the first that matches a page view wins."""
    return list(db.session.scalars(select(Experience).order_by(Experience.priority,
                                                               Experience.id)))


def _check(experience, name, targeting, flow, invitation) -> dict:
    errors: dict = {}
    if name_taken(Experience, name, experience):
        errors["name"] = "An experience with this name already exists."
    if problems := (domain.validate_targeting(targeting)
                    or domain.unmatchable_targeting(targeting)):
        errors["targeting"] = problems
    if problems := domain.validate_flow(flow):
        errors["flow"] = problems
    if problems := invitations.validate_invitation(invitation):
        errors["invitation"] = "; ".join(problems)
    return errors


def save_experience(
    experience: Experience | None,
    *,
    name: str,
    active: bool,
    targeting: list,
    audience: Sequence[Segment],
    flow: list,
    invitation: dict | None = None,
) -> Experience:
    """Create or update an experience; raises ValidationFailed (lists for rows)."""
    name = name.strip()
    errors = _check(experience, name, targeting, flow, invitation)
    if errors:
        raise ValidationFailed(errors)
    if experience is None:
        last = db.session.scalar(select(func.max(Experience.priority)))
        experience = Experience(priority=(last + 1) if last is not None else 0)
        db.session.add(experience)
    experience.name, experience.active = name, active
    experience.targeting = [r.to_dict() for r in domain.parse_targeting(targeting)]
    experience.flow = [s.to_dict() for s in domain.parse_flow(flow)]
    experience.audience = list(audience)
    parsed = invitations.parse_invitation(invitation)
    experience.invitation = parsed.to_dict() if parsed else None
    db.session.commit()
    changes.settings_changed("experiences")
    return experience


def reorder(experience_ids: Sequence[int]) -> list[Experience]:
    """Save a new priority order; the ids must be exactly the existing experiences."""
    ordering.apply_order(ordered_experiences(), experience_ids, "priority", "experience")
    db.session.commit()
    changes.settings_changed("experiences")
    return ordered_experiences()


def delete_experience(experience: Experience) -> None:
    db.session.delete(experience)
    db.session.commit()
    changes.settings_changed("experiences")


def domain_experiences() -> list[domain.Experience]:
    """Saved experiences as the domain's choose_experience() takes them, in priority order."""
    return [
        domain.Experience(
            id=e.id,
            active=e.active,
            rules=domain.parse_targeting(e.targeting),
            audience=frozenset(s.id for s in e.audience),
            flow=domain.parse_flow(e.flow),
        )
        for e in ordered_experiences()
    ]
