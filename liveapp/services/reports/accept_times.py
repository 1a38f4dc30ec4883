"""Time to accept (p50/p90) per rep and per group, ranked in the database: it sorts each
rep's (or group's) accepted offers and returns only the rows at the ranks the percentiles
interpolate between, not every offer. Times are whole seconds (floor), as the rollups
keep them."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from liveapp.extensions import db
from liveapp.models.history import Offer
from liveapp.models.user import group_members
from liveapp.services.reports import where
from liveapp.services.reports.days import PERCENTILE_RANKS, percentile_of_ranks
from liveapp.services.reports.filters import Filters
from liveapp.services.reports.scope import Window, whole_seconds

Percentiles = tuple[float | None, float | None]  # p50, p90 in seconds


def per_rep(filters: Filters) -> dict[int, Percentiles]:
    return _ranked(filters, Offer.rep_id, None)


def per_group(filters: Filters) -> dict[int, Percentiles]:
    """Over the accepted offers of the group's current members, pooled."""
    return _ranked(filters, group_members.c.group_id,
                   (group_members, group_members.c.user_id == Offer.rep_id))


def _ranked(filters: Filters, key, join) -> dict[int, Percentiles]:
    window = Window.of(filters)
    took = whole_seconds(Offer.answered_at, Offer.offered_at)
    query = select(key.label("k"), took.label("s"),
                   (func.row_number().over(partition_by=key, order_by=took) - 1).label("r"),
                   func.count().over(partition_by=key).label("n"))
    if join is not None:
        query = query.join(*join)
    ranked = query.where(*where.offers(filters, window), Offer.outcome == "accepted",
                         Offer.answered_at.is_not(None)).subquery()
    # The two ranks each percentile interpolates between (days.ranks_needed, in SQL).
    wanted = [ranked.c.r == (ranked.c.n - 1) * p // 100 + step
              for p in PERCENTILE_RANKS for step in (0, 1)]
    found: dict[int, tuple[int, dict[int, float]]] = {}
    for k, s, r, n in db.session.execute(
            select(ranked.c.k, ranked.c.s, ranked.c.r, ranked.c.n).where(or_(*wanted))):
        found.setdefault(k, (n, {}))[1][r] = float(s)
    return {k: tuple(percentile_of_ranks(n, at, p) for p in PERCENTILE_RANKS)
            for k, (n, at) in found.items()}
