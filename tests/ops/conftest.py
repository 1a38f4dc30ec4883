"""Fixtures for ops tests: the events API's (a site, a client posting events)."""

from tests.tracking.conftest import api, site  # noqa: F401
