import datetime
from decimal import Decimal

import pytest

from investments.models import Price
from investments.prices import PriceError, providers
from investments.prices.fetch import fetch_prices
from investments.prices.stooq import StooqProvider
from investments.prices.yahoo import YahooProvider
from investments.tests.factories import HoldingFactory, PriceFactory, SecurityFactory

pytestmark = pytest.mark.django_db(databases=["default", "investments"])

MONDAY = datetime.date(2026, 11, 2)
PROVIDERS = [YahooProvider, StooqProvider]


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)
def test_provider_history_reads_daily_closes(fake_prices, provider):
    days = fake_prices.daily("AAPL", MONDAY, ["189.50", "190.25", "188.125", "191", "192.75"])
    quotes = provider().history("AAPL", MONDAY, MONDAY + datetime.timedelta(days=6))
    closes = [Decimal("189.50"), Decimal("190.25"), Decimal("188.125"), Decimal("191"), Decimal("192.75")]
    assert [(q.date, q.close) for q in quotes] == list(zip(days, closes, strict=True))


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)
def test_provider_history_skips_missing_days(fake_prices, provider):
    days = fake_prices.daily("VTI", MONDAY, ["250.00", None, "251.00", "252.00"])
    del fake_prices.series["VTI"][days[3]]  # absent altogether, not just null
    quotes = provider().history("VTI", MONDAY, MONDAY + datetime.timedelta(days=6))
    assert [(q.date, q.close) for q in quotes] == [(days[0], Decimal("250.00")), (days[2], Decimal("251.00"))]


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)
def test_provider_history_retries_a_429_then_succeeds(fake_prices, provider):
    fake_prices.daily("AAPL", MONDAY, ["189.50"])
    fake_prices.fail(provider.name, status=429, times=2)
    quotes = provider().history("AAPL", MONDAY, MONDAY)
    assert [q.close for q in quotes] == [Decimal("189.50")]
    assert fake_prices.calls(provider.name) == 3


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)
def test_provider_history_gives_up_after_repeated_429(fake_prices, provider):
    fake_prices.daily("AAPL", MONDAY, ["189.50"])
    fake_prices.fail(provider.name, status=429, times=5)
    with pytest.raises(PriceError, match=r"AAPL: still rate limited \(HTTP 429\) after 3 tries"):
        provider().history("AAPL", MONDAY, MONDAY)


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)
def test_provider_history_garbage_is_a_clear_error(fake_prices, provider):
    fake_prices.daily("AAPL", MONDAY, ["189.50"])
    fake_prices.garbage(provider.name)
    with pytest.raises(PriceError) as caught:
        provider().history("AAPL", MONDAY, MONDAY)
    assert str(caught.value).startswith(f"{provider.label} has no prices for AAPL: the answer is not")
    assert "<html>" in str(caught.value)


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)
def test_provider_history_unknown_ticker_says_so(fake_prices, provider):
    with pytest.raises(PriceError, match="NOPE"):
        provider().history("NOPE", MONDAY, MONDAY)


def test_yahoo_bad_close_in_valid_json_is_refused(fake_prices):
    fake_prices.garbage("yahoo", body='{"chart": {"error": null, "result": [{"meta": {}, "timestamp": '
                                       '[1762090200], "indicators": {"quote": [{"close": [-3]}]}}]}}')
    with pytest.raises(PriceError, match="not in the expected shape"):
        YahooProvider().history("AAPL", MONDAY, MONDAY)


def test_stooq_bad_row_names_its_line(fake_prices):
    fake_prices.garbage("stooq", body="Date,Open,High,Low,Close,Volume\n"
                                       "2026-11-02,1,1,1,1,5\n2026-11-03,1,1,1,n/a,5\n")
    with pytest.raises(PriceError, match="line 3 of the CSV"):
        StooqProvider().history("AAPL", MONDAY, MONDAY + datetime.timedelta(days=1))


def test_provider_unreachable_is_a_clear_error(settings):
    settings.INVESTMENTS_YAHOO_BASE_URL = "http://127.0.0.1:9"
    with pytest.raises(PriceError, match="could not reach 127.0.0.1:9"):
        YahooProvider().history("AAPL", MONDAY, MONDAY)


def test_providers_unknown_name_is_refused(settings):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="unknown providers alphavantage"):
        providers(["yahoo", "alphavantage"])


