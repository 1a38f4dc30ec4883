"""Settings are admin-only: 403 for reps, login for anonymous users."""

import pytest

SETTINGS_PAGES = [
    "/settings/users/",
    "/settings/users/new",
    "/settings/groups/",
    "/settings/groups/new",
]


@pytest.mark.parametrize("path", SETTINGS_PAGES)
def test_rep_gets_403(as_rep, path):
    response = as_rep.get(path)
    assert response.status_code == 403
    assert b"You do not have access" in response.data


@pytest.mark.parametrize("path", SETTINGS_PAGES)
def test_anonymous_goes_to_login(browser, path):
    response = browser.get(path)
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("path", SETTINGS_PAGES)
def test_admin_sees_settings(as_admin, path):
    assert as_admin.get(path).status_code == 200


def test_rep_cannot_post_settings(as_rep, make_user):
    other = make_user()
    assert as_rep.post(f"/settings/users/{other.id}/deactivate").status_code == 403
    assert as_rep.post("/settings/groups/new", {"name": "Sneaky"}).status_code == 403


def test_rep_nav_has_no_settings(as_rep):
    assert b'data-nav="settings"' not in as_rep.get("/").data


def test_admin_nav_has_settings(as_admin):
    page = as_admin.get("/").data
    assert b'data-nav="settings"' in page
    assert b"/settings/users/" in page


def test_unknown_page_is_404(as_rep):
    response = as_rep.get("/no/such/page")
    assert response.status_code == 404
    assert b"Nothing here" in response.data


# Authorisation that stays proven (issue 14): every endpoint declares its access rule in
# liveapp/access.py, and every route is tried as nobody, rep A, rep B and an admin.

ROLES = ("anonymous", "rep_b", "rep_a", "admin")  # the admin last: their POSTs change things


def test_every_endpoint_declares_an_access_rule(app):
    from liveapp.access import RULES

    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    undeclared = sorted(endpoints - RULES.keys())
    assert not undeclared, f"declare these endpoints' access in liveapp/access.py: {undeclared}"


def test_a_new_route_without_a_rule_fails_the_check(app):
    from flask import Flask

    from liveapp.access import RULES

    other = Flask(__name__)
    other.add_url_rule("/sneaky", "sneaky.page", lambda: "")
    assert {r.endpoint for r in other.url_map.iter_rules()} - RULES.keys() == {"sneaky.page"}


@pytest.fixture
def world(app, app_ctx, make_user):
    """Two reps, an admin, and one of everything a route may name: a visitor routed to
    rep A with an open conversation, the settings objects admins edit, a live worker."""
    import uuid

    from liveapp.extensions import db
    from liveapp.models import Conversation, Visitor
    from liveapp.services.chat import canned_replies
    from liveapp.services.routing import assignments
    from liveapp.services.settings import sites
    from tests import factories

    people = {
        "rep_a": make_user(role="rep", email="rep-a@example.com"),
        "rep_b": make_user(role="rep", email="rep-b@example.com"),
        "admin": make_user(role="admin", email="boss@example.com"),
        "target": make_user(role="rep", email="target@example.com"),
    }
    site = sites.save_site(None, name="Example", allowed_origins=["https://www.example.com"])
    visitor = Visitor(id=str(uuid.uuid4()), site_id=site.id)
    db.session.add(visitor)
    conversation = Conversation(visitor=visitor, rep_id=people["rep_a"].id, origin="pounce")
    db.session.add(conversation)
    db.session.commit()
    assignments.save(visitor.id, assignments.Assignment(
        rule_name="Rule", mode="first_available", routed_to=[people["rep_a"].id]))
    values = {
        "visitor_id": visitor.id,
        "conversation_id": conversation.id,
        "user_id": people["target"].id,
        "site_id": site.id,
        "group_id": factories.GroupFactory().id,
        "segment_id": factories.SegmentFactory().id,
        "experience_id": factories.ExperienceFactory().id,
        "stream_id": factories.StreamFactory().id,
        "rule_id": factories.RoutingRuleFactory().id,
        "reply_id": canned_replies.save(None, owner=None, shortcut="hello", body="Hi!").id,
        "my_replies.reply_id": canned_replies.save(
            None, owner=people["rep_a"], shortcut="mine", body="Hi {first_name}").id,
        "name": "salesforce",
        "kind": "abm",
        "page": "product",
        "filename": "app.css",
        # Settings → Jobs (rq-dashboard): a queue, a registry and a job that may not exist.
        "instance_number": 0,
        "queue_name": "default",
        "registry_name": "failed",
        "job_id": "no-such-job",
        "per_page": 8,
        "order": "asc",
        "rq_dashboard.page": 1,  # its pages are numbers (the demo site's are names)
        "key": "visitors_per_day",  # a report table's CSV
    }
    # A live worker, so that /readyz answers 200 (its 503 has tests of its own).
    from jobs.abandoned import Liveness
    from liveapp.extensions import queue, redis
    from tests.rq_workers import SimpleWorker

    worker = SimpleWorker([queue()], connection=redis.client, serializer="json")
    worker.register_birth()
    liveness = Liveness(app, worker.name, ttl=60.0)  # alive as `liveapp worker` is
    liveness.start()
    yield people, values
    liveness.stop()
    worker.register_death()


def _routes(app, values):
    """(endpoint, method, path) of every route, built with `values` (`<blueprint>.<name>`
    wins over `<name>` for that blueprint's routes); the sign-out last
    and the deletions just before it, so that what they end does not hide the others."""
    routes = []
    for rule in app.url_map.iter_rules():
        missing = rule.arguments - values.keys()
        assert not missing, f"{rule.rule}: give the test a value for {missing}"
        blueprint = rule.endpoint.rpartition(".")[0]
        _, path = rule.build({k: values.get(f"{blueprint}.{k}", values[k])
                              for k in rule.arguments})
        methods = rule.methods - {"HEAD"}
        methods = methods - {"OPTIONS"} or methods  # preflight routes answer OPTIONS only
        if rule.endpoint == "events.stream":
            path += f"?channel=rep:{values['rep_a_id']}"
        if blueprint == "reports":  # rep A's figures
            path += f"?rep={values['rep_a_id']}"
        routes += [(rule.endpoint, method, path) for method in sorted(methods)]
    return sorted(routes, key=lambda r: (r[0] == "auth.logout",
                                         r[0].endswith((".delete", ".deactivate"))))


# A CORS preflight from the site's own origin (the widget's).
PREFLIGHT = {"Origin": "https://www.example.com", "Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "content-type"}


def _request(browser, method: str, path: str, token: str | None):
    """One request, read whole (an event stream: its first frame), in a context of its own."""
    import contextvars

    from flask.testing import FlaskClient

    def run():
        data = {"csrf_token": token} if token and method == "POST" else None
        headers = PREFLIGHT if method == "OPTIONS" else {}
        response = FlaskClient.open(browser.client, path, method=method, data=data,
                                    headers=headers, buffered=False)
        if response.status_code == 308:  # the router's canonical URL (a route's defaults)
            response.close()
            response = FlaskClient.open(browser.client, response.headers["Location"],
                                        method=method, data=data, headers=headers,
                                        buffered=False)
        if response.mimetype == "text/event-stream":
            next(iter(response.response))
        else:
            response.get_data()
        response.close()
        return response

    return contextvars.Context().run(run)


def _to_login(response) -> bool:
    """Sent to sign in (Flask-Login's redirect, with the page to come back to)."""
    location = response.headers.get("Location", "")
    return response.status_code in (301, 302, 303) and "/auth/login?next=" in location


def _refusal(rule, role: str, response) -> str | None:
    """Why this answer breaks the endpoint's declared rule for this role; None if it holds."""
    from liveapp.access import Access

    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    signed_in = role != "anonymous"
    kept_out = status in (401, 403) or _to_login(response)
    if rule is Access.PUBLIC:
        return "refused" if kept_out else None
    if rule is Access.VISITOR:  # no visitor token here: refused, whoever is signed in
        return None if status in (400, 401, 403) else f"{status} without a token"
    if rule is Access.TOKEN:  # no token configured in tests: not there for anyone
        return None if status == 404 else f"{status}, not 404"
    if rule is Access.CHANNEL:  # rep A's board channel
        wanted = {"anonymous": 401, "rep_a": 200}.get(role, 403)
        return None if status == wanted else f"{status}, not {wanted}"
    if not signed_in:
        return None if status == 401 or _to_login(response) else f"{status}, not a sign-in"
    if rule is Access.ADMIN and role != "admin":
        return None if status == 403 else f"{status}, not 403"
    if rule is Access.MINE:  # rep A's own canned reply: no one else may open it, admins neither
        wanted_out = role != "rep_a"
        return (None if (status in (403, 404)) == wanted_out
                else f"{status}: {'saw rep A' if wanted_out else 'kept rep A out'}")
    if rule is Access.OWN and role == "rep_b":  # rep A's visitor and conversation
        return None if status in (403, 404) else f"{status}: rep B saw rep A's"
    if rule is Access.OWN:  # may still refuse an action (403), never hide what is theirs
        return None if status != 404 and status != 401 and not _to_login(response) else (
            f"{status}: the owner or an admin was kept out")
    return f"{status}: kept out" if kept_out else None


@pytest.mark.parametrize("role", ROLES)
def test_every_route_keeps_its_rule_for_each_role(app, browser, world, role):
    from liveapp.access import RULES

    people, values = world
    values = {**values, "rep_a_id": people["rep_a"].id}
    if role != "anonymous":
        assert browser.login(people[role].email).status_code == 303
    broken = []
    for endpoint, method, path in _routes(app, values):
        token = browser.csrf("/" if role != "anonymous" else "/auth/login") if (
            method == "POST") else None
        response = _request(browser, method, path, token)
        why = _refusal(RULES.get(endpoint), role, response)
        if why:
            broken.append(f"{method} {path} ({endpoint}, {RULES.get(endpoint)}): {why}")
    assert not broken, "\n".join(broken)


# Access is decided in liveapp/access.py and the views (issue 16): a service returns None
# or raises, it never picks a status code.


def _aborts(path) -> list[int]:
    """The lines of `path` that import or call `abort`."""
    import ast

    def aborting(node) -> bool:
        if isinstance(node, ast.ImportFrom):
            return any(alias.name == "abort" for alias in node.names)
        return isinstance(node, ast.Call) and "abort" in (
            getattr(node.func, "id", None), getattr(node.func, "attr", None))

    return [node.lineno for node in ast.walk(ast.parse(path.read_text())) if aborting(node)]


def test_services_never_abort():
    from pathlib import Path

    import liveapp

    services = Path(liveapp.__file__).parent / "services"
    aborting = {str(p.relative_to(services)): lines for p in sorted(services.rglob("*.py"))
                if (lines := _aborts(p))}
    assert not aborting, f"services choose no status code; move these to the view: {aborting}"
