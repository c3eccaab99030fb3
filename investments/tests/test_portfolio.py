"""Figures on a small fixture portfolio, checked against numbers worked out by hand."""

import datetime
from decimal import Decimal

import pytest

from investments.consistency import orphaned_account_ids, remove_orphans
from investments.models import Holding, InvestmentTransaction, SecurityType
from investments.portfolio import build_portfolio, market_days_between, price_history, value_on
from investments.tests.factories import AccountFactory, HoldingFactory, PriceFactory, SecurityFactory

pytestmark = pytest.mark.django_db(databases=["default", "investments"])

FRIDAY = datetime.date(2026, 11, 20)
THURSDAY = datetime.date(2026, 11, 19)


@pytest.fixture
def fixture_portfolio():
    brokerage, ira = AccountFactory(name="Brokerage"), AccountFactory(name="IRA")
    aapl = SecurityFactory(ticker="AAPL", security_type=SecurityType.EQUITY)
    vti = SecurityFactory(ticker="VTI", security_type=SecurityType.ETF)
    cash = SecurityFactory(ticker="SPAXX", security_type=SecurityType.CASH)
    oldco = SecurityFactory(ticker="OLDCO", security_type=SecurityType.EQUITY)
    unpriced = SecurityFactory(ticker="NOPRICE", security_type=SecurityType.EQUITY)
    for account, security, quantity, cost in [
            (brokerage, aapl, "10", "1500.00"), (ira, vti, "3.5", "700.00"),
            (brokerage, cash, "1200.50", None), (ira, oldco, "100", "500.00"),
            (brokerage, unpriced, "5", "100")]:
        HoldingFactory(account_id=account.pk, security=security, quantity=Decimal(quantity),
                       cost_basis=None if cost is None else Decimal(cost))
    for security, day, close in [(aapl, THURSDAY, "180.00"), (aapl, FRIDAY, "185.50"),
                                 (vti, THURSDAY, "250.10"), (vti, FRIDAY, "252.30"),
                                 (oldco, datetime.date(2026, 11, 10), "4.25")]:
        PriceFactory(security=security, date=day, close=Decimal(close))
    return {"brokerage": brokerage, "ira": ira, "aapl": aapl, "oldco": oldco}


def test_build_portfolio_totals_match_hand_computed(fixture_portfolio):
    portfolio = build_portfolio(today=FRIDAY)
    # 10 x 185.50 + 3.5 x 252.30 + 1200.50 cash + 100 x 4.25; NOPRICE has no price.
    assert portfolio.value == Decimal("4363.55")
    # 10 x 5.50 + 3.5 x 2.20; OLDCO has no close before its last one.
    assert portfolio.day_change == Decimal("62.70")
    assert portfolio.day_change_percent == Decimal("1.5")  # 62.70 / 4300.85
    # Cost known and priced: 1500 + 700 + 500; gain 355.00 + 183.05 - 75.00.
    assert portfolio.cost_basis == Decimal("2700.00")
    assert portfolio.gain == Decimal("463.05")
    assert portfolio.gain_percent == Decimal("17.2")


def test_build_portfolio_positions_match_hand_computed(fixture_portfolio):
    positions = {p.security.ticker: p for p in build_portfolio(today=FRIDAY).positions}
    assert list(positions) == ["AAPL", "SPAXX", "VTI", "OLDCO", "NOPRICE"]  # by value
    aapl = positions["AAPL"]
    assert (aapl.value, aapl.day_change, aapl.gain, aapl.gain_percent) == (
        Decimal("1855.00"), Decimal("55.00"), Decimal("355.00"), Decimal("23.7"))
    assert positions["VTI"].value == Decimal("883.05") and positions["VTI"].gain == Decimal("183.05")
    assert positions["SPAXX"].gain is None and not positions["SPAXX"].stale
    assert positions["OLDCO"].stale and positions["OLDCO"].market_days_old == 8
    assert not aapl.stale and not positions["VTI"].stale
    assert not positions["NOPRICE"].priced and positions["NOPRICE"].gain is None


