"""Hot presence state in Redis: one hash per visitor plus two sorted sets the expiry job
scans. Heartbeats touch only this; the database is written only when something changes."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from redis import WatchError

from liveapp.domain import visitor_presence
from liveapp.domain.visitor_presence import Presence
from liveapp.extensions import redis

# A visit (session) continues while its hot state lives: 30 minutes after the last sign.
SESSION_TIMEOUT = 30 * 60
LIVE_LIMIT = 5000


@dataclass(frozen=True)
class HotState:
    """A visitor's hot state as stored in Redis."""

    site_id: int
    presence: Presence
    session_id: int | None = None
    page_view_id: int | None = None
    page_view_at: float | None = None
    url: str = ""
    title: str = ""
    pages: int = 0

    def to_mapping(self) -> dict[str, str]:
        return {
            "site_id": str(self.site_id),
            "state": self.presence.state,
            "act": repr(self.presence.last_activity),
            "hb": repr(self.presence.last_heartbeat),
            "session_id": "" if self.session_id is None else str(self.session_id),
            "pv_id": "" if self.page_view_id is None else str(self.page_view_id),
            "pv_at": "" if self.page_view_at is None else repr(self.page_view_at),
            "url": self.url,
            "title": self.title,
            "pages": str(self.pages),
        }


def _int(value: str | None) -> int | None:
    return int(value) if value else None


def decode(raw: dict) -> HotState | None:
    """A HotState from HGETALL's answer (bytes), or None when there is none."""
    if not raw:
        return None
    data = {k.decode(): v.decode() for k, v in raw.items()}
    try:
        return HotState(
            site_id=int(data["site_id"]),
            presence=Presence(data["state"], float(data["act"]), float(data["hb"])),
            session_id=_int(data.get("session_id")),
            page_view_id=_int(data.get("pv_id")),
            page_view_at=float(data["pv_at"]) if data.get("pv_at") else None,
            url=data.get("url", ""),
            title=data.get("title", ""),
            pages=int(data.get("pages") or 0),
        )
    except (KeyError, ValueError):
        return None  # a half-written or foreign hash: treat the visitor as unknown


def state_key(visitor_id: str) -> str:
    return redis.key("presence", "v", visitor_id)


def heartbeats_key() -> str:
    """Visitors not yet left, scored by their last heartbeat."""
    return redis.key("presence", "hb")


def activity_key() -> str:
    """Active visitors, scored by their last activity."""
    return redis.key("presence", "act")


def queue_read(pipe, visitor_id: str) -> None:
    """Add the read of a visitor's hot state to a caller's pipeline (see decode)."""
    pipe.hgetall(state_key(visitor_id))


def load(visitor_id: str) -> HotState | None:
    return decode(redis.client.hgetall(state_key(visitor_id)))


@dataclass(frozen=True)
class Ingested:
    """What the accept script did: `limited`, `foreign` (another site's visitor),
    `nothing` (a leave for nobody known), `beat` (a heartbeat applied, nothing appended) or
    `queued` (appended): with the presence states before and after."""

    outcome: str
    before: str = ""
    after: str = ""


