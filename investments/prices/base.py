"""The provider interface, and the one HTTP helper providers share.

A provider turns (ticker, first day, last day) into daily closes, or raises
PriceError with a sentence naming the provider and the ticker. Days it has
no close for (weekends, holidays, gaps in its data) are simply absent.
HTTP 429 (rate limited) is retried after Retry-After (or an exponential
backoff), up to INVESTMENTS_PRICE_RETRY_ATTEMPTS tries; anything else that
is not a 200 fails at once.
"""

from __future__ import annotations

import datetime
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

MAX_RETRY_AFTER_SECONDS = 60.0
USER_AGENT = "BudgetApp/0.1 (personal finance; daily closes)"


@dataclass(frozen=True, slots=True)
class Quote:
    date: datetime.date
    close: Decimal


class PriceError(Exception):
    """A provider could not give prices for a ticker; `str()` says which, and why."""

    def __init__(self, provider: str, ticker: str, reason: str) -> None:
        super().__init__(f"{provider} has no prices for {ticker}: {reason}")
        self.provider = provider
        self.ticker = ticker
        self.reason = reason


class PriceProvider:
    """Subclasses set `name` and `label` and implement `history`."""

    name = ""
    label = ""

    def history(self, ticker: str, start: datetime.date, end: datetime.date) -> list[Quote]:
        raise NotImplementedError

    def error(self, ticker: str, reason: str) -> PriceError:
        return PriceError(self.label, ticker, reason)

    def get(self, ticker: str, url: str, params: dict[str, str]) -> bytes:
        """The body of a GET answered 200, retrying 429s; PriceError otherwise."""
        full = f"{url}?{urllib.parse.urlencode(params)}"
        request = urllib.request.Request(full, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
        attempts = max(1, settings.INVESTMENTS_PRICE_RETRY_ATTEMPTS)
        for attempt in range(attempts):
            try:
                timeout = settings.INVESTMENTS_PRICE_TIMEOUT_SECONDS
                with urllib.request.urlopen(request, timeout=timeout) as reply:
                    return reply.read()
            except urllib.error.HTTPError as exc:
                if exc.code != 429:
                    raise self.error(ticker, f"the server answered HTTP {exc.code}") from exc
                if attempt + 1 == attempts:
                    raise self.error(ticker, f"still rate limited (HTTP 429) after {attempts} tries") from exc
                time.sleep(_retry_delay(exc.headers.get("Retry-After"), attempt))
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                host = urllib.parse.urlsplit(url).netloc
                raise self.error(ticker, f"could not reach {host} ({reason})") from exc
        raise AssertionError("unreachable")  # the loop returns or raises


def _retry_delay(retry_after: str | None, attempt: int) -> float:
    base = settings.INVESTMENTS_PRICE_RETRY_BASE_SECONDS * 2 ** attempt
    try:
        wanted = float(retry_after) if retry_after else base
    except ValueError:  # an HTTP date: not worth parsing for a capped wait
        wanted = base
    return max(0.0, min(wanted, MAX_RETRY_AFTER_SECONDS))
