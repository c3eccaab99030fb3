"""A fake price server on 127.0.0.1 speaking both providers' formats.

`/v8/finance/chart/{TICKER}` answers like Yahoo Finance's chart endpoint
(JSON; timestamps at 13:30 UTC, the New York open; null closes where a
series has a gap marked `None`), `/q/d/l/?s=...` like Stooq's CSV download.
Series are set per ticker (`fake.series["AAPL"] = {date: "189.50", ...}`)
and served for the requested range; weekends are simply absent unless put
in. Failures are scripted per provider: `fail("yahoo", status=429, times=1)`
answers 429 (with Retry-After: 0) before answering normally again;
`garbage("stooq")` answers a body that is not the provider's format.

Tests use the `fake_prices` fixture (tests.fakes.fixtures); benches use it
directly (`with FakePrices() as fake:`).
"""

from __future__ import annotations

import calendar
import datetime
import json
import threading
import urllib.parse
from dataclasses import dataclass
from decimal import Decimal
from http.server import BaseHTTPRequestHandler

from tests.fakes.loopback import LoopbackServer

NEW_YORK_OFFSET = -5 * 3600


@dataclass
class _Rule:
    provider: str
    times: int
    status: int
    body: bytes


class FakePrices(LoopbackServer):
    @property
    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _Handler

    def __init__(self) -> None:
        self.series: dict[str, dict[datetime.date, str | None]] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()

    # -- scripting ----------------------------------------------------------------
    def daily(self, ticker: str, start: datetime.date, closes: list[str | None], *,
              weekdays_only: bool = True) -> list[datetime.date]:
        """Give `ticker` one close per (week)day from `start`; returns the dates used."""
        days, day = [], start
        while len(days) < len(closes):
            if not weekdays_only or day.weekday() < 5:
                days.append(day)
            day += datetime.timedelta(days=1)
        self.series.setdefault(ticker, {}).update(zip(days, closes, strict=True))
        return days

    def fail(self, provider: str, *, status: int, times: int = 1, body: str = "") -> None:
        with self._lock:
            self._rules.append(_Rule(provider, times, status, body.encode()))

    def garbage(self, provider: str, *, body: str = "<html><body>Service moved</body></html>") -> None:
        self.fail(provider, status=200, body=body)

    def calls(self, provider: str) -> int:
        return sum(1 for p, _, _ in self.requests if p == provider)

    # -- answering ----------------------------------------------------------------
    def _scripted(self, provider: str) -> _Rule | None:
        with self._lock:
            for rule in self._rules:
                if rule.provider == provider:
                    rule.times -= 1
                    if rule.times <= 0:
                        self._rules.remove(rule)
                    return rule
        return None

    def handle(self, path: str, query: dict[str, str]) -> tuple[int, str, bytes]:
        if path.startswith("/v8/finance/chart/"):
            provider, ticker = "yahoo", urllib.parse.unquote(path.rsplit("/", 1)[1])
        elif path.rstrip("/") == "/q/d/l":
            provider, ticker = "stooq", query.get("s", "").removesuffix(".us").upper()
        else:
            return 404, "text/plain", b"not found"
        with self._lock:
            self.requests.append((provider, ticker, query))
        rule = self._scripted(provider)
        if rule:
            return rule.status, "text/html", rule.body
        return self._yahoo(ticker, query) if provider == "yahoo" else self._stooq(ticker, query)

    def _range(self, ticker: str, first: datetime.date, last: datetime.date):
        return sorted((d, c) for d, c in self.series.get(ticker, {}).items() if first <= d <= last)

    def _yahoo(self, ticker: str, query: dict[str, str]) -> tuple[int, str, bytes]:
        if ticker not in self.series:
            error = {"code": "Not Found", "description": "No data found, symbol may be delisted"}
            body = {"chart": {"result": None, "error": error}}
            return 404, "application/json", json.dumps(body).encode()
        first = datetime.datetime.fromtimestamp(int(query["period1"]), datetime.UTC).date()
        last = datetime.datetime.fromtimestamp(int(query["period2"]) - 1, datetime.UTC).date()
        rows = self._range(ticker, first, last)
        stamps = [calendar.timegm(d.timetuple()) + 13 * 3600 + 1800 for d, _ in rows]
        closes = [None if c is None else float(Decimal(c)) for _, c in rows]
        body = {"chart": {"error": None, "result": [{
            "meta": {"currency": "USD", "symbol": ticker, "gmtoffset": NEW_YORK_OFFSET,
                     "exchangeTimezoneName": "America/New_York"},
            "timestamp": stamps,
            "indicators": {"quote": [{"close": closes, "open": closes}], "adjclose": [{"adjclose": closes}]},
        }]}}
        return 200, "application/json", json.dumps(body).encode()

    def _stooq(self, ticker: str, query: dict[str, str]) -> tuple[int, str, bytes]:
        if ticker not in self.series:
            return 200, "text/plain", b"No data"
        first = datetime.datetime.strptime(query["d1"], "%Y%m%d").date()
        last = datetime.datetime.strptime(query["d2"], "%Y%m%d").date()
        lines = ["Date,Open,High,Low,Close,Volume"]
        lines += [f"{d.isoformat()},{c},{c},{c},{c},1000" for d, c in self._range(ticker, first, last)
                  if c is not None]
        if len(lines) == 1:
            return 200, "text/plain", b"No data"
        return 200, "text/csv", ("\r\n".join(lines) + "\r\n").encode()


class _Handler(BaseHTTPRequestHandler):
    fake: FakePrices
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        split = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(split.query))
        status, content_type, data = self.fake.handle(split.path, query)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        if status == 429:
            self.send_header("Retry-After", "0")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass
