"""Round robin turns kept in Redis, so several workers routing at once share one rotation.

The pointer (id of the rep given the last turn) lives under one key per rule; callers
name it with `redis.key("rotation", rule_id)`. The choice is the same as the pure
`liveapp.domain.routing.next_in_rotation`, made inside a Lua script so reading the
pointer and moving it is one atomic step.
"""

from __future__ import annotations

from collections.abc import Iterable

from redis import Redis
from redis.commands.core import Script

# KEYS[1]: the rule's pointer. ARGV: candidate rep ids, ascending.
# The next turn is the smallest id after the pointer, wrapping to the smallest id.
ADVANCE_LUA = b"""
local last = tonumber(redis.call('GET', KEYS[1]))
local chosen = tonumber(ARGV[1])
if last then
  for i = 1, #ARGV do
    local id = tonumber(ARGV[i])
    if id > last then
      chosen = id
      break
    end
  end
end
redis.call('SET', KEYS[1], chosen)
return chosen
"""

# Not bound to a client: each call passes its own (the script is loaded on first use).
_advance = Script(None, ADVANCE_LUA)


def advance(redis_client: Redis, key: str, candidate_ids: Iterable[int]) -> int:
    """Atomically give the next turn among `candidate_ids` and remember it.

    Works when the candidates change between calls: the turn goes to the first id
    after the last one served. Pass the eligible reps of a round robin decision
    (`RoutingDecision.candidates`); the answer may differ from the decision's own
    `offer_to` when another worker took a turn meanwhile, and it is the one to offer.

    Raises:
        ValueError: no candidates.
    """
    ordered = sorted({int(c) for c in candidate_ids})
    if not ordered:
        raise ValueError("round robin needs at least one candidate")
    return int(_advance(keys=[key], args=ordered, client=redis_client))


def last_turn(redis_client: Redis, key: str) -> int | None:
    """The rep given the last turn for this key, if any (the pure decision's pointer)."""
    value = redis_client.get(key)
    return int(value) if value is not None else None
