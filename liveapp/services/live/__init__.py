"""Everything that renders cards, accept prompts and chat fragments for SSE, and keeps
the open pages up to date.

    cards       a visitor card: what it shows, built in bulk from Redis and the database
    card_cache  cards kept rendered in Redis, so a board is a concatenation
    rendering   rendering templates outside a request (jobs, the change bus)
    sent        what each channel was last sent about a visitor, and the steps to what it
                should show now (used by boards and prompts)
    boards      card events to the boards, timeline entries and card updates to detail pages
    prompts     inbound accept prompts on the offered reps' boards (and notices there)
    chat_panel  the visitor detail's chat area (its panel), kept live
    typing      typing indicators both ways over the open streams (nothing stored)
    transfer_prompts  chat transfers: the receivers' accept prompts, what the sender is told
    board_view  the board's view model: which live visitors a user sees, in which columns
    viewers     which reps have a visitor's detail open (the cards' "viewing" markers)
    arrivals    pounce arrival notices: "your prospect just arrived", to that rep only

Services here return data and pick templates; the out-of-band wrappers (`hx-swap-oob`)
are templates too (`board/_card_*.html`, `board/_offer_*.html`, ...).
"""