def test_build_portfolio_allocation_matches_hand_computed(fixture_portfolio):
    portfolio = build_portfolio(today=FRIDAY)
    assert [(s.label, s.value, s.weight) for s in portfolio.by_type] == [
        ("Stock", Decimal("2280.00"), Decimal("52.3")), ("Cash", Decimal("1200.50"), Decimal("27.5")),
        ("ETF", Decimal("883.05"), Decimal("20.2"))]
    assert [(s.label, s.weight) for s in portfolio.by_holding] == [
        ("AAPL", Decimal("42.5")), ("SPAXX", Decimal("27.5")), ("VTI", Decimal("20.2")),
        ("OLDCO", Decimal("9.7"))]
    assert portfolio.type_chart["datasets"][0]["data"] == ["2280.00", "1200.50", "883.05"]
    assert portfolio.type_chart["type"] == "doughnut"


def test_build_portfolio_stale_threshold_follows_the_setting(fixture_portfolio, settings):
    settings.INVESTMENTS_STALE_MARKET_DAYS = 8
    assert build_portfolio(today=FRIDAY).stale == []
    settings.INVESTMENTS_STALE_MARKET_DAYS = 7
    assert [p.security.ticker for p in build_portfolio(today=FRIDAY).stale] == ["OLDCO"]


def test_build_portfolio_uses_the_newest_close_of_any_source(fixture_portfolio):
    PriceFactory(security=fixture_portfolio["oldco"], date=FRIDAY, close=Decimal("4.50"), source="stooq")
    oldco = next(p for p in build_portfolio(today=FRIDAY).positions if p.security.ticker == "OLDCO")
    assert (oldco.value, oldco.day_change, oldco.stale, oldco.price_source) == (
        Decimal("450.00"), Decimal("25.00"), False, "stooq")


def test_build_portfolio_more_than_ten_holdings_groups_the_rest_as_other():
    account = AccountFactory()
    for n in range(12):
        holding = HoldingFactory(account_id=account.pk, quantity=Decimal(n + 1))
        PriceFactory(security=holding.security, date=FRIDAY, close=Decimal("10"))
    slices = build_portfolio(today=FRIDAY).by_holding
    assert len(slices) == 11 and slices[-1].label == "Other" and slices[-1].value == Decimal("30.00")


def test_market_days_between_counts_weekdays_only():
    assert market_days_between(FRIDAY, FRIDAY) == 0
    assert market_days_between(FRIDAY, datetime.date(2026, 11, 23)) == 1  # over a weekend
    assert market_days_between(datetime.date(2026, 11, 10), FRIDAY) == 8


def test_value_on_uses_each_days_latest_close(fixture_portfolio):
    values = value_on([THURSDAY, FRIDAY, datetime.date(2026, 11, 22)])
    # Thursday: 1800.00 + 875.35 + 1200.50 + 425.00; Sunday uses Friday's closes.
    assert values[THURSDAY] == Decimal("4300.85")
    assert values[FRIDAY] == values[datetime.date(2026, 11, 22)] == Decimal("4363.55")


def test_price_history_is_strings_by_day(fixture_portfolio):
    chart = price_history(fixture_portfolio["aapl"])
    assert chart["labels"] == ["2026-11-19", "2026-11-20"]
    assert chart["datasets"][0]["data"] == ["180", "185.5"]


def test_account_delete_removes_its_investment_rows(fixture_portfolio, django_capture_on_commit_callbacks):
    brokerage = fixture_portfolio["brokerage"]
    InvestmentTransaction.objects.create(account_id=brokerage.pk, date=FRIDAY, kind="buy",
                                         amount=Decimal("1"))
    with django_capture_on_commit_callbacks(execute=True):
        brokerage.delete()
    assert not Holding.objects.filter(account_id=brokerage.pk).exists()
    assert not InvestmentTransaction.objects.filter(account_id=brokerage.pk).exists()
    assert Holding.objects.filter(account_id=fixture_portfolio["ira"].pk).count() == 2


def test_orphans_are_found_hidden_and_removed(fixture_portfolio):
    from django.core import checks
    from django.core.management import call_command

    from accounts.models import Account
    from investments.consistency import check_orphans

    ira = fixture_portfolio["ira"]
    Account.objects.filter(pk=ira.pk)._raw_delete("default")  # what the signal cannot see
    assert orphaned_account_ids() == {ira.pk}
    shown = {p.account.pk for p in build_portfolio(today=FRIDAY).positions}
    assert shown == {fixture_portfolio["brokerage"].pk}
    warnings = check_orphans(databases=["investments"])
    assert [w.id for w in warnings] == ["investments.W001"] and str(ira.pk) in warnings[0].msg
    assert isinstance(warnings[0], checks.Warning)
    assert remove_orphans() == 2 and orphaned_account_ids() == set()
    call_command("check", databases=["investments"])  # no warning left