# The events API's one round trip: both rate limits, then the event's presence applied
# here (mirroring liveapp.domain.visitor_presence.on_event) and the event appended to the
# pipeline's stream in the same script, so presence and the stream never disagree and nothing is
# appended for a rejected event. A known visitor's heartbeat is appended only when it
# changed the presence state (the processor publishes that change).
ACCEPT_SCRIPT = """
local window, ip_limit, visitor_limit = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local ip_hits = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], window)
local visitor_hits = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], window)
if ip_hits > ip_limit or visitor_hits > visitor_limit then
  return {'limited'}
end
local site_id, kind, now, active = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local vid, event_id, data = ARGV[10], ARGV[11], ARGV[12]
local h = redis.call('HMGET', KEYS[3], 'site_id', 'state', 'act', 'hb', 'url')
if h[1] and h[1] ~= site_id then
  return {'foreign'}
end
local known = h[1] and h[2] and h[3] and h[4]
local state, act, hb = 'active', now, now
if kind == 'heartbeat' and known then
  if active ~= '1' then
    act = h[3]
    if tonumber(now) - tonumber(act) >= tonumber(ARGV[8]) then
      state = 'idle'
    end
  end
elseif kind == 'leave' then
  if not known then
    return {'nothing'}
  end
  state, act, hb = h[2], h[3], h[4]
  if tonumber(ARGV[13]) < tonumber(hb) then
    hb = ARGV[13]
  end
elseif kind == 'heartbeat' and active ~= '1' then
  state, act = 'idle', ARGV[14]
end
-- The append first: when Redis refuses it (a full memory, a wrong key) nothing else of
-- this event is written, and the API answers 503.
local before = h[2] or ''
local append = not (kind == 'heartbeat' and known and before == state)
if append then
  redis.call('XADD', KEYS[6], '*', 'id', event_id, 'v', vid, 'type', kind,
             'before', before, 'state', state, 'url', h[5] or '', 'data', data)
end
redis.call('HSET', KEYS[3], 'site_id', site_id, 'state', state, 'act', act, 'hb', hb)
redis.call('EXPIRE', KEYS[3], ARGV[9])
if state == 'left' then
  redis.call('ZREM', KEYS[4], vid)
  redis.call('ZREM', KEYS[5], vid)
else
  redis.call('ZADD', KEYS[4], hb, vid)
  if state == 'active' then
    redis.call('ZADD', KEYS[5], act, vid)
  else
    redis.call('ZREM', KEYS[5], vid)
  end
end
if not append then
  return {'beat', before, state}
end
return {'queued', before, state}
"""


def accept_hit(visitor_id: str, site_id: int, kind: str, active: bool, now: float,
               limit_keys: tuple[str, str], limits: tuple[int, int], window: int,
               stream: str, event_id: str, data: str) -> Ingested:
    """Rate limits, presence and the append to the pipeline's stream, in one round trip:
    `limited`, `foreign` (the visitor belongs to another site), `nothing` (a leave of an
    unknown visitor), `beat` (a heartbeat that changed nothing: not appended) or `queued`.
    Raises redis' ConnectionError/ResponseError when Redis cannot take it."""
    script = current_app.extensions.get("liveapp_accept_script")
    if script is None:
        script = current_app.extensions["liveapp_accept_script"] = (
            redis.client.register_script(ACCEPT_SCRIPT))
    answer = script(
        keys=[*limit_keys, state_key(visitor_id), heartbeats_key(), activity_key(), stream],
        args=[window + 1, limits[0], limits[1], site_id, kind, repr(now), int(active),
              visitor_presence.IDLE_AFTER, SESSION_TIMEOUT, visitor_id, event_id, data,
              repr(now - visitor_presence.LEFT_AFTER + visitor_presence.LEAVE_GRACE),
              repr(now - visitor_presence.IDLE_AFTER)],
    )
    outcome = answer[0].decode()
    if outcome in ("beat", "queued"):
        return Ingested(outcome, before=answer[1].decode(), after=answer[2].decode())
    return Ingested(outcome)


# The processor's write of what it recorded: only these fields, so presence fields the
# events API updated meanwhile are kept, and only while the hot state lives (a visitor
# whose state expired is not brought back half-written).
RECORD_FIELDS = ("session_id", "pv_id", "pv_at", "url", "title", "pages")
SAVE_RECORD_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], unpack(ARGV))
  return 1
end
return 0
"""


def save_record(pipe, visitor_id: str, state: HotState) -> None:
    """Queue the write of a state's record fields (see RECORD_FIELDS) on a pipeline."""
    mapping = state.to_mapping()
    flat = [item for name in RECORD_FIELDS for item in (name, mapping[name])]
    pipe.eval(SAVE_RECORD_SCRIPT, 1, state_key(visitor_id), *flat)


