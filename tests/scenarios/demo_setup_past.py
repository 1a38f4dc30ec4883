"""demo_setup with the demo's three weeks of past history, as `liveapp demo` seeds it
(liveapp.demo.history): `python -m tests.scenarios.demo_setup_past BASE_URL`."""

from __future__ import annotations

import sys

from tests.scenarios import demo_setup

if __name__ == "__main__":
    demo_setup.main(sys.argv[1], past=True)
