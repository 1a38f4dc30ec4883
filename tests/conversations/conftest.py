from tests.tracking.conftest import api, published, site  # noqa: F401  (events API fixtures)