def _queue_indexes(pipe, visitor_id: str, presence: Presence) -> None:
    if presence.state == visitor_presence.LEFT:
        pipe.zrem(heartbeats_key(), visitor_id)
        pipe.zrem(activity_key(), visitor_id)
        return
    pipe.zadd(heartbeats_key(), {visitor_id: presence.last_heartbeat})
    if presence.state == visitor_presence.ACTIVE:
        pipe.zadd(activity_key(), {visitor_id: presence.last_activity})
    else:
        pipe.zrem(activity_key(), visitor_id)


def save(visitor_id: str, state: HotState) -> None:
    """Write the whole hot state (after a page view, identify or leave)."""
    pipe = redis.client.pipeline(transaction=True)
    pipe.hset(state_key(visitor_id), mapping=state.to_mapping())
    pipe.expire(state_key(visitor_id), SESSION_TIMEOUT)
    _queue_indexes(pipe, visitor_id, state.presence)
    pipe.execute()


def save_presence(visitor_id: str, presence: Presence) -> None:
    """Write only the presence fields (a heartbeat): one round trip."""
    pipe = redis.client.pipeline(transaction=True)
    pipe.hset(state_key(visitor_id), mapping={
        "state": presence.state,
        "act": repr(presence.last_activity),
        "hb": repr(presence.last_heartbeat),
    })
    pipe.expire(state_key(visitor_id), SESSION_TIMEOUT)
    _queue_indexes(pipe, visitor_id, presence)
    pipe.execute()


@dataclass(frozen=True)
class Transition:
    visitor_id: str
    before: str
    after: str
    state: HotState


def _candidates(now: float) -> set[str]:
    client = redis.client
    stale_hb = client.zrangebyscore(heartbeats_key(), "-inf", now - visitor_presence.LEFT_AFTER)
    stale_act = client.zrangebyscore(activity_key(), "-inf", now - visitor_presence.IDLE_AFTER)
    return {m.decode() for m in [*stale_hb, *stale_act]}


def _expire_one(visitor_id: str, now: float) -> Transition | None:
    """Move one visitor on by time, atomically against a concurrent heartbeat."""
    key = state_key(visitor_id)
    with redis.client.pipeline(transaction=True) as pipe:
        try:
            pipe.watch(key)
            state = decode(pipe.hgetall(key))
            if state is None:
                pipe.multi()
                pipe.zrem(heartbeats_key(), visitor_id)
                pipe.zrem(activity_key(), visitor_id)
                pipe.execute()
                return None
            after = visitor_presence.expire(state.presence, now)
            pipe.multi()
            if after.state != state.presence.state:
                pipe.hset(key, "state", after.state)
            _queue_indexes(pipe, visitor_id, after)
            pipe.execute()
        except WatchError:
            return None  # a heartbeat just arrived; the next run looks again
    if after.state == state.presence.state:
        return None
    return Transition(visitor_id, state.presence.state, after.state, state)


def expire_all(now: float) -> list[Transition]:
    """Every visitor whose presence time moved on: active→idle, anything→left."""
    transitions = []
    for visitor_id in sorted(_candidates(now)):
        transition = _expire_one(visitor_id, now)
        if transition is not None:
            transitions.append(transition)
    return transitions


def live(limit: int = LIVE_LIMIT) -> dict[str, HotState]:
    """Hot state of the visitors not yet left, most recent first."""
    ids = [m.decode() for m in redis.client.zrevrange(heartbeats_key(), 0, limit - 1)]
    pipe = redis.client.pipeline(transaction=False)
    for visitor_id in ids:
        pipe.hgetall(state_key(visitor_id))
    states = {}
    for visitor_id, raw in zip(ids, pipe.execute(), strict=True):
        state = decode(raw)
        if state is not None:
            states[visitor_id] = state
    return states
