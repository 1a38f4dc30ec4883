"""Who may do what: the one place access is decided.

Every endpoint of the app has one rule in `RULES`; tests/test_access.py walks the
url_map, fails for an endpoint with no rule, and tries every route as nobody, two reps
and an admin to prove the rule holds. A new route lands with its rule here, or not at all.

The rules are enforced here too: `admin_required` for settings, `visitor_visible` for
views of one live visitor, `conversation_for` for views of one conversation. Services
never abort; they return None or raise, and these decide the status code.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from liveapp.extensions import db
from liveapp.models import Conversation, User, Visitor
from liveapp.services.chat import meetings, offline_messages
from liveapp.services.routing import assignments


class Access(enum.Enum):
    """An endpoint's access rule."""

    PUBLIC = "anyone, signed in or not"
    SIGNED_IN = "any signed-in user"
    OWN = "a signed-in rep, for their own visitors and conversations only (admins: all)"
    MINE = "a signed-in user, for what is theirs alone (their canned replies): 404 for others"
    ADMIN = "signed-in admins only"
    VISITOR = "a visitor holding their widget token (from the events API)"
    CHANNEL = "per channel: a signed-in user's own board, or a visitor token's conversation"
    TOKEN = "a bearer token from the environment (ops' scrapers), no session; 404 unset"


PUBLIC, SIGNED_IN, OWN, ADMIN = Access.PUBLIC, Access.SIGNED_IN, Access.OWN, Access.ADMIN
MINE = Access.MINE
VISITOR, CHANNEL, TOKEN = Access.VISITOR, Access.CHANNEL, Access.TOKEN

RULES: dict[str, Access] = {
    "static": PUBLIC,
    "favicon": PUBLIC,  # /favicon.ico: a redirect to the static icon
    "health.healthz": PUBLIC,
    "metrics.scrape": TOKEN,  # LIVEAPP_METRICS_TOKEN; a session, even an admin's, is not one
    "health.readyz": PUBLIC,
    "bench.ping": PUBLIC,  # registered only with LIVEAPP_BENCH_ENDPOINTS
    # Signing in and the signed-in user's own settings.
    "auth.login": PUBLIC,
    "auth.logout": SIGNED_IN,
    "auth.availability": SIGNED_IN,
    # The board and the rep's own visitors, conversations, prompts and meetings.
    "board.index": SIGNED_IN,
    "board.body": SIGNED_IN,
    "board.card": OWN,
    "board.visitor": OWN,
    "board.detail": OWN,
    "board.chat": OWN,
    "board.viewing": OWN,
    "board.stop_viewing": OWN,
    "conversations.index": SIGNED_IN,
    "conversations.show": OWN,
    "conversations.claim": OWN,
    "conversations.post_message": OWN,
    "conversations.close": OWN,
    "conversations.typing": OWN,
    "conversations.read": OWN,
    "offers.index": SIGNED_IN,
    "offers.decline": OWN,
    "transfers.form": OWN,
    "transfers.start": OWN,
    "transfers.accept": OWN,  # offered to them: 403 for anyone else
    "transfers.decline": OWN,
    "meetings.index": SIGNED_IN,
    # Reports: a rep's own figures (the filters force it; another rep's: 403), an admin's all.
    "reports.index": OWN,
    "reports.download": OWN,
    # Canned replies: each user's own, and the chat box's list for a chat they write in.
    "my_replies.index": SIGNED_IN,
    "my_replies.new": SIGNED_IN,
    "my_replies.edit": MINE,
    "my_replies.delete": MINE,
    "my_replies.for_conversation": OWN,
    "events.stream": CHANNEL,
    # Settings.
    "users.index": ADMIN,
    "users.create": ADMIN,
    "users.edit": ADMIN,
    "users.deactivate": ADMIN,
    "users.reactivate": ADMIN,
    "groups.index": ADMIN,
    "groups.edit": ADMIN,
    "groups.delete": ADMIN,
    "canned_replies.index": ADMIN,
    "canned_replies.new": ADMIN,
    "canned_replies.edit": ADMIN,
    "canned_replies.delete": ADMIN,
    "sites.index": ADMIN,
    "sites.create": ADMIN,
    "sites.edit": ADMIN,
    "visitors.index": ADMIN,
    "visitors.detail": ADMIN,
    "visitors.erase": ADMIN,
    "streams.index": ADMIN,
    "streams.edit": ADMIN,
    "streams.reorder": ADMIN,
    "streams.delete": ADMIN,
    "segments.index": ADMIN,
    "segments.edit": ADMIN,
    "segments.delete": ADMIN,
    "segments.preview": ADMIN,
    "segments.condition_row": ADMIN,
    "segments.condition_removed": ADMIN,
    "experiences.index": ADMIN,
    "experiences.edit": ADMIN,
    "experiences.delete": ADMIN,
    "experiences.reorder": ADMIN,
    "experiences.step_row": ADMIN,
    "experiences.url_rule_row": ADMIN,
    "routing.index": ADMIN,
    "routing.edit": ADMIN,
    "routing.delete": ADMIN,
    "routing.reorder": ADMIN,
    "imports.index": ADMIN,
    "imports.upload": ADMIN,
    "integrations.index": ADMIN,
    "integrations.save": ADMIN,
    "integrations.test": ADMIN,
    "integrations.users": ADMIN,
    # Settings → Status: the live figures of /metrics (liveapp/blueprints/status.py).
    "status.index": ADMIN,
    "status.figures_fragment": ADMIN,
    # Settings → Jobs: rq-dashboard's pages, JSON and actions (liveapp/blueprints/jobs.py).
    "rq_dashboard.static": ADMIN,
    "rq_dashboard.favicon": ADMIN,
    "rq_dashboard.queues_overview": ADMIN,
    "rq_dashboard.workers_overview": ADMIN,
    "rq_dashboard.jobs_overview": ADMIN,
    "rq_dashboard.job_view": ADMIN,
    "rq_dashboard.job_info": ADMIN,
    "rq_dashboard.list_queues": ADMIN,
    "rq_dashboard.list_jobs": ADMIN,
    "rq_dashboard.list_workers": ADMIN,
    "rq_dashboard.delete_job_view": ADMIN,
    "rq_dashboard.requeue_job_view": ADMIN,
    "rq_dashboard.requeue_all": ADMIN,
    "rq_dashboard.empty_queue": ADMIN,
    "rq_dashboard.compact_queue": ADMIN,
    # The public API: the site snippet's events, CORS preflights, the chat widget.
    "tracking.events": PUBLIC,
    "tracking.preflight": PUBLIC,
    "widget.read": VISITOR,
    "widget.answer": VISITOR,
    "widget.write": VISITOR,
    "widget.ask": VISITOR,
    "widget.slots": VISITOR,
    "widget.book_meeting": VISITOR,
    "widget.typing": VISITOR,
    "widget.mark_read": VISITOR,
    "widget.leave_offline_message": VISITOR,
    "widget.choose_booker": VISITOR,
    "widget.preflight_booker": PUBLIC,
    "widget.preflight_offline": PUBLIC,
    "widget.preflight_messages": PUBLIC,
    "widget.preflight_request": PUBLIC,
    "widget.preflight_answer": PUBLIC,
    "widget.preflight_slots": PUBLIC,
    "widget.preflight_meetings": PUBLIC,
    "widget.preflight_typing": PUBLIC,
    "widget.preflight_read": PUBLIC,
    # The demo's marketing site, where the snippet runs.
    "demo_site.home": PUBLIC,
    "demo_site.page": PUBLIC,
    "demo_site.contact": PUBLIC,
    "demo_site.thanks": PUBLIC,
}


