"""Holdings and investment activity from the fake Plaid server, in the same sync run as transactions."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts import sync
from accounts.models import Account, SyncStatus
from accounts.tests.factories import link_fake_item
from investments.models import Holding, InvestmentTransaction, Price, Security, SecurityType
from investments.portfolio import build_portfolio

pytestmark = pytest.mark.django_db(databases=["default", "investments"])


def _brokerage_item(fake):
    item = fake.add_item(accounts=1)
    item.add(amount=4.5, date="2026-11-02", name="COFFEE")
    brokerage = item.add_investment_account()
    item.add_security("sec-aapl", ticker="AAPL", name="Apple Inc.", close_price=185.5,
                      close_price_as_of="2026-11-20", cusip="037833100")
    item.add_security("sec-vti", ticker="VTI", name="Vanguard Total Stock Market ETF", type="etf")
    item.add_security("sec-cash", ticker="CUR:USD", name="U S Dollar", type="cash")
    item.hold(account=brokerage, security_id="sec-aapl", quantity=10, price=185.5, cost_basis=1500.0,
              as_of="2026-11-20")
    item.hold(account=brokerage, security_id="sec-vti", quantity=3.5, price=252.3, cost_basis=700.0,
              as_of="2026-11-20")
    item.hold(account=brokerage, security_id="sec-cash", quantity=1200.5, price=1.0, cost_basis=1200.5)
    today = timezone.localdate().isoformat()
    item.add_investment_transaction(account=brokerage, security_id="sec-aapl", date=today, type="buy",
                                    subtype="buy", quantity=10, amount=1804.95, price=180.0, fees=4.95,
                                    name="BUY Apple Inc.")
    item.add_investment_transaction(account=brokerage, security_id="sec-vti", date=today, type="cash",
                                    subtype="dividend", quantity=0, amount=-12.34, price=0, name="DIVIDEND")
    return item, brokerage


def test_sync_item_fetches_holdings_and_activity_with_transactions(fake_plaid):
    item, brokerage = _brokerage_item(fake_plaid)
    linked = link_fake_item(fake_plaid, item)
    assert linked.sync.status == SyncStatus.SUCCESS and linked.sync.added == 1
    assert "3 holdings, 2 investment transactions added" in str(linked.sync)
    account = Account.objects.get(plaid_account_id=item.account(brokerage))
    assert account.account_type == "investment"
    held = {h.security.ticker: h for h in Holding.objects.filter(account_id=account.pk)}
    assert {t: (h.quantity, h.cost_basis) for t, h in held.items()} == {
        "AAPL": (Decimal("10"), Decimal("1500.00")), "VTI": (Decimal("3.5"), Decimal("700.00")),
        "CUR:USD": (Decimal("1200.5"), Decimal("1200.50"))}
    aapl = Security.objects.get(ticker="AAPL")
    assert (aapl.plaid_security_id, aapl.cusip) == ("sec-aapl", "037833100")
    assert Security.objects.get(ticker="VTI").security_type == SecurityType.ETF
    assert Price.objects.get(security=aapl, source="plaid").close == Decimal("185.5")
    kinds = sorted(InvestmentTransaction.objects.values_list("kind", "amount"))
    assert kinds == [("buy", Decimal("1804.95")), ("dividend", Decimal("-12.34"))]
    portfolio = build_portfolio(today=datetime.date(2026, 11, 20))
    assert portfolio.value == Decimal("3938.55")  # 1855.00 + 883.05 + 1200.50
    assert portfolio.gain == Decimal("538.05")    # 355.00 + 183.05 + 0.00


def test_sync_item_again_replaces_the_snapshot_and_adds_no_activity_twice(fake_plaid):
    item, brokerage = _brokerage_item(fake_plaid)
    link_fake_item(fake_plaid, item)
    item.holdings = [h for h in item.holdings if h["security_id"] != "sec-vti"]  # VTI sold
    item.hold(account=brokerage, security_id="sec-aapl", quantity=12, price=190.0, cost_basis=1880.0)
    again = sync.sync_item(item.item_id)
    assert "2 holdings, 0 investment transactions added" in str(again)
    assert sorted(Holding.objects.values_list("security__ticker", "quantity")) == [
        ("AAPL", Decimal("12")), ("CUR:USD", Decimal("1200.5"))]
    assert InvestmentTransaction.objects.count() == 2


def test_sync_item_pages_investment_activity(fake_plaid):
    from accounts.plaid_gateway import INVESTMENT_PAGE_SIZE

    item, brokerage = _brokerage_item(fake_plaid)
    for n in range(INVESTMENT_PAGE_SIZE + 1):
        item.add_investment_transaction(account=brokerage, security_id=None, date="2026-10-01", type="fee",
                                        subtype="account fee", quantity=0, amount=1.0, price=0,
                                        name=f"FEE {n}")
    result = link_fake_item(fake_plaid, item).sync
    assert f"{INVESTMENT_PAGE_SIZE + 3} investment transactions added" in str(result)
    assert fake_plaid.calls("/investments/transactions/get") == 2
    assert InvestmentTransaction.objects.filter(kind="fee").count() == INVESTMENT_PAGE_SIZE + 1


def test_sync_item_holdings_failure_is_clear_and_keeps_the_old_snapshot(fake_plaid):
    item, brokerage = _brokerage_item(fake_plaid)
    link_fake_item(fake_plaid, item)
    before = sorted(Holding.objects.values_list("security__ticker", "quantity"))
    item.hold(account=brokerage, security_id="sec-aapl", quantity=99, price=190.0, cost_basis=1.0)
    item.add(amount=7.25, date="2026-11-03", name="LUNCH")
    fake_plaid.fail("/investments/transactions/get", status=400, error_type="INVALID_REQUEST",
                    error_code="INVALID_FIELD", message="bad date range")
    result = sync.sync_item(item.item_id)
    assert result.status == SyncStatus.SUCCESS and result.added == 1  # the bank transactions still count
    assert "Investments were not updated" in result.message and "INVALID_FIELD" in result.message
    assert sorted(Holding.objects.values_list("security__ticker", "quantity")) == before
    account = Account.objects.get(plaid_account_id=item.account(brokerage))
    assert "Investments were not updated" in account.last_sync_error


def test_sync_item_unreadable_holdings_change_nothing(fake_plaid):
    item, brokerage = _brokerage_item(fake_plaid)
    link_fake_item(fake_plaid, item)
    item.holdings[0]["quantity"] = "lots"
    result = sync.sync_item(item.item_id)
    assert "cannot read" in result.message
    assert Holding.objects.get(security__ticker="AAPL").quantity == Decimal("10")


def test_sync_item_without_the_investments_product_never_asks(fake_plaid):
    item = fake_plaid.add_item()
    item.add(amount=4.5, date="2026-11-02", name="COFFEE")
    link_fake_item(fake_plaid, item)
    assert fake_plaid.calls("/investments/holdings/get") == 0
    assert not Holding.objects.exists()


def test_link_token_for_a_new_bank_offers_investments_as_optional(fake_plaid):
    from accounts import plaid_gateway

    plaid_gateway.create_link_token(user_id="1")
    _, body = fake_plaid.requests[-1]
    assert body["products"] == ["transactions"] and body["optional_products"] == ["investments"]