def test_fetch_prices_backfills_a_new_security(fake_prices, settings):
    settings.INVESTMENTS_BACKFILL_DAYS = 30
    today = datetime.date(2026, 11, 20)
    holding = HoldingFactory(security__ticker="AAPL")
    fake_prices.daily("AAPL", datetime.date(2026, 10, 1), ["100"] * 40)
    result = fetch_prices(today=today)
    first = fake_prices.requests[0][2]
    asked_from = datetime.datetime.fromtimestamp(int(first["period1"]), datetime.UTC).date()
    assert asked_from == datetime.date(2026, 10, 21)
    stored = Price.objects.filter(security=holding.security, source="yahoo")
    assert result.saved == {"AAPL": stored.count()} and stored.count() == 23  # weekdays Oct 21 to Nov 20
    assert min(stored.values_list("date", flat=True)) == datetime.date(2026, 10, 21)


def test_fetch_prices_falls_back_to_the_next_provider(fake_prices):
    today = datetime.date(2026, 11, 6)
    HoldingFactory(security__ticker="VTI")
    fake_prices.daily("VTI", MONDAY, ["250", "251", "252", "253", "254"])
    fake_prices.fail("yahoo", status=503)
    result = fetch_prices(today=today, days=7)
    assert result.sources == {"VTI": "stooq"} and result.saved == {"VTI": 5}
    assert set(Price.objects.values_list("source", flat=True)) == {"stooq"}


def test_fetch_prices_reports_every_failure_and_keeps_old_prices(fake_prices):
    holding = HoldingFactory(security__ticker="GONE")
    PriceFactory(security=holding.security, date=MONDAY, close=Decimal("12.5"))
    result = fetch_prices(today=MONDAY + datetime.timedelta(days=3))
    assert result.saved == {}
    assert "Yahoo Finance has no prices for GONE" in result.failed["GONE"]
    assert "Stooq has no prices for GONE" in result.failed["GONE"]
    assert list(Price.objects.values_list("close", flat=True)) == [Decimal("12.5")]


def test_fetch_prices_again_updates_and_adds_without_duplicates(fake_prices):
    holding = HoldingFactory(security__ticker="AAPL")
    fake_prices.daily("AAPL", MONDAY, ["100", "101"])
    fetch_prices(today=MONDAY + datetime.timedelta(days=1), days=3)
    fake_prices.daily("AAPL", MONDAY, ["100", "101.5", "102"])  # a revised close and a new day
    fetch_prices(today=MONDAY + datetime.timedelta(days=2))
    assert list(Price.objects.filter(security=holding.security).values_list("close", flat=True)) == [
        Decimal("100"), Decimal("101.5"), Decimal("102")]


def test_fetch_prices_skips_cash_and_tickerless_securities(fake_prices):
    HoldingFactory(security=SecurityFactory(ticker="", name="Core position"))
    HoldingFactory(security=SecurityFactory(ticker="SPAXX", security_type="cash"))
    assert str(fetch_prices(today=MONDAY)) == "No held security has a ticker to fetch prices for."
    assert fake_prices.requests == []


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)
def test_fetch_prices_stale_state_follows_what_the_provider_serves(fake_prices, settings, provider):
    """A provider that stops at an old day leaves the holding stale; fresh closes clear it."""
    from investments.portfolio import build_portfolio

    settings.INVESTMENTS_PRICE_PROVIDERS = [provider.name]
    settings.INVESTMENTS_STALE_MARKET_DAYS = 3
    friday = datetime.date(2026, 11, 20)
    HoldingFactory(security__ticker="AAPL")
    fake_prices.daily("AAPL", datetime.date(2026, 11, 2), ["100", "101", "102", "103", "104"])  # to Nov 6
    fetch_prices(today=friday, days=30)
    position = build_portfolio(today=friday).positions[0]
    assert (position.price, position.price_source, position.stale) == (Decimal("104"), provider.name, True)
    fake_prices.daily("AAPL", datetime.date(2026, 11, 18), ["110", "111", "112"])  # to Nov 20
    fetch_prices(today=friday)
    position = build_portfolio(today=friday).positions[0]
    assert (position.price, position.previous, position.stale) == (Decimal("112"), Decimal("111"), False)
