"""Fixtures for the investments tests: both databases, the fake price server, factories."""

from __future__ import annotations

import pytest

from tests.fakes.prices_server import FakePrices

pytest_plugins = ["tests.fakes.fixtures"]


@pytest.fixture
def fake_prices(settings):
    """A running FakePrices; both providers point at it and 429s are retried at once."""
    with FakePrices() as fake:
        settings.INVESTMENTS_YAHOO_BASE_URL = fake.url
        settings.INVESTMENTS_STOOQ_BASE_URL = fake.url
        settings.INVESTMENTS_PRICE_PROVIDERS = ["yahoo", "stooq"]
        settings.INVESTMENTS_PRICE_RETRY_ATTEMPTS = 3
        settings.INVESTMENTS_PRICE_RETRY_BASE_SECONDS = 0.0
        settings.INVESTMENTS_PRICE_TIMEOUT_SECONDS = 5.0
        yield fake
