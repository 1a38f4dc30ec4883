"""Request-wide behaviour: login loading, security headers, error pages."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from flask import Flask, Response, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, ValidationError

from liveapp import simulated_clients
from liveapp.domain.text import NUL, NUL_REFUSED
from liveapp.extensions import db, login_manager
from liveapp.models import User

JSON_PREFIXES = ("/t/", "/healthz")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)


# The largest id in a route: every table a route names by id keys it with an `integer`,
# 32 bits on PostgreSQL (SQLite's hold 64): a larger id can name nothing.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """The app's `<int:…>`: at most MAX_ID, so a larger id is a 404 (not an overflow in
    the database, a 500)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = MAX_ID, signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)

    def to_python(self, value: str) -> int:
        # A 404 at once, not a ValidationError: with that, Werkzeug would try the next rule,
        # and a path that another rule holds for another method (GET and POST views of
        # one URL) would answer 405.
        try:
            return super().to_python(value)
        except ValidationError:
            raise NotFound() from None


def install_converters(app: Flask) -> None:
    """Before any blueprint: a rule takes its converters when it is added."""
    app.url_map.converters["int"] = IdConverter


def _nul_field() -> str | None:
    """Where the request's path, query string or form holds a NUL character, if it does.
    The public API's bodies are JSON, checked by the endpoints that read them within their
    size limits: its forms are not parsed here."""
    if NUL in request.path:
        return "path"
    public = request.path.startswith(JSON_PREFIXES)
    for values in (request.args,) if public else (request.args, request.form):
        for key, value in values.items(multi=True):
            if NUL in key or NUL in value:
                return key.replace(NUL, "") or "form"
    return None


def refuse_nul():
    """400 before any view reads text that PostgreSQL could not store."""
    field = _nul_field()
    if field is not None:
        return _error(400, f"{field}: {NUL_REFUSED}")
    return None


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user of a session or remember cookie ("<id>:<version>", see User.get_id): None
    once the user is deactivated or their sessions were ended (sign-out, new password)."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def _wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES) or request.is_json


def _error(status: int, message: str):
    if _wants_json():
        return jsonify(error=message), status
    return render_template("errors/error.html", status=status, message=message), status


def security_headers() -> list[tuple[str, str]]:
    """Headers every response carries (unless a blueprint set its own first)."""
    return [
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("X-Frame-Options", "DENY"),
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ]


def set_security_headers(response):
    """Every response's security headers; a blueprint may set its own CSP first."""
    for name, value in security_headers():
        response.headers.setdefault(name, value)
    return response


def no_store_when_signed_in(response):
    """Signed-in pages and fragments are not kept by browsers or proxies (a shared
    computer's back button, a caching proxy); static files still are, and a view that
    chose its own caching (the event stream's no-cache) keeps it."""
    if (request.endpoint != "static" and "Cache-Control" not in response.headers
            and current_user.is_authenticated):
        response.headers["Cache-Control"] = "no-store"
    return response


def public_url(endpoint: str, **values) -> str:
    """An absolute URL of this app for other sites to use (the site snippet): under
    LIVEAPP_PUBLIC_URL when set, else from the request (whose Host a client chooses)."""
    base = current_app.config.get("PUBLIC_URL")
    if not base:
        return url_for(endpoint, _external=True, **values)
    return base + url_for(endpoint, **values)


def clock(epoch: float) -> str:
    """HH:MM:SS (UTC) of an epoch timestamp, for timelines."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%H:%M:%S")


def favicon():
    """Browsers ask for /favicon.ico whatever the page links: send them the SVG."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


