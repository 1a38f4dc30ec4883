"""Scenario fixtures: one started stack per module (see stack.py), the demo team signed
in at their boards for the whole module, and visitors of the demo site.

A module may set ``STACK_SETTINGS`` (environment settings that shorten time) for its
stack, and ``STACK_SEED`` (the module that loads its data: demo_setup by default,
demo_setup_past for the demo's past history too). Scenarios in a module share the
stack, so each uses visitors of its own (and rules scoped to them) and leaves the site
at the end.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from liveapp.demo.seeding import DEMO_USERS
from tests.browser.conftest import chromium  # noqa: F401  (the widget visitors' browser)
from tests.scenarios import stack as stacks
from tests.scenarios.people import Rep, Visitor, WidgetVisitor
from tests.scenarios.settings import Admin


@pytest.fixture(autouse=True)
def clean_state():
    """The suite's per-test cleaning is for its in-process app; scenarios leave it alone
    (their data lives in their stack's own database and Redis namespace)."""
    yield


@pytest.fixture(scope="module")
def stack(request, tmp_path_factory):
    settings = getattr(request.module, "STACK_SETTINGS", {})
    seed = getattr(request.module, "STACK_SEED", "tests.scenarios.demo_setup")
    with stacks.started(tmp_path_factory.mktemp("stack"), settings, seed) as running:
        request.node.stash[STACK] = running
        yield running


STACK = pytest.StashKey[stacks.Stack]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed scenario's report ends with the end of each process's log."""
    report = yield
    running = _stack_of(item)
    if report.failed and running is not None:
        report.sections.append(("stack logs", running.logs()))
    return report


def _stack_of(item) -> stacks.Stack | None:
    for node in item.listchain():
        if STACK in node.stash:
            return node.stash[STACK]
    return None


@pytest.fixture(scope="module")
def site_key(stack) -> str:
    """The demo site's key, as a visitor's browser finds it in the page's snippet."""
    import httpx

    page = httpx.get(f"{stack.url}/demo-site/", timeout=10).text
    return re.search(r'data-site-key="([^"]+)"', page).group(1)


@pytest.fixture(scope="module")
def team(stack) -> dict[str, Rep]:
    """The demo's admin and reps, signed in, each with their board open all module long
    (a sales team at their desks): by first name, e.g. team["ann"]."""
    def arrive(spec) -> Rep:
        person = (Admin if spec.role == "admin" else Rep)(stack.url, spec.email, spec.name)
        person.open_board()
        return person

    with ThreadPoolExecutor(len(DEMO_USERS)) as pool:  # signing in hashes a password each
        arriving = [pool.submit(arrive, spec) for spec in DEMO_USERS]
    people = {spec.email.split("@")[0]: f.result() for spec, f in zip(DEMO_USERS, arriving,
                                                                       strict=True)}
    yield people
    for person in people.values():
        person.close()


@pytest.fixture
def visitor(stack, site_key):
    """visitor(ip=None) -> a new visitor of the demo site; each leaves at the end."""
    made: list[Visitor] = []

    def make(ip: str | None = None) -> Visitor:
        person = Visitor(stack.url, site_key, ip)
        made.append(person)
        return person

    yield make
    for person in made:
        if person.token is not None:
            person.leave()
        person.close()
    stack.assert_running()  # a scenario must not have brought a process down


@pytest.fixture
def widget_visitor(chromium, stack):  # noqa: F811  (the browser fixture)
    """A visitor of the demo site in chromium, with the real snippet and chat widget."""
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield WidgetVisitor(page, stack.url)
    context.close()  # the tab's leave beacon: the visitor leaves the site
