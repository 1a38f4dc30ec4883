"""Chat: conversations between a visitor and a rep, the widget's flow, and meetings.

    conversations  atomic claiming (one rep wins), messages both ways, closing
    chat_flow      the widget's side of an experience: the visitor's answers, where they
                   are in the flow, their status pushed as routing moves
    transfers      a rep hands an open chat to another rep or a group: pending transfer,
                   accept (one receiver wins), decline, timeout back to the sender
    transfer_store pending transfers in Redis and the atomic steps that answer them
    meetings       the meeting booker: whose calendar, free slots, booking one
    canned_replies  the team's and each rep's canned replies, filled in for a visitor
    offline_messages  messages visitors leave when nobody can chat, and who reads them
    tokens         signed visitor tokens: what a widget shows to read its conversation
    read_state     what each side has seen: unread counts for the rep, "Seen" both ways
    transcript_search  the Conversations page's search: filters, full text, snippets
    transcript_email   the transcript emailed to the visitor on close (SMTP, as a job)
"""
