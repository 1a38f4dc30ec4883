"""Chat: conversations between a visitor and a rep, the widget's flow, and meetings.

    conversations  atomic claiming (one rep wins), messages both ways, closing
    chat_flow      the widget's side of an experience: the visitor's answers, where they
                   are in the flow, their status pushed as routing moves
    meetings       the meeting booker: whose calendar, free slots, booking one
    tokens         signed visitor tokens: what a widget shows to read its conversation
    transcript_search  the Conversations page's search: filters, full text, snippets
    transcript_email   the transcript emailed to the visitor on close (SMTP, as a job)
"""
