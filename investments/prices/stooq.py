"""Stooq's CSV download: `GET /q/d/l/?s={symbol}&d1=YYYYMMDD&d2=YYYYMMDD&i=d`.

Free and keyless, a different company and network from Yahoo, so a good
fallback. US listings carry a ".us" suffix there (`aapl.us`); a ticker that
already has a suffix is sent as it is. An unknown symbol answers "No data".
"""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal, InvalidOperation

from django.conf import settings

from investments.prices.base import PriceProvider, Quote

HEADER = ["Date", "Open", "High", "Low", "Close"]


def stooq_symbol(ticker: str) -> str:
    symbol = ticker.strip().lower()
    return symbol if "." in symbol else f"{symbol}.us"


class StooqProvider(PriceProvider):
    name = "stooq"
    label = "Stooq"

    def history(self, ticker: str, start: datetime.date, end: datetime.date) -> list[Quote]:
        url = f"{settings.INVESTMENTS_STOOQ_BASE_URL.rstrip('/')}/q/d/l/"
        params = {"s": stooq_symbol(ticker), "d1": start.strftime("%Y%m%d"), "d2": end.strftime("%Y%m%d"),
                  "i": "d"}
        body = self.get(ticker, url, params)
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise self.error(ticker, "the answer is not text") from None
        if text.strip().lower() in ("no data", ""):
            raise self.error(ticker, "the provider says 'No data' (unknown symbol?)")
        rows = list(csv.reader(io.StringIO(text)))
        if not rows or rows[0][: len(HEADER)] != HEADER:
            raise self.error(ticker, f"the answer is not Stooq's CSV (starts {text[:40]!r})")
        quotes = {}
        for number, row in enumerate(rows[1:], start=2):
            if not row:
                continue
            try:
                day = datetime.date.fromisoformat(row[0])
                close = Decimal(row[4])
                if not close.is_finite() or close <= 0:
                    raise ValueError(row[4])
            except (IndexError, ValueError, InvalidOperation):
                reason = f"line {number} of the CSV is not a date and a close: {row!r}"
                raise self.error(ticker, reason) from None
            if start <= day <= end:
                quotes[day] = close
        return [Quote(day, close) for day, close in sorted(quotes.items())]
