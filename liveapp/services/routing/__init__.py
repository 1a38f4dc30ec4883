"""Routing: which rep gets a visitor, and the offers, queue and turns that follow.

    router          the routing job's work: request, decide, apply; offers declined or
                    timed out; the waiting queue; pounce and re-check triggers
    routing_rules   routing rules: save, reorder, delete, and what a decision reads
    routing_inputs  what one decision reads (database and Redis), Round Robin's turn taken
    assignments     each visitor's routing state in Redis, the contract with the board
    rotation        Round Robin turns in Redis, shared by every worker
    reps            reps as routing sees them: availability combined with board presence
    working_hours   reps' working hours as the users form edits them
"""
