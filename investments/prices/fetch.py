"""Fetching closes for every held security: the daily job and `manage.py fetch_prices`.

For each held security that can be quoted (it has a ticker and is not
cash), the providers are asked in INVESTMENTS_PRICE_PROVIDERS order; the
first that answers wins, and each failure is kept as a sentence. A
security with no provider prices yet is backfilled INVESTMENTS_BACKFILL_DAYS
back; otherwise from a few days before its latest close (providers revise
recent days), or `days` back when asked. Each security's closes are saved
in one transaction (upserts keyed by security, date and source), so a run
that fails half-way keeps what it finished and re-running is harmless.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from investments.models import QUOTABLE_TYPES, Price, Security
from investments.prices import PriceError, PriceProvider, Quote, providers
from investments.routers import ALIAS

log = logging.getLogger(__name__)

OVERLAP_DAYS = 5


@dataclass
class FetchResult:
    """Closes saved per ticker, and why each ticker that got none failed."""

    saved: dict[str, int] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        lines = [f"{ticker}: {count} closes from {self.sources[ticker]}"
                 for ticker, count in self.saved.items()]
        lines += [f"{ticker}: FAILED. {reason}" for ticker, reason in self.failed.items()]
        return "\n".join(lines) or "No held security has a ticker to fetch prices for."


def quotable_securities():
    """Securities someone holds that providers can quote (bonds, options and cash they cannot)."""
    return (Security.objects.filter(holdings__isnull=False, security_type__in=QUOTABLE_TYPES)
            .exclude(ticker="").distinct().order_by("ticker"))


def fetch_prices(*, days: int | None = None, securities=None, today: datetime.date | None = None,
                 chain: list[PriceProvider] | None = None) -> FetchResult:
    """Fetch and store closes for `securities` (default: every quotable held one)."""
    today = today or timezone.localdate()
    chain = chain if chain is not None else providers()
    chosen = list(securities if securities is not None else quotable_securities())
    provider_names = [p.name for p in chain]
    latest = dict(Price.objects.filter(security__in=chosen, source__in=provider_names)
                  .values("security").annotate(last=Max("date")).values_list("security", "last"))
    result = FetchResult()
    for security in chosen:
        start = _start(latest.get(security.pk), days, today)
        quotes, source, errors = _first_answer(chain, security.ticker, start, today)
        if source is None:
            result.failed[security.ticker] = " ".join(errors) or "no provider is configured."
            log.warning("prices for %s: %s", security.ticker, result.failed[security.ticker])
            continue
        _save(security, quotes, source)
        result.saved[security.ticker] = len(quotes)
        result.sources[security.ticker] = source
    return result


def _start(last: datetime.date | None, days: int | None, today: datetime.date) -> datetime.date:
    if days is not None:
        return today - datetime.timedelta(days=days)
    if last is None:
        return today - datetime.timedelta(days=settings.INVESTMENTS_BACKFILL_DAYS)
    return min(last, today) - datetime.timedelta(days=OVERLAP_DAYS)


def _first_answer(chain, ticker, start, end) -> tuple[list[Quote], str | None, list[str]]:
    errors = []
    for provider in chain:
        try:
            quotes = provider.history(ticker, start, end)
        except PriceError as exc:
            errors.append(f"{exc}.")
            continue
        if quotes:
            return quotes, provider.name, errors
        errors.append(f"{provider.label} has no closes for {ticker} from {start} to {end}.")
    return [], None, errors


def _save(security: Security, quotes: list[Quote], source: str) -> None:
    with transaction.atomic(using=ALIAS):
        Price.objects.bulk_create(
            [Price(security=security, date=q.date, close=q.close, source=source) for q in quotes],
            update_conflicts=True, unique_fields=["security", "date", "source"], update_fields=["close"])
