"""Daily closing prices from pluggable providers (see `base.PriceProvider`).

`providers()` builds the ones named in INVESTMENTS_PRICE_PROVIDERS, in that
order; `fetch.fetch_prices` asks them in turn, so when one provider shuts
down or refuses, the next one answers, and a holding whose prices stop
coming is shown as stale instead of silently keeping an old value.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from investments.prices.base import PriceError, PriceProvider, Quote
from investments.prices.stooq import StooqProvider
from investments.prices.yahoo import YahooProvider

__all__ = ["PROVIDERS", "PriceError", "PriceProvider", "Quote", "providers"]

PROVIDERS: dict[str, type[PriceProvider]] = {"yahoo": YahooProvider, "stooq": StooqProvider}


def providers(names: list[str] | None = None) -> list[PriceProvider]:
    """The configured providers, in fallback order."""
    from django.conf import settings

    chosen = names if names is not None else settings.INVESTMENTS_PRICE_PROVIDERS
    unknown = [name for name in chosen if name not in PROVIDERS]
    if unknown:
        raise ImproperlyConfigured(
            f"INVESTMENTS_PRICE_PROVIDERS names unknown providers {', '.join(unknown)}; "
            f"known: {', '.join(PROVIDERS)}.")
    return [PROVIDERS[name]() for name in chosen]
