"""Sites: creating and editing them, and the hot-path lookup of a site by its key."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError

from liveapp.errors import ValidationFailed
from liveapp.extensions import db
from liveapp.models import Site
from liveapp.services.settings.names import name_taken

log = logging.getLogger(__name__)

CACHE_TTL = 10.0  # seconds an origin change may take to reach other web processes
MISS_RELOAD_INTERVAL = 1.0  # unknown keys re-read the table at most this often


@dataclass(frozen=True)
class SiteInfo:
    """What the events API needs about a site, cached in-process."""

    id: int
    origins: frozenset[str]


def parse_origins(text: str) -> list[str]:
    """One origin per line (or comma separated); raises ValidationFailed naming the bad one."""
    origins: list[str] = []
    for raw in text.replace(",", "\n").splitlines():
        value = raw.strip().rstrip("/")
        if not value:
            continue
        parts = urlsplit(value)
        if (parts.scheme not in ("http", "https") or not parts.hostname
                or parts.path or parts.query or parts.fragment or "@" in parts.netloc):
            raise ValidationFailed({
                "allowed_origins": f"{value[:100]} is not an origin like https://www.example.com"
            })
        origin = f"{parts.scheme}://{parts.netloc.lower()}"
        if origin not in origins:
            origins.append(origin)
    if len(origins) > 50:
        raise ValidationFailed({"allowed_origins": "At most 50 origins."})
    return origins


def save_site(site: Site | None, *, name: str, allowed_origins: list[str]) -> Site:
    """Create or change a site; the key is generated once and never changes."""
    name = name.strip()
    if not name:
        raise ValidationFailed({"name": "A site needs a name."})
    if name_taken(Site, name, site):
        raise ValidationFailed({"name": "A site with this name already exists."})
    if site is None:
        site = Site(name=name)
        db.session.add(site)
    site.name = name
    site.allowed_origins = list(allowed_origins)
    db.session.commit()
    forget_cache()
    return site


def _cache() -> dict:
    return current_app.extensions.setdefault("liveapp_site_cache", {})


def forget_cache() -> None:
    """Drop this process's cached sites (after an edit)."""
    _cache().clear()


def _load() -> tuple[dict[str, SiteInfo], frozenset[str]]:
    rows = db.session.execute(select(Site.id, Site.site_key, Site.allowed_origins)).all()
    db.session.rollback()  # end the read transaction at once: the hot path holds no locks
    sites = {key: SiteInfo(id_, frozenset(origins or ())) for id_, key, origins in rows}
    every_origin = frozenset().union(*(s.origins for s in sites.values()))
    return sites, every_origin


def _snapshot(force: bool = False) -> tuple[dict[str, SiteInfo], frozenset[str]]:
    cache = _cache()
    now = time.monotonic()
    stale = cache.get("loaded", -CACHE_TTL) + CACHE_TTL < now
    if stale or (force and cache["loaded"] + MISS_RELOAD_INTERVAL < now):
        try:
            cache["sites"], cache["origins"] = _load()
        except (OperationalError, InterfaceError):
            if "sites" not in cache:
                raise  # nothing known yet: the request is refused (503)
            # The database is away: the sites known a moment ago still take events (they
            # wait in Redis for the pipeline), instead of every event answering 503.
            db.session.rollback()
            log.warning("sites: database away, keeping the sites loaded before")
        cache["loaded"] = now
    return cache["sites"], cache["origins"]


def site_for_key(site_key: str) -> SiteInfo | None:
    """The site with this public key (cached for a few seconds), or None."""
    sites, _ = _snapshot()
    info = sites.get(site_key)
    if info is None:
        # Maybe a site created a moment ago in another process: look again, but a flood
        # of made-up keys costs at most one query a second.
        sites, _ = _snapshot(force=True)
        info = sites.get(site_key)
    return info


def origin_allowed_anywhere(origin: str) -> bool:
    """For CORS preflights, which carry no body and so no site key."""
    _, origins = _snapshot()
    return origin in origins
