"""Infrastructure beside the extensions, shared by services, views and jobs.

    realtime   publishing live events to SSE channels (flask-sse's format over Redis)
    fanout     one Redis subscriber per web process, fanning events out to open streams
    ratelimit  rate limits kept in Redis, shared by every web process
"""
