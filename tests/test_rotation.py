"""Round robin rotation in real Redis: atomic turns shared by concurrent workers."""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import pytest
import redis as redis_lib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liveapp.domain.routing import next_in_rotation
from liveapp.services.routing.rotation import advance, last_turn


@pytest.fixture(autouse=True)
def clean_state():
    """No app here: these tests clean their own keys (see `keys`)."""
    yield


@pytest.fixture(scope="module")
def client(redis_url):
    connection = redis_lib.Redis.from_url(redis_url, socket_timeout=10)
    yield connection
    connection.close()


@pytest.fixture
def key(client):
    """A fresh key under a prefix of this test's own; deleted afterwards."""
    prefix = f"lvtest-rotation-{uuid.uuid4().hex[:12]}:"
    yield lambda name="rule:1": prefix + name
    stale = list(client.scan_iter(match=prefix + "*", count=1000))
    if stale:
        client.delete(*stale)


def test_turns_go_round_in_id_order_and_are_remembered(client, key):
    turns = [advance(client, key(), [30, 10, 20]) for _ in range(7)]
    assert turns == [10, 20, 30, 10, 20, 30, 10]
    assert last_turn(client, key()) == 10
    assert last_turn(client, key("rule:2")) is None


def test_candidate_set_changing_between_calls(client, key):
    assert advance(client, key(), [1, 2, 3, 4]) == 1
    assert advance(client, key(), [1, 2, 3, 4]) == 2
    assert advance(client, key(), [1, 4, 5]) == 4  # 3 went away: the turn passes 2 by
    assert advance(client, key(), [1, 2]) == 1  # nobody after 4: wrap
    assert advance(client, key(), [7]) == 7
    assert advance(client, key(), [7]) == 7


def test_no_candidates_is_an_error(client, key):
    with pytest.raises(ValueError, match="at least one candidate"):
        advance(client, key(), [])


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ids=st.lists(st.integers(1, 10_000), min_size=1, max_size=10, unique=True),
       pointer=st.none() | st.integers(0, 10_001))
def test_redis_agrees_with_the_pure_rotation(client, key, ids, pointer):
    name = key(f"prop:{uuid.uuid4().hex}")
    if pointer is not None:
        client.set(name, pointer)
    assert advance(client, name, ids) == next_in_rotation(ids, pointer)
    client.delete(name)


def test_concurrent_workers_share_one_fair_rotation(client, key):
    """8 threads take 5x40 turns at once: each rep gets exactly 40, so no two workers
    ever read the same pointer and gave one rep a second turn while others waited."""
    reps, rounds, workers = [11, 12, 13, 14, 15], 40, 8
    total = len(reps) * rounds
    start = threading.Barrier(workers, timeout=10)
    taken: list[int] = []
    lock = threading.Lock()
    remaining = iter(range(total))

    def work():
        start.wait()
        while True:
            with lock:
                if next(remaining, None) is None:
                    return
            rep_id = advance(client, key(), reps)
            with lock:
                taken.append(rep_id)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    assert Counter(taken) == {rep_id: rounds for rep_id in reps}
