"""Tracking: what the snippet and the events API tell us about visitors, and where it goes.

    visitor_events  the events API's work: accept (limits, hot state, one Redis round
                    trip), apply (the visitor's history) and announce (changes)
    pipeline        the event pipeline: sharded Redis Streams read in batches, failures
                    delivered again, the dead-letter stream
    recording       recording a batch: the visitors' history and hot state, once per entry
    visitor_hours   visitors per UTC hour and stream, for reports, noted once per batch
    processors      `liveapp pipeline` processes: shard leases and the run loop
    hot_state       each visitor's hot state in Redis (presence, page, site), which
                    heartbeats touch instead of the database
    visitor_ids     the snippet's secret cookie id turned into the internal visitor id
    visitors        reading visitors for the admin pages: live ones and their history
    timeline        a visitor's timeline: page views and the events kept in Redis
"""
