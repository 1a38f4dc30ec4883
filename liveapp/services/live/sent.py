"""What each channel was last sent about a visitor, for one kind of live fragment (cards
on the boards, accept prompts on the reps' boards), and the steps that take each channel
from that to what it should show now.

Per visitor and kind, Redis keeps a hash: channel -> where the channel shows the fragment
(a column, the prompts list), and DIGEST -> a digest of the fragment's HTML. A change
swaps it for the new state (one atomic Lua call, which may also keep or drop a rendered
copy under another key: the card cache) and compares the two (`plan`):
- a channel that no longer shows the fragment gets a removal ("remove");
- a channel that shows it somewhere new, or for the first time, gets it placed ("place",
  `moved` when it showed elsewhere before: remove it there first);
- a channel that shows it in the same place gets an in-place update, when the fragment
  changed ("update").
A change that alters nothing a channel shows sends it nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from redis.commands.core import Script

from liveapp.extensions import redis

DIGEST = "#digest"
SEQ = "#seq"  # the ticket of the refresh that stored the state
TTL = 24 * 3600

# KEYS[1]: the sent state; KEYS[2] (optional): a rendered copy to keep. ARGV: the state's
# TTL, the copy ('' deletes it), the copy's TTL, the refresh's ticket, then the new
# state's field/value pairs. Returns the old state, or nil (nothing stored) when a refresh
# with a later ticket has already swapped: this one read older data.
_SWAP = Script(None, b"""
local last = tonumber(redis.call('HGET', KEYS[1], '#seq') or '0')
if tonumber(ARGV[4]) < last then
  return false
end
local old = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], '#seq', ARGV[4])
if #ARGV > 4 then
  redis.call('HSET', KEYS[1], unpack(ARGV, 5))
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
if KEYS[2] then
  if ARGV[2] == '' then
    redis.call('DEL', KEYS[2])
  else
    redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
  end
end
return old
""")

def shown(where: dict[str, str], html: str) -> dict[str, str]:
    """The state to keep: where each channel shows the fragment, and its digest (nothing
    when no channel shows it)."""
    if not where:
        return {}
    return {**where, DIGEST: hashlib.sha1(html.encode()).hexdigest()}


@dataclass(frozen=True)
class Keep:
    """A rendered copy swapped in with the state ('' value: dropped)."""

    key: str
    value: str
    ttl: int


@dataclass(frozen=True)
class Step:
    """What one channel is sent."""

    channel: str
    kind: str  # "remove" | "place" | "update"
    where: str = ""  # where a "place" puts it
    moved: bool = False  # a "place" on a channel that showed it elsewhere


@dataclass(frozen=True)
class Plan:
    steps: list[Step]
    changed: bool  # the fragment's digest differs from the one sent before


def plan(old: dict[str, str], new: dict[str, str],
         order: Callable[[str], object] | None = None) -> Plan:
    """The steps taking every channel from `old` to `new` (states as `shown` makes them),
    channels in `order` (sorted by name unless given)."""
    old, new = dict(old), dict(new)
    changed = old.pop(DIGEST, None) != new.pop(DIGEST, None)
    steps = []
    for channel in sorted(set(old) | set(new), key=order):
        if channel not in new:
            steps.append(Step(channel, "remove"))
        elif old.get(channel) != new[channel]:
            steps.append(Step(channel, "place", new[channel], channel in old))
        elif changed:
            steps.append(Step(channel, "update", new[channel]))
    return Plan(steps, changed)


class Ledger:
    """The sent states of one kind of fragment, under `redis.key(*name, "sent", id)`.

    Several processes refresh the same visitor (web, workers, pipeline): each takes a
    ticket (`tickets`) before it reads what it renders, and a swap with an older ticket
    than the stored one is refused. Otherwise a refresh that read the visitor before
    another's commit, and swapped after it, would leave its older card on the boards
    (and in the card cache) until the visitor's next change."""

    def __init__(self, *name: str) -> None:
        self.name = name

    def key(self, visitor_id: str) -> str:
        return redis.key(*self.name, "sent", visitor_id)

    def ticket_key(self, visitor_id: str) -> str:
        return redis.key(*self.name, "ticket", visitor_id)

    def tickets(self, visitor_ids: list[str], client=None) -> list[int] | None:
        """A ticket per visitor, to take before reading what is to be swapped in: in one
        round trip, or queued on `client` (a pipeline; the caller reads them from its
        results: every other reply of the ones queued here, from the first)."""
        pipe = client if client is not None else redis.client.pipeline(transaction=False)
        for visitor_id in visitor_ids:
            pipe.incr(self.ticket_key(visitor_id))
            pipe.expire(self.ticket_key(visitor_id), TTL)
        return None if client is not None else pipe.execute()[::2]

    def swap(self, swaps: list[tuple[str, dict[str, str], Keep | None]], tickets: list[int]
             ) -> list[dict[str, str] | None]:
        """Store each visitor's new state (and its copy), in one round trip; returns
        their old states, in the same order, None where a later refresh has already
        stored its own (this one's is stale: nothing was stored, send nothing)."""
        if not swaps:
            return []
        client = redis.client if len(swaps) == 1 else redis.client.pipeline(transaction=False)
        found = [self._swap_one(visitor_id, new, keep, ticket, client)
                 for (visitor_id, new, keep), ticket in zip(swaps, tickets, strict=True)]
        if client is not redis.client:
            found = client.execute()
        return [None if old is None else _state(old) for old in found]

    def _swap_one(self, visitor_id: str, new: dict[str, str], keep: Keep | None,
                  ticket: int, client):
        pairs = [item for pair in new.items() for item in pair]
        keys = [self.key(visitor_id)] + ([keep.key] if keep else [])
        args = [TTL, keep.value if keep else "", keep.ttl if keep else 0, ticket, *pairs]
        return _SWAP(keys=keys, args=args, client=client)


def _state(raw: list[bytes]) -> dict[str, str]:
    state = {raw[i].decode(): raw[i + 1].decode() for i in range(0, len(raw), 2)}
    state.pop(SEQ, None)
    return state
