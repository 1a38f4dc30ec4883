"""Transcript search on the Conversations page: a rep's own conversations, an admin's all,
by visitor, company, rep, dates in the user's time zone and words of the messages.

Words are matched by the database's full-text search, built by migration 0020:
PostgreSQL's tsvector (its GIN index) and `plainto_tsquery`, SQLite's FTS5 table
`messages_fts` and a query of quoted words (so nothing a user types is FTS5 syntax).
Both mark the hits in the snippet with markers made for each search (a nonce nobody can
type), which `domain.transcript_search.highlighted` turns into parts the page escapes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, column, func, literal, literal_column, or_, select, table, text

from liveapp.domain import transcript_search as rules
from liveapp.extensions import db
from liveapp.models import Conversation, Message, User, Visitor
from liveapp.models.conversation import FTS_TABLE, SEARCH_CONFIG, body_tsvector

PAGE_SIZE = 20
SNIPPET_WORDS = 16


@dataclass(frozen=True)
class Result:
    conversation: Conversation
    visitor: Visitor
    snippet: list[rules.Part]  # empty without a text filter


@dataclass(frozen=True)
class Page:
    results: list[Result]
    total: int
    page: int
    pages: int


def search(user: User, filters: rules.Filters) -> Page:
    """One page of the conversations `user` may see that match `filters`, newest first."""
    query = _matching(user, filters)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(filters.page, pages)
    rows = db.session.execute(
        query.order_by(Conversation.started_at.desc(), Conversation.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    markers = rules.new_markers()
    snippets = _snippets([c.id for c, _ in rows], filters.words, markers)
    results = [Result(c, v, rules.highlighted(snippets.get(c.id, ""), markers))
               for c, v in rows]
    return Page(results, total, page, pages)


def _matching(user: User, filters: rules.Filters) -> Select:
    query = select(Conversation, Visitor).join(Visitor, Visitor.id == Conversation.visitor_id)
    if not user.is_admin:  # a rep's own, whatever rep the URL names
        query = query.where(Conversation.rep_id == user.id)
    elif filters.rep_id is not None:
        query = query.where(Conversation.rep_id == filters.rep_id)
    if filters.visitor:
        pattern = _contains(filters.visitor)
        query = query.where(or_(func.lower(Visitor.name).like(pattern, escape="\\"),
                                func.lower(Visitor.email).like(pattern, escape="\\")))
    if filters.company:
        query = query.where(
            func.lower(Visitor.company_name).like(_contains(filters.company), escape="\\"))
    start, end = rules.utc_range(filters, user.time_zone)
    if start is not None:
        query = query.where(Conversation.started_at >= start)
    if end is not None:
        query = query.where(Conversation.started_at < end)
    if filters.text:
        words = filters.words
        if not words:  # only punctuation: nothing can match it
            return query.where(literal(False))
        query = query.where(Conversation.id.in_(_hits(words).with_only_columns(
            Message.conversation_id)))
    return query


def _contains(value: str) -> str:
    escaped = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def _hits(words: list[str], markers: rules.Markers | None = None) -> Select:
    """The messages containing every word (stemmed), with a snippet of each marking its
    hits with `markers`; columns: conversation id, snippet."""
    markers = markers or rules.new_markers()
    if _sqlite():
        fts = table(FTS_TABLE, column("rowid"))
        match = " ".join('"' + word.replace('"', '""') + '"' for word in words)
        # The markers are hex and private-use characters: safe inside SQL quotes.
        snippet = literal_column(f"snippet({FTS_TABLE}, 0, '{markers.start}', "
                                 f"'{markers.end}', '…', {SNIPPET_WORDS})")
        return (select(Message.conversation_id, snippet)
                .join(fts, fts.c.rowid == Message.id)
                .where(text(f"{FTS_TABLE} MATCH :match").bindparams(match=match))
                .order_by(Message.id))
    config = literal_column(f"'{SEARCH_CONFIG}'::regconfig")
    tsquery = func.plainto_tsquery(config, " ".join(words))
    options = (f"StartSel={markers.start}, StopSel={markers.end}, "
               f"MaxWords={SNIPPET_WORDS}, MinWords=6, HighlightAll=false")
    return (select(Message.conversation_id,
                   func.ts_headline(config, Message.body, tsquery, options))
            .where(body_tsvector(Message.body).op("@@")(tsquery))
            .order_by(Message.id))


def _snippets(conversation_ids: list[int], words: list[str],
              markers: rules.Markers) -> dict[int, str]:
    """The first matching message's snippet of each conversation."""
    if not conversation_ids or not words:
        return {}
    found: dict[int, str] = {}
    for conversation_id, snippet in db.session.execute(
            _hits(words, markers).where(Message.conversation_id.in_(conversation_ids))):
        found.setdefault(conversation_id, snippet)
    return found


def reps_for(user: User) -> list[User]:
    """The reps an admin may filter by (everyone who has had a conversation); none for reps."""
    if not user.is_admin:
        return []
    return list(db.session.scalars(select(User).where(User.id.in_(
        select(Conversation.rep_id).distinct())).order_by(User.name)))


def forget_deleted_words() -> None:
    """SQLite: rewrite the FTS5 index in the session's transaction, so the words of the
    messages deleted in it leave the index's data blocks too (a delete only adds a
    tombstone: the blocks keep the words, readable in `messages_fts_data`, until a merge).
    Erasure calls it; it rewrites the whole index, so retention leaves that to FTS5's own
    merges. PostgreSQL's index entries of deleted rows go with the rows, at (auto)vacuum."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')"))
