"""What browser tests do again and again: sign in, drag a sortable item, wait for htmx, run
axe-core, take screenshots at a desktop's and a phone's width."""

import time

from axe_playwright_python.sync_playwright import Axe

from liveapp.extensions import db
from tests.factories import PASSWORD

SETTLED = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
AXE = Axe()
BLOCKING = ("serious", "critical")  # axe-core's impacts that fail a test (issue 15)
DESKTOP = {"width": 1440, "height": 900}  # the widths issue 15 asks the screens to fit
PHONE = {"width": 375, "height": 800}


def sign_in(page, live_server: str, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real form; returns once the next page has loaded."""
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")


def drag(page, source: str, target: str, steps: int = 12) -> None:
    """Drag source's handle above target with real mouse moves (SortableJS fallback mode)."""
    handle = page.locator(f"{source} .handle").bounding_box()
    goal = page.locator(target).bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    for i in range(1, steps + 1):
        y = handle["y"] + (goal["y"] + 4 - handle["y"]) * i / steps
        page.mouse.move(handle["x"] + 5, y)
        page.wait_for_timeout(20)
    page.mouse.up()


def htmx_swap(page, url_part: str, action) -> None:
    """Do something that makes htmx fetch url_part and swap; wait until it settled."""
    with page.expect_response(lambda r: url_part in r.url):
        action()
    page.wait_for_function(SETTLED)


def eventually(check, timeout: float = 10.0):
    """Poll until check() is truthy (the browser posts asynchronously), reading the
    database afresh each time; returns the last value."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.expire_all()
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def settings_links(page) -> list[str]:
    """The admin's settings pages, as the navigation links them."""
    return page.locator("[data-nav=settings] a").evaluate_all("as => as.map(a => a.href)")


def record_console(page) -> list[str]:
    """Every console error, uncaught page error and HTTP error answer of the page, as text,
    appended to the returned list as they happen."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(
        f"{m.type}: {m.text} ({m.location.get('url')})") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}")
            if r.status >= 400 else None)
    return errors


def axe_problems(page, name: str) -> list[str]:
    """axe-core's serious and critical violations on the page open now, one line each,
    named `name` (its first five places)."""
    found = []
    for violation in AXE.run(page).response["violations"]:
        if violation["impact"] in BLOCKING:
            targets = " | ".join(", ".join(n["target"]) for n in violation["nodes"][:5])
            found.append(f"{name}: axe {violation['impact']} {violation['id']} "
                         f"({violation['help']}) at {targets}")
    return found


def screenshots(page, tmp_path, name: str) -> None:
    """The page as it is now, full length, at 1440 and at 375 px wide, as
    tmp_path/name-1440.png and name-375.png (for a person to look at); the viewport is then
    set back to its size before."""
    before = page.viewport_size
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        page.screenshot(path=str(tmp_path / f"{name}-{size['width']}.png"), full_page=True)
    page.set_viewport_size(before)
