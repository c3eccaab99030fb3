"""Yahoo Finance's chart endpoint: `GET /v8/finance/chart/{TICKER}?period1&period2&interval=1d`.

Free and keyless, with decades of daily history per call. Timestamps are
the session's start in UTC; adding the exchange's `gmtoffset` gives the
trading day. A day it has no close for comes back as null and is skipped.
"""

from __future__ import annotations

import calendar
import datetime
import json
import urllib.parse
from decimal import Decimal, InvalidOperation

from django.conf import settings

from investments.prices.base import PriceProvider, Quote


class YahooProvider(PriceProvider):
    name = "yahoo"
    label = "Yahoo Finance"

    def history(self, ticker: str, start: datetime.date, end: datetime.date) -> list[Quote]:
        base = settings.INVESTMENTS_YAHOO_BASE_URL.rstrip("/")
        url = f"{base}/v8/finance/chart/{urllib.parse.quote(ticker)}"
        params = {"period1": str(_epoch(start)), "period2": str(_epoch(end + datetime.timedelta(days=1))),
                  "interval": "1d", "events": "history"}
        body = self.get(ticker, url, params)
        try:
            chart = json.loads(body, parse_float=Decimal)["chart"]
        except (ValueError, TypeError, KeyError):
            raise self.error(ticker, f"the answer is not chart JSON (starts {body[:40]!r})") from None
        if not isinstance(chart, dict):
            raise self.error(ticker, "the answer is not chart JSON")
        if chart.get("error"):
            error = chart["error"]
            reason = error.get("description") if isinstance(error, dict) else str(error)
            raise self.error(ticker, f"the provider says {reason!r}")
        try:
            result = chart["result"][0]
            offset = int(result["meta"].get("gmtoffset") or 0)
            stamps = result.get("timestamp") or []
            closes = (result["indicators"]["quote"][0].get("close") or []) if stamps else []
            if len(stamps) != len(closes):
                raise ValueError("timestamps and closes differ in length")
            quotes = {}
            for stamp, close in zip(stamps, closes, strict=True):
                if close is None:
                    continue
                day = datetime.datetime.fromtimestamp(int(stamp) + offset, datetime.UTC).date()
                value = Decimal(close)
                if not value.is_finite() or value <= 0:
                    raise ValueError(f"close {close!r} on {day}")
                if start <= day <= end:
                    quotes[day] = value
        except (KeyError, IndexError, TypeError, ValueError, InvalidOperation, AttributeError) as exc:
            raise self.error(ticker, f"the chart JSON is not in the expected shape ({exc})") from None
        return [Quote(day, close) for day, close in sorted(quotes.items())]


def _epoch(day: datetime.date) -> int:
    return calendar.timegm(day.timetuple())
