"""Membership: which segments, experience and stream each live visitor is in, and the
settings that decide it.

    live_membership  each visitor's membership, recomputed on change and kept in Redis;
                     the compiled settings and their version
    segments         named criteria over visitor facts
    streams          the board's stream columns, one stream per segment
    experiences      targeted chat flows (URL rules, criteria, steps)
    criteria_refs    what criteria refer to by id: that it exists, the builder's choices,
                     the rules that use a segment or a stream
"""
