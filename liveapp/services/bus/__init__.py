"""The change bus and its unit of work: how a change reaches every feature that reacts.

    changes       `publish`, units of work (request, job, pipeline batch), the dispatch loop
    dispatch      who handles changes, stage by stage: the bus's order, written down once
    rows          database rows shared by the stages of one unit of work
    pending_jobs  jobs asked for at most once at a time per visitor (a marker in Redis)
"""