def init_app(app: Flask) -> None:
    """Wire login, headers and error handlers into the app."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    app.before_request(refuse_nul)
    app.add_url_rule("/favicon.ico", "favicon", favicon)
    # Settings → Jobs (rq-dashboard's own template) links the icon there.
    app.add_url_rule("/static/favicon.ico", "favicon", favicon)
    app.after_request(set_security_headers)
    app.after_request(no_store_when_signed_in)
    app.jinja_env.globals["settings_nav"] = settings_nav
    app.jinja_env.globals["public_url"] = public_url
    app.jinja_env.filters["clock"] = clock

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _error(400, "Your form expired or was not sent from this site. Reload and retry.")

    @app.errorhandler(401)
    def unauthorised(error):
        return _error(401, "Please sign in to continue.")

    @app.errorhandler(403)
    def forbidden(error):
        return _error(403, "You do not have access to this page.")

    @app.errorhandler(404)
    def not_found(error):
        return _error(404, "Nothing here.")

    @app.errorhandler(405)
    def not_allowed(error):
        return _error(405, "Method not allowed.")

    @app.errorhandler(429)
    def too_many(error):
        return _error(429, getattr(error, "description", None) or "Too many requests.")

    for failure in UNAVAILABLE:
        app.register_error_handler(failure, _unavailable)
    # Before Flask-SQLAlchemy's own (teardowns run last registered first).
    app.teardown_appcontext(end_session)

    @app.errorhandler(500)
    def server_error(error):
        # What failed after the view (its changes' dispatch) comes here too.
        original = getattr(error, "original_exception", None)
        if isinstance(original, UNAVAILABLE) and is_unavailable(original):
            return _unavailable(original)
        db.session.rollback()
        return _error(500, "Something went wrong on our side.")


# A part the app needs is away (Redis; the database: refusing connections, ended sessions,
# SQLite locked past its busy timeout, the pool exhausted): the request is refused as a
# whole, with a 503 that says so (what the view wrote is rolled back), never a 500.
UNAVAILABLE: tuple[type[Exception], ...] = (RedisConnectionError, RedisTimeoutError,
                                            OperationalError, InterfaceError, PoolTimeout)
# SQLite says OperationalError of its own mistakes too ("no such column"): those are bugs.
SQLITE_AWAY = ("locked", "busy", "unable to open", "disk i/o")
RETRY_AFTER = "5"


def is_unavailable(error: BaseException) -> bool:
    """Whether the error says a part is away (not that the request or the code is wrong)."""
    if isinstance(error, OperationalError) and isinstance(error.orig, sqlite3.Error):
        return any(words in str(error.orig).lower() for words in SQLITE_AWAY)
    return isinstance(error, UNAVAILABLE)


UNAVAILABLE_MESSAGE = "Unavailable; try again shortly."
# The page needs nothing the outage took (rendering the app's templates loads the user).
UNAVAILABLE_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Unavailable'
    '</title></head><body><h1>Temporarily unavailable</h1><p>' + UNAVAILABLE_MESSAGE
    + "</p></body></html>")


def _unavailable(error: Exception):
    if not is_unavailable(error):
        raise error  # a bug: the ordinary 500
    end_session()
    current_app.logger.warning("%s %s: unavailable: %s: %s", request.method, request.path,
                               type(error).__name__, error)
    if _wants_json():
        response = jsonify(error=UNAVAILABLE_MESSAGE)
    else:
        response = Response(UNAVAILABLE_PAGE, mimetype="text/html")
    response.status_code = 503
    response.headers["Retry-After"] = RETRY_AFTER
    response.headers["Cache-Control"] = "no-store"
    return response


def end_session(error: BaseException | None = None) -> None:
    """Roll back and close the request's session, also when its connection died (the
    database went away mid-request): a rollback that cannot reach the database leaves
    nothing to undo there, and must not turn the answer into a 500."""
    try:
        db.session.remove()
    except Exception as failure:
        current_app.logger.warning("session ended without the database: %s", failure)
        db.session.registry.clear()


def client_ip() -> str:
    """The client's address (see `client_ip_of`) in a request."""
    return client_ip_of(request.environ)


def client_ip_of(environ: dict) -> str:
    """The client's address: the socket's, unless a trusted proxy count is configured;
    the demo simulator's signed address when its key is configured (in an app context)."""
    simulated = simulated_clients.verified(
        current_app.config.get("SIMULATOR_KEY", ""),
        environ.get("HTTP_" + simulated_clients.HEADER.upper().replace("-", "_")))
    if simulated is not None:
        return simulated
    trusted = current_app.config.get("TRUSTED_PROXY_COUNT", 0)
    if trusted:
        forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if len(hops) >= trusted:
            return hops[-trusted]
    return environ.get("REMOTE_ADDR") or "unknown"


# Settings pages in nav order; a page shows once its blueprint is registered.
SETTINGS_PAGES = (
    ("sites.index", "Sites"),
    ("streams.index", "Streams"),
    ("segments.index", "Segments"),
    ("experiences.index", "Experiences"),
    ("routing.index", "Routing"),
    ("users.index", "Users"),
    ("groups.index", "Groups"),
    ("canned_replies.index", "Canned replies"),
    ("integrations.index", "Integrations"),
    ("imports.index", "Imports"),
    ("visitors.index", "Visitors"),
    ("rq_dashboard.queues_overview", "Jobs"),
    ("status.index", "Status"),
)


def settings_nav() -> list[tuple[str, str]]:
    """The settings links to show admins: those whose endpoint exists in this app."""
    return [(e, label) for e, label in SETTINGS_PAGES if e in current_app.view_functions]
