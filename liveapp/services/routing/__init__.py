"""Routing: which rep gets a visitor, and the offers, queue and turns that follow.

    router          the routing job's work: request (lock, dedup, CRM wait), decide,
                    apply and keep the open offer; the routing state keys in Redis
    records         routing history for reports: each decision applied (with the reps
                    it skipped), each offer per rep and how it ended
    declines        offers declined or let run out, reps who went away: routing moves on
    waiting_queue   inbound visitors nobody could take yet, offered as reps free up;
                    the meeting booker after the queue wait, or when the visitor
                    chooses it
    queue_places    each waiting visitor's place in line and wait estimate, sent to
                    their widget when the line moves
    triggers        what asks for routing: landing in a stream, a pounce experience,
                    new CRM or enrichment facts (a re-check)
    routing_rules   routing rules: save, reorder, delete, and in words
    compiled_rules  what a decision reads of the settings: the active rules compiled,
                    every user as routing sees them now
    routing_inputs  what one decision reads (database and Redis), Round Robin's turn taken
    assignments     each visitor's routing state in Redis, the contract with the board
    rotation        Round Robin turns in Redis, shared by every worker
    reps            reps as routing sees them: availability combined with board presence
    board_presence  reps' board presence: which boards are open, when each was last seen,
                    the sweep that tells admins who went on or off
    working_hours   reps' working hours as the users form edits them
    group_hours     groups' business hours: which are closed now, in the explanation's words
"""
