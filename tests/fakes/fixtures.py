"""Pytest fixtures for the fake servers: `pytest_plugins = ["tests.fakes.fixtures"]`."""

import pytest

from tests.fakes.plaid_server import FakePlaid


@pytest.fixture
def fake_plaid(settings):
    """A running FakePlaid; the settings point the real client at it, with retries fast
    enough for tests."""
    with FakePlaid() as fake:
        settings.PLAID_CLIENT_ID = fake.client_id
        settings.PLAID_SECRET = fake.secret
        settings.PLAID_ENV = "sandbox"
        settings.PLAID_API_HOST = fake.url
        settings.PLAID_TIMEOUT_SECONDS = 5.0
        settings.PLAID_RETRY_ATTEMPTS = 3
        settings.PLAID_RETRY_BASE_SECONDS = 0.001
        settings.PLAID_RETRY_MAX_SECONDS = 0.01
        yield fake
