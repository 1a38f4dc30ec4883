"""Where a piece of text (a visitor's id, email, or a word they wrote) still is, found
generically: every column of every table the database has (reflected, not our models:
SQLite's FTS5 index tables too, whose data blocks hold the indexed words as bytes), and
every value of every Redis key of ours, whatever its type, and every job of our queues
(RQ's job keys are not namespaced)."""

from __future__ import annotations

from sqlalchemy import MetaData, select

from liveapp.extensions import QUEUE_NAMES, db, queue, redis


def in_database(*needles: str) -> list[str]:
    """"table.column" of every value (text or bytes) that contains one of the needles."""
    wanted = [needle.lower() for needle in needles]
    tables = MetaData()
    tables.reflect(bind=db.engine)
    found = set()
    for table in tables.sorted_tables:
        if table.name == "alembic_version":
            continue
        for row in db.session.execute(select(table)).mappings():
            for column, value in row.items():
                if _holds(value, wanted):
                    found.add(f"{table.name}.{column}")
    return sorted(found)


def in_redis(*needles: str) -> list[str]:
    """Our keys whose name or any value (member, field, entry) contains a needle."""
    wanted = [needle.lower() for needle in needles]
    client = redis.client
    found = []
    for key in client.scan_iter(match=redis.key() + "*", count=1000):
        kind = client.type(key)
        if kind == b"string":
            values = [client.get(key)]
        elif kind == b"hash":
            values = [part for pair in client.hgetall(key).items() for part in pair]
        elif kind == b"set":
            values = list(client.smembers(key))
        elif kind == b"zset":
            values = client.zrange(key, 0, -1)
        elif kind == b"list":
            values = client.lrange(key, 0, -1)
        elif kind == b"stream":
            values = [part for _, fields in client.xrange(key)
                      for pair in fields.items() for part in pair]
        else:
            values = []
        if any(_holds(value, wanted) for value in [key, *values]):
            found.append(key.decode())
    return sorted(found)


def in_jobs(*needles: str) -> list[str]:
    """The ids of our queues' jobs (waiting, scheduled, deferred, started, finished or
    failed) whose description or arguments contain a needle."""
    wanted = [needle.lower() for needle in needles]
    found = []
    for name in QUEUE_NAMES:
        jobs = queue(name)
        ids = set(jobs.job_ids)
        for registry in (jobs.scheduled_job_registry, jobs.deferred_job_registry,
                         jobs.started_job_registry, jobs.finished_job_registry,
                         jobs.failed_job_registry):
            ids |= set(registry.get_job_ids())
        for job in jobs.job_class.fetch_many(sorted(ids), connection=redis.client,
                                             serializer=jobs.serializer):
            if job and any(_holds(part, wanted) for part in
                           [job.description, *job.args, *job.kwargs.values()]):
                found.append(job.id)
    return sorted(found)


def _holds(value, wanted: list[str]) -> bool:
    if isinstance(value, (bytes, bytearray, memoryview)):
        text = bytes(value).lower()
        return any(needle.encode() in text for needle in wanted)
    if value is None:
        return False
    text = str(value).lower()
    return any(needle in text for needle in wanted)
