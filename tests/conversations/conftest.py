from tests.tracking.conftest import api, site  # noqa: F401  (the events API fixtures)
