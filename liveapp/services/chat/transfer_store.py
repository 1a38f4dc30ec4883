"""Pending chat transfers in Redis, and the atomic steps that answer them.

- ``transfer:<conversation id>`` (hash): ``id`` and ``data`` (the `Transfer` as JSON);
  one per conversation, written only when none is pending;
- ``transfer:<conversation id>:offered`` (set): the reps it is offered to now;
- ``transfer:<conversation id>:taken``: who accepted it last, for a minute (what the
  receivers who lost the race are told);
- ``transfer:rep:<rep id>`` (set): conversation ids, for the prompts on a board's load.

Taking a transfer (an accept, the last decline, the timeout) is one Lua step on its id,
so exactly one of them wins, and a timeout job of an earlier offer finds nothing.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from redis.commands.core import Script

from liveapp.extensions import redis

TAKEN_TTL = 60  # seconds

# KEYS: transfer, offered, rep index prefix. ARGV: id, data, ttl, conversation id, reps.
_SAVE = Script(None, b"""
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'data', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
for i = 5, #ARGV do
  redis.call('SADD', KEYS[2], ARGV[i])
  redis.call('SADD', KEYS[3] .. ARGV[i], ARGV[4])
  redis.call('EXPIRE', KEYS[3] .. ARGV[i], ARGV[3])
end
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 1
""")

# KEYS: transfer, offered. ARGV: id, rep ('' for any: the timeout). Takes it whole.
_TAKE = Script(None, b"""
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' and redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 0 then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
""")

# KEYS: transfer, offered. ARGV: id, rep. 0: not offered to them; 1: still offered to
# others; 2: that was the last one, the transfer is taken off.
_DECLINE = Script(None, b"""
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
if redis.call('SREM', KEYS[2], ARGV[2]) == 0 then return 0 end
if redis.call('SCARD', KEYS[2]) > 0 then return 1 end
redis.call('DEL', KEYS[1], KEYS[2])
return 2
""")


@dataclass(frozen=True)
class Transfer:
    """A chat handed over and not yet answered (one offer of it: a Round Robin group's
    next member gets a new one, with a new id)."""

    id: str
    conversation_id: int
    visitor_id: str
    from_rep: int
    from_name: str
    to_name: str  # the rep's name, or the group's
    offered_to: tuple[int, ...]
    note: str
    until: float
    group_id: int | None = None
    mode: str = "first_available"  # a group's distribution; a rep's is theirs alone
    tried: tuple[int, ...] = ()  # a Round Robin group's members offered it before

    @classmethod
    def from_json(cls, raw: bytes | str) -> Transfer:
        data = json.loads(raw)
        for name in ("offered_to", "tried"):
            data[name] = tuple(data.get(name) or ())
        return cls(**data)


def _key(conversation_id: int) -> str:
    return redis.key("transfer", conversation_id)


def _offered_key(conversation_id: int) -> str:
    return redis.key("transfer", conversation_id, "offered")


def _taken_key(conversation_id: int) -> str:
    return redis.key("transfer", conversation_id, "taken")


def _rep_key(rep_id: int | str) -> str:
    return redis.key("transfer", "rep", rep_id)


def pending(conversation_id: int) -> Transfer | None:
    """The conversation's pending transfer, if any."""
    raw = redis.client.hget(_key(conversation_id), "data")
    return Transfer.from_json(raw) if raw else None


def offered_to(conversation_id: int) -> set[int]:
    return {int(m) for m in redis.client.smembers(_offered_key(conversation_id))}


def pending_for(rep_id: int) -> list[Transfer]:
    """The transfers offered to this rep now, newest first (stale index entries pruned)."""
    found, stale = [], []
    for member in redis.client.smembers(_rep_key(rep_id)):
        transfer = pending(int(member))
        if transfer is not None and rep_id in offered_to(transfer.conversation_id):
            found.append(transfer)
        else:
            stale.append(member)
    if stale:
        redis.client.srem(_rep_key(rep_id), *stale)
    return sorted(found, key=lambda t: t.until, reverse=True)


def save(transfer: Transfer, ttl: float) -> bool:
    """Store a new pending transfer; False (nothing written) when one is pending."""
    return bool(_SAVE(keys=[_key(transfer.conversation_id),
                            _offered_key(transfer.conversation_id), _rep_key("")],
                      args=[transfer.id, json.dumps(asdict(transfer)), int(ttl),
                            transfer.conversation_id, *transfer.offered_to],
                      client=redis.client))


def take(transfer: Transfer, rep_id: int | None) -> bool:
    """Take the pending transfer whole: for `rep_id` (an accept: only if offered to them)
    or for nobody (the timeout). False when it was answered, replaced or taken already."""
    taken = bool(_TAKE(keys=[_key(transfer.conversation_id),
                             _offered_key(transfer.conversation_id)],
                       args=[transfer.id, "" if rep_id is None else str(rep_id)],
                       client=redis.client))
    if taken:
        _unindex(transfer, *transfer.offered_to)
    return taken


def decline(transfer: Transfer, rep_id: int) -> int:
    """Take the rep off the transfer: 0 when not offered to them, 1 when it is still
    offered to others, 2 when they were the last (it is taken off then)."""
    done = int(_DECLINE(keys=[_key(transfer.conversation_id),
                              _offered_key(transfer.conversation_id)],
                        args=[transfer.id, str(rep_id)], client=redis.client))
    if done:
        _unindex(transfer, rep_id)
    return done


def _unindex(transfer: Transfer, *rep_ids: int) -> None:
    pipe = redis.client.pipeline(transaction=False)
    for rep_id in rep_ids:
        pipe.srem(_rep_key(rep_id), transfer.conversation_id)
    pipe.execute()


def forget(conversation_id: int) -> None:
    """Drop whatever the conversation's transfer left (its offer, who took it), as if it
    never was: erasure. A timeout job of it finds nothing."""
    transfer = pending(conversation_id)
    redis.client.delete(_key(conversation_id), _offered_key(conversation_id),
                        _taken_key(conversation_id))
    if transfer is not None:
        _unindex(transfer, *transfer.offered_to)


def mark_taken(conversation_id: int, name: str | None) -> None:
    """Remember who accepted (None: forget it, their accept failed after all)."""
    if name is None:
        redis.client.delete(_taken_key(conversation_id))
    else:
        redis.client.set(_taken_key(conversation_id), name, ex=TAKEN_TTL)


def taken_by(conversation_id: int) -> str | None:
    name = redis.client.get(_taken_key(conversation_id))
    return name.decode() if name else None
