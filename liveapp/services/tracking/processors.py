"""`liveapp pipeline` processes: each owns shards of the event stream through Redis
leases and processes only theirs (see `pipeline` for the shards and the batches).

A processor's leases (`pipeline:lease:<n>`, PIPELINE_LEASE seconds) are renewed three
times a lease between batches, in one Lua script; processors register in
`pipeline:processors`, each holding at most ceil(shards / live processors). A killed
processor's leases expire after the lease; a stopped one gives them back at once.
"""

from __future__ import annotations

import logging
import signal
import time

from flask import current_app
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from liveapp.extensions import db, redis
from liveapp.services.tracking import pipeline

log = logging.getLogger(__name__)


# KEYS: the registry of live processors, then every shard's lease. ARGV: owner, lease ms,
# now ms. Registers the owner (until now + lease), forgets processors that stopped renewing,
# renews the owner's leases, gives back those above its fair share (ceil(shards / live
# processors): another processor started) and takes free ones up to it. Returns the shards
# (0-based) the owner holds now. One script: two processors balancing at once cannot both
# take one shard.
_BALANCE = """
local owner, ms, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + ms, owner)
redis.call('PEXPIRE', KEYS[1], ms * 2)
local fair = math.ceil((#KEYS - 1) / redis.call('ZCARD', KEYS[1]))
local mine, free = {}, {}
for i = 2, #KEYS do
  local holder = redis.call('GET', KEYS[i])
  if holder == owner then
    mine[#mine + 1] = i
  elseif not holder then
    free[#free + 1] = i
  end
end
while #mine > fair do
  redis.call('DEL', KEYS[mine[#mine]])
  mine[#mine] = nil
end
for _, i in ipairs(free) do
  if #mine >= fair then break end
  mine[#mine + 1] = i
end
local owned = {}
for _, i in ipairs(mine) do
  redis.call('SET', KEYS[i], owner, 'PX', ARGV[2])
  owned[#owned + 1] = i - 2
end
return owned
"""

# KEYS: the registry, then every shard's lease. ARGV: owner. A clean stop: the owner's
# leases (only those still its own) and its registration go at once, for others to take.
_RELEASE = """
redis.call('ZREM', KEYS[1], ARGV[1])
for i = 2, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('DEL', KEYS[i]) end
end
return 0
"""


def registry_key() -> str:
    return redis.key("pipeline", "processors")


def lease_key(shard: int) -> str:
    return redis.key("pipeline", "lease", str(shard))


def lease_holders() -> dict[int, str | None]:
    """Who holds each shard's lease now (ops, tests)."""
    values = redis.client.mget([lease_key(s) for s in range(pipeline.shard_count())])
    return {s: pipeline.decoded(v) if v else None for s, v in enumerate(values)}


class Processor:
    """One `liveapp pipeline` process: owns shards through leases and processes only
    theirs, so each visitor's events are processed by one processor at a time, in order."""

    def __init__(self, consumer: str, batch: int = 50, block_ms: int = 1000,
                 lease: float | None = None) -> None:
        config = current_app.config
        self.consumer, self.batch = consumer, batch
        self.lease = config["PIPELINE_LEASE"] if lease is None else lease
        if not self.lease > 0:
            raise ValueError(f"the pipeline's lease must be above 0 s, not {self.lease}")
        if batch < 1:
            raise ValueError(f"the batch must be 1 entry or more, not {batch}")
        self.shards = pipeline.shard_count()
        # Renew at least three times a lease: a wait for entries must not outlast that.
        self.every = self.lease / 3
        self.block_ms = max(1, min(block_ms, int(self.every * 1000)))
        self.owned: list[int] = []
        self.dirty: set[int] = set()  # owned shards whose pending entries come first
        self.pause = 0.0
        self._next_balance = 0.0
        self._keys = [registry_key(), *(lease_key(s) for s in range(self.shards))]
        self._shard_of_stream = {pipeline.stream_key(s): s for s in range(self.shards)}
        self._balance = redis.client.register_script(_BALANCE)
        self._release = redis.client.register_script(_RELEASE)

    def balance(self) -> list[int]:
        owned = sorted(int(s) for s in self._balance(
            keys=self._keys, args=[self.consumer, int(self.lease * 1000),
                                   int(time.time() * 1000)]))
        taken = set(owned) - set(self.owned)
        if taken or len(owned) != len(self.owned):
            log.info("pipeline %s owns shards %s", self.consumer, owned)
        # A shard taken over: its previous owner is gone (its lease expired or was given
        # back), so whatever is pending in it is this processor's to pipeline.claim, however fresh.
        self.dirty = (self.dirty & set(owned)) | taken
        self.owned = owned
        self._next_balance = time.monotonic() + self.every
        return owned

    def step(self) -> int:
        """Balance when due, then one batch of the owned shards: pending entries of a
        taken-over (or failed) shard first, else new ones. Returns the entries done."""
        if time.monotonic() >= self._next_balance:
            self.balance()
        if not self.owned:
            time.sleep(self.block_ms / 1000)
            return 0
        entries: list[pipeline.Entry] = []
        for shard in sorted(self.dirty):
            claimed = pipeline.claim(self.consumer, self.batch, 0, [shard])
            if len(claimed) < self.batch:
                self.dirty.discard(shard)
            if claimed:
                entries = claimed
                break
        if not entries:
            entries = pipeline.read(self.consumer, self.batch, self.block_ms, self.owned)
        done = 0
        for chunk in pipeline.chunks(entries, self.batch):
            outcome = pipeline.measured(chunk)
            done += outcome.done
            self.dirty |= {self._shard_of_stream[key] for key in outcome.left}
            if outcome.left:
                # Try again after a pause (doubling while the failure is transient).
                self.pause = min(30.0, max(1.0, self.pause * 2)) if outcome.transient else 1.0
                break
            self.pause = 0.0
        if self.pause:
            time.sleep(self.pause)
        return done

    def release(self) -> None:
        self._release(keys=self._keys, args=[self.consumer])
        self.owned, self.dirty = [], set()


def run(consumer: str, batch: int = 50, block_ms: int = 1000) -> None:
    """Process batches of the owned shards until SIGTERM or SIGINT (the batch in hand is
    finished first, then the leases are given back)."""
    stopping = []

    def stop(*_args) -> None:
        stopping.append(True)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    pipeline.ensure_groups()
    processor = Processor(consumer, batch, block_ms)
    log.info("pipeline consumer %s: %d shards, lease %.1f s", consumer, processor.shards,
             processor.lease)
    try:
        while not stopping:
            try:
                processor.step()
            except (RedisConnectionError, RedisTimeoutError):
                log.warning("pipeline: Redis unavailable; trying again in 1 s")
                time.sleep(1.0)
            except ResponseError as error:
                if "NOGROUP" not in str(error):
                    raise
                pipeline.ensure_groups()  # a stream was deleted (a flushed Redis): start it again
            except Exception:
                # Outside a batch's handling (which keeps its entries pending): log, go on.
                log.exception("pipeline: step failed")
                db.session.rollback()
                time.sleep(1.0)
    finally:
        try:
            processor.release()
        except Exception:  # they expire on their own
            log.warning("pipeline: cannot give the leases back", exc_info=True)
