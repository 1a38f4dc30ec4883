"""Services: load rows, build domain inputs, call the domain, persist, enqueue, publish.

One package per product area, each `__init__` saying what its modules own:

    bus         the change bus: publish, units of work, the order features react in
    tracking    the events API and the event pipeline: visitors' history and hot state
    membership  segments, streams, experiences, and each live visitor's membership
    routing     who gets a visitor: rules, decisions, offers, the queue, reps' presence
    chat        conversations, the widget's chat flow, meetings
    crm         CRM owners and settings, company enrichment, data imports
    settings    users and groups, sites, ordering
    ops         schema, readiness, retention, erasure
    live        what boards, prompts and chat panels show, sent over SSE
    reports     the Reports page's figures from the stored history, with their filters
"""
