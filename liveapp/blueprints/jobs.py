"""Settings → Jobs: the maintained `rq-dashboard` blueprint, mounted at /settings/jobs/.

It shows liveapp's queues, workers and jobs (failed ones with their tracebacks) and lets
admins requeue or delete them. rq-dashboard has no access control of its own: every one
of its endpoints, pages and JSON alike, goes through `_admins_only` first (an app-level
`before_request`, so it runs before any of the dashboard's own code). Its POST actions
go through Flask-WTF's CSRF check like every other form: the dashboard's script sends the
`_csrf_token` cookie back as the X-CSRFToken header, so that cookie carries our token.

Other apps' queues. RQ keeps one registry of queues and one of workers per Redis
database, whatever the queues' names, and rq-dashboard 0.9.0 lists them with
`Queue.all()` and `Worker.all()` and has no setting to filter them: on a Redis database
shared with another RQ app, its queues and workers are listed too. Filtering the lists
would mean replacing the dashboard's module globals, so we do not; what we can hold
through the dashboard's own routes we do: a queue that is not liveapp's, and a job from
one, are 404 (no view, no requeue, delete, empty or compact). Give liveapp a Redis
database of its own (REDIS_URL …/N) and the lists hold only liveapp's.

Its markup: liveapp's template folder comes before the blueprint's, so
templates/rq_dashboard/{base,navbar,jobs}.html (copies of 0.9.0's, each saying what it
changes) and static/jobs-dashboard.css fix what axe-core finds (labels, contrast) and fit
a phone. Re-check them against the new templates when upgrading rq-dashboard.
"""

from __future__ import annotations

from flask import Flask, abort, current_app, jsonify, redirect, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer
from rq_dashboard import web as dashboard
from werkzeug.exceptions import NotFound

from liveapp.extensions import QUEUE_NAMES, queue, redis

URL_PREFIX = "/settings/jobs"
BLUEPRINT = "rq_dashboard"

# The dashboard's pages run inline scripts (its templates, and our copies) and build their
# tables with underscore.js templates, which compile with `new Function` ('unsafe-eval').
# Admin-only pages, all their data from our own Redis, escaped by those templates.
DASHBOARD_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)


def register(app: Flask) -> None:
    """Mount the dashboard on `app`, on liveapp's Redis, behind admin access and CSRF."""
    # liveapp's jobs are JSON-serialized (extensions.queue): the dashboard must read them so.
    dashboard.config.serializer = JSONSerializer
    app.config.setdefault("RQ_DASHBOARD_REDIS_URL", (app.config["REDIS_URL"],))
    app.config.setdefault("RQ_DASHBOARD_POLL_INTERVAL", 5000)
    app.redis_conn = app.extensions["liveapp_redis"]
    app.before_request(_admins_only)
    app.after_request(_dashboard_headers)
    app.register_error_handler(NoSuchJobError, _no_such_job)
    app.register_blueprint(dashboard.blueprint, url_prefix=URL_PREFIX)


def _admins_only():
    """Anonymous: the sign-in page; signed-in non-admins: 403; and the dashboard's one
    state change that also answers GET (requeue all) only as a POST, where CSRF holds."""
    if request.blueprint != BLUEPRINT:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not current_user.is_admin:
        abort(403)
    if request.endpoint == f"{BLUEPRINT}.requeue_all" and request.method != "POST":
        abort(405)
    if not _liveapps(request.view_args or {}):
        abort(404)
    if request.endpoint == f"{BLUEPRINT}.jobs_overview" and not request.view_args["queue_name"]:
        return _default_queue_jobs()
    if request.endpoint == f"{BLUEPRINT}.compact_queue" and not _queue_exists():
        return jsonify(status="OK")  # RQ's compact renames the list: none, a server error
    current_app.redis_conn = redis.client  # the dashboard reads it from the app
    return None


def _liveapps(view_args: dict) -> bool:
    """Whether the queue or the job a dashboard route names (if any) is liveapp's: one of
    its namespaced queues, a job from one (or no such job: the dashboard's own 404)."""
    ours = {queue(name).name for name in QUEUE_NAMES}
    if view_args.get("queue_name") is not None and view_args["queue_name"] not in ours:
        return False
    if view_args.get("job_id") is not None:
        origin = redis.client.hget(Job.key_for(view_args["job_id"]), "origin")
        return origin is None or origin.decode() in ours
    return True


def _default_queue_jobs():
    """The navigation's "Jobs" (no queue named): liveapp's default queue. The dashboard
    would show RQ's un-namespaced "default", which is not liveapp's (its list, a 404)."""
    return redirect(url_for(request.endpoint, instance_number=request.view_args["instance_number"],
                            queue_name=queue().name, registry_name="queued", per_page=8,
                            order="asc", page=1))


def _queue_exists() -> bool:
    name = request.view_args["queue_name"]
    return bool(redis.client.exists(Queue(name, connection=redis.client).key))


def _no_such_job(error):
    """A job that expired or was deleted (a stale link): our 404 page, not a server error."""
    return current_app.handle_http_exception(NotFound())


def _dashboard_headers(response):
    """The dashboard's pages: their own CSP, and our CSRF token where its script reads it."""
    if request.blueprint != BLUEPRINT or not current_user.is_authenticated:
        return response
    response.headers["Content-Security-Policy"] = DASHBOARD_CSP
    if response.mimetype == "text/html":
        response.set_cookie("_csrf_token", generate_csrf(), path=URL_PREFIX + "/",
                            samesite="Strict", secure=current_app.config["SESSION_COOKIE_SECURE"],
                            httponly=False)  # read by the dashboard's script
    return response
