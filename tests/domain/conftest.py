import pytest


@pytest.fixture(autouse=True)
def clean_state():
    """Domain tests need no app, database or Redis: nothing to clean up."""
    yield
