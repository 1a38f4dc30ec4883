"""Per-visitor routing state in Redis: the contract between routing (writer) and the board.

The routing job decides who a visitor is routed to and saves an `Assignment`; the board
reads it to show the routing status and to decide which reps see the visitor. A per-rep
set of visitor ids answers "whom does this rep see" without a scan. Every save or clear
publishes a "routing" change, so boards update live.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from redis.commands.core import Script

from liveapp.extensions import redis
from liveapp.services.bus import changes

ASSIGNMENT_TTL = 24 * 3600  # seconds; a visitor's routing means nothing after a day


@dataclass(frozen=True)
class Assignment:
    """Who a visitor is routed to, by which rule and mode, and why.

    `outcome` is the routing decision's ("offer", "queue", "meeting_booker", "none",
    "no_rule"); None for assignments written before it existed. The chat widget shows the
    meeting booker when it is "meeting_booker".

    `trigger` is what the routing answered: "inbound" (the visitor asked to chat: the
    offered reps get an accept prompt) or "pounce"; `offer_until` (epoch seconds) is
    when a one-rep (Round Robin, Balanced) inbound offer runs out, for its countdown.
    `reason` is the decision's, in the offered reps' words ("from your Outreach
    sequence"), for their pounce arrival notice.
    """

    rule_name: str | None
    mode: str | None
    routed_to: list[int] = field(default_factory=list)
    offered_to: list[int] = field(default_factory=list)
    claimed_by: int | None = None
    explanation: str = ""
    at: float = 0.0
    outcome: str | None = None
    trigger: str | None = None
    offer_until: float | None = None
    reason: str | None = None
    # The decision's groups outside business hours, in its words, and every rep it named
    # (eligible or not): the widget offers an offline message, which goes to them.
    closed: list[str] = field(default_factory=list)
    named: list[int] = field(default_factory=list)

    def reps(self) -> set[int]:
        """Every rep who sees this visitor: routed to, offered to or claimed by."""
        reps = {*self.routed_to, *self.offered_to}
        if self.claimed_by is not None:
            reps.add(self.claimed_by)
        return reps

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Assignment:
        """Back from to_dict(); unknown keys are ignored. Raises ValueError when damaged."""
        try:
            claimed = data.get("claimed_by")
            return cls(
                rule_name=None if data.get("rule_name") is None else str(data["rule_name"]),
                mode=None if data.get("mode") is None else str(data["mode"]),
                routed_to=[int(i) for i in data.get("routed_to") or ()],
                offered_to=[int(i) for i in data.get("offered_to") or ()],
                claimed_by=None if claimed is None else int(claimed),
                explanation=str(data.get("explanation") or ""),
                at=float(data.get("at") or 0.0),
                outcome=None if data.get("outcome") is None else str(data["outcome"]),
                trigger=None if data.get("trigger") is None else str(data["trigger"]),
                offer_until=None if data.get("offer_until") is None
                else float(data["offer_until"]),
                reason=None if data.get("reason") is None else str(data["reason"]),
                closed=[str(c) for c in data.get("closed") or ()],
                named=[int(i) for i in data.get("named") or ()],
            )
        except (TypeError, AttributeError) as error:
            raise ValueError(f"not an assignment: {error}") from error


def assignment_key(visitor_id: str) -> str:
    return redis.key("assignment", visitor_id)


def rep_index_key(user_id: int | str) -> str:
    return redis.key("assignment", "rep", user_id)


def decode(raw: bytes | str | None) -> Assignment | None:
    if not raw:
        return None
    try:
        return Assignment.from_dict(json.loads(raw))
    except ValueError:  # a damaged value reads as "not routed"
        return None


def get(visitor_id: str) -> Assignment | None:
    """The visitor's current routing state, or None when not routed."""
    return decode(redis.client.get(assignment_key(visitor_id)))


def get_many(visitor_ids: Iterable[str]) -> dict[str, Assignment]:
    """Routing state of many visitors in one round trip (the routed ones only)."""
    ids = list(visitor_ids)
    if not ids:
        return {}
    raws = redis.client.mget([assignment_key(v) for v in ids])
    found = {vid: decode(raw) for vid, raw in zip(ids, raws, strict=True)}
    return {vid: a for vid, a in found.items() if a is not None}


# KEYS[1]: the assignment. ARGV: new JSON, TTL, visitor id, rep index key prefix, then the
# ids of the reps who see the visitor now. Reads the old assignment, drops the visitor from
# the index of reps who no longer see it, adds it for the others, stores the new value:
# one round trip and one atomic step however many reps a rule routes to.
_SAVE = Script(None, b"""
local ttl = tonumber(ARGV[2])
local now_reps = {}
for i = 5, #ARGV do now_reps[ARGV[i]] = true end
local old = redis.call('GET', KEYS[1])
if old then
  local ok, data = pcall(cjson.decode, old)
  if ok and type(data) == 'table' then
    local before = {}
    for _, name in ipairs({'routed_to', 'offered_to'}) do
      if type(data[name]) == 'table' then
        for _, id in ipairs(data[name]) do before[#before + 1] = id end
      end
    end
    if type(data['claimed_by']) == 'number' then before[#before + 1] = data['claimed_by'] end
    for _, id in ipairs(before) do
      local rep = string.format('%d', id)
      if not now_reps[rep] then redis.call('SREM', ARGV[4] .. rep, ARGV[3]) end
    end
  end
end
for rep in pairs(now_reps) do
  redis.call('SADD', ARGV[4] .. rep, ARGV[3])
  redis.call('EXPIRE', ARGV[4] .. rep, ttl)
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl)
return 1
""")


def save(visitor_id: str, assignment: Assignment) -> Assignment:
    """Store the visitor's routing state, keep the per-rep index, publish "routing"."""
    if not assignment.at:
        assignment = replace(assignment, at=time.time())
    data = assignment.to_dict()
    _SAVE(keys=[assignment_key(visitor_id)],
          args=[json.dumps(data), ASSIGNMENT_TTL, visitor_id, rep_index_key(""),
                *sorted(assignment.reps())],
          client=redis.client)
    changes.publish(visitor_id, "routing", **data)
    return assignment


def clear(visitor_id: str) -> None:
    """Forget the visitor's routing (nobody sees it any more); publish "routing"."""
    old = get(visitor_id)
    if old is None:
        return
    pipe = redis.client.pipeline(transaction=True)
    for user_id in old.reps():
        pipe.srem(rep_index_key(user_id), visitor_id)
    pipe.delete(assignment_key(visitor_id))
    pipe.execute()
    changes.publish(visitor_id, "routing", cleared=True)


def visible_to_rep(user_id: int) -> set[str]:
    """Ids of the visitors this rep is routed, offered or has claimed.

    The index may hold ids whose assignment expired; they are checked and pruned here.
    """
    indexed = [m.decode() for m in redis.client.smembers(rep_index_key(user_id))]
    current = get_many(indexed)
    visible = {vid for vid, a in current.items() if user_id in a.reps()}
    stale = set(indexed) - visible
    if stale:
        redis.client.srem(rep_index_key(user_id), *stale)
    return visible