def admin_required(view: Callable) -> Callable:
    """Anonymous users go to the login page; signed-in non-admins get 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def may_see(user: User, visitor_id: str) -> bool:
    """Admins see every visitor; a rep only those routed/offered to or claimed by them,
    who booked a meeting with them or left them an offline message (routing is forgotten
    after a day, meetings and offline messages are not)."""
    if user.is_admin:
        return True
    assignment = assignments.get(visitor_id)
    if assignment is not None and user.id in assignment.reps():
        return True
    return (meetings.has_meeting_with(user.id, visitor_id)
            or offline_messages.is_for(user.id, visitor_id))


def visitor_visible(view: Callable) -> Callable:
    """For views of one visitor (`visitor_id` in the URL): anonymous users go to the login
    page; 404 when the visitor does not exist or the signed-in user may not see it."""

    @wraps(view)
    @login_required
    def wrapped(*args, visitor_id: str, **kwargs):
        if not may_see(current_user, visitor_id):
            abort(404)
        db.get_or_404(Visitor, visitor_id)
        return view(*args, visitor_id=visitor_id, **kwargs)

    return wrapped


def conversation_for(user: User, conversation_id: int, writing: bool = False) -> Conversation:
    """The conversation, or 404 unless the user is an admin or the rep who owns it.

    Admins read every transcript but write only in their own chats: with `writing`,
    an admin gets 403 for another rep's conversation.
    """
    conversation = db.get_or_404(Conversation, conversation_id)
    if not (user.is_admin or conversation.rep_id == user.id):
        abort(404)
    if writing and conversation.rep_id != user.id:
        abort(403)
    return conversation
