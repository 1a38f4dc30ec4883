"""The data steps of `liveapp demo`, for a scenario's stack: `python -m
tests.scenarios.demo_setup BASE_URL`, with the stack's environment.

The same calls the demo makes before and after starting its processes: migrations, the
demo data, the demo site's origin for the port in use, and every CRM integration pointed
at the running CRM sandbox (whose settings file it waits for).
"""

from __future__ import annotations

import sys

from liveapp import cli
from liveapp.demo import seeding


def main(base_url: str, past: bool = False) -> None:
    """`past`: the demo's three weeks of history too (demo_setup_past)."""
    instance = cli._instance_path()
    app = cli._app()
    cli._migrate(app)
    with app.app_context():
        seeding.seed()
        if past:
            seeding.seed_past()
        seeding.allow_demo_origin(base_url)
        if seeding.connect_crm_sandbox(instance) is None:
            sys.exit("the CRM sandbox never wrote its settings")


if __name__ == "__main__":
    main(sys.argv[1])
