import datetime
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from investments.models import Holding, InvestmentTransaction, Price
from investments.tests.factories import AccountFactory, HoldingFactory, PriceFactory, SecurityFactory

pytestmark = pytest.mark.django_db(databases=["default", "investments"])

FILES = Path(__file__).parent / "files"


@pytest.fixture
def held():
    today = timezone.localdate()
    account = AccountFactory(name="Brokerage")
    fresh = HoldingFactory(account_id=account.pk, security__ticker="AAPL", quantity=Decimal("10"),
                           cost_basis=Decimal("1500.00"))
    old = HoldingFactory(account_id=account.pk, security__ticker="OLDCO", quantity=Decimal("100"),
                         cost_basis=None)
    PriceFactory(security=fresh.security, date=today - datetime.timedelta(days=1), close=Decimal("180"))
    PriceFactory(security=fresh.security, date=today, close=Decimal("185.50"))
    PriceFactory(security=old.security, date=today - datetime.timedelta(days=30), close=Decimal("4.25"))
    return {"account": account, "fresh": fresh, "old": old}


def test_portfolio_page_shows_figures_and_stale_holdings(owner_client, held):
    response = owner_client.get(reverse("portfolio"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="portfolio-value">$2,280.00<' in html  # 10 x 185.50 + 100 x 4.25
    assert 'id="portfolio-day-change">$55.00<' in html
    assert 'id="portfolio-gain">$355.00<' in html
    assert "Stale prices: <strong>OLDCO</strong>" in html
    assert '<tr data-ticker="OLDCO" class="stale">' in html and '<tr data-ticker="AAPL">' in html
    assert '"data": ["2280.00"]' in html  # chart data are strings
    assert "<script>" not in html  # data reach the charts through json_script only


def test_portfolio_page_escapes_names(owner_client, held):
    held["fresh"].security.name = '<img src=x onerror="alert(1)"> & Co'
    held["fresh"].security.save()
    html = owner_client.get(reverse("portfolio")).content.decode()
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; Co" in html and "<img src=x" not in html


def test_portfolio_page_fragment_for_htmx(htmx_client, held):
    response = htmx_client.get(reverse("portfolio"))
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="holdings"') and "<h1>" not in html


def test_portfolio_page_refuses_logged_out(client):
    response = client.get(reverse("portfolio"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_portfolio_page_empty_says_what_to_do(owner_client):
    html = owner_client.get(reverse("portfolio")).content.decode()
    assert "No holdings yet" in html and "Investment" in html


def test_holding_detail_shows_the_price_history(owner_client, held):
    html = owner_client.get(reverse("holding_detail", args=[held["fresh"].pk])).content.decode()
    assert 'data-line-chart="price-history"' in html
    assert '"data": ["180", "185.5"]' in html
    stale = owner_client.get(reverse("holding_detail", args=[held["old"].pk])).content.decode()
    assert 'id="holding-stale"' in stale


def test_entry_records_a_holding_with_its_price(owner_client):
    account = AccountFactory()
    response = owner_client.post(reverse("investments_entry"), {
        "form": "holding", "holding-account": account.pk, "holding-ticker": " vti ", "holding-name": "",
        "holding-security_type": "etf", "holding-quantity": "3.5", "holding-cost_basis": "700",
        "holding-as_of": "2026-11-20", "holding-price": "252.30"})
    assert response.status_code == 302
    holding = Holding.objects.get(account_id=account.pk)
    assert (holding.security.ticker, holding.quantity, holding.cost_basis) == ("VTI", Decimal("3.5"),
                                                                               Decimal("700.00"))
    assert Price.objects.get(security=holding.security).source == "manual"


def test_entry_buy_and_sell_move_a_manual_holding(owner_client):
    account = AccountFactory()
    base = {"form": "transaction", "txn-account": account.pk, "txn-ticker": "AAPL", "txn-name": "Apple",
            "txn-security_type": "equity", "txn-date": "2026-11-20", "txn-fees": "0", "txn-description": ""}
    owner_client.post(reverse("investments_entry"), {**base, "txn-kind": "buy", "txn-quantity": "10",
                                                     "txn-price": "150", "txn-amount": "1500"})
    owner_client.post(reverse("investments_entry"), {**base, "txn-kind": "sell", "txn-quantity": "4",
                                                     "txn-price": "200", "txn-amount": "-800"})
    holding = Holding.objects.get(account_id=account.pk)
    assert (holding.quantity, holding.cost_basis) == (Decimal("6"), Decimal("900.00"))
    assert InvestmentTransaction.objects.count() == 2
    response = owner_client.post(reverse("investments_entry"), {
        **base, "txn-kind": "sell", "txn-quantity": "7", "txn-price": "200", "txn-amount": "-1400"})
    assert response.status_code == 400 and "the account holds 6" in response.content.decode()
    assert InvestmentTransaction.objects.count() == 2


def test_entry_imports_an_ofx_statement_or_says_what_is_wrong(owner_client):
    account = AccountFactory(mask="4321")
    with open(FILES / "bad_units.ofx", "rb") as bad:
        response = owner_client.post(reverse("investments_entry"), {"form": "ofx", "ofx-file": bad})
    assert response.status_code == 400 and "bad_units.ofx:37: UNITS" in response.content.decode()
    assert not Holding.objects.exists()
    with open(FILES / "brokerage.ofx", "rb") as good:
        response = owner_client.post(reverse("investments_entry"), {"form": "ofx", "ofx-file": good},
                                     follow=True)
    assert "3 holdings as of 2026-11-20; 4 transactions added" in response.content.decode()
    assert Holding.objects.filter(account_id=account.pk).count() == 3


@pytest.mark.django_db(databases=["default", "investments"], transaction=True)
def test_prices_fetch_starts_in_the_background(owner_client, fake_prices):
    held = HoldingFactory(security=SecurityFactory(ticker="AAPL"))
    fake_prices.daily("AAPL", timezone.localdate() - datetime.timedelta(days=10), ["100"] * 5,
                      weekdays_only=False)
    response = owner_client.post(reverse("prices_fetch"))
    assert response.status_code == 302
    for thread in threading.enumerate():
        if thread.name == "fetch-prices":
            thread.join(timeout=20)
    assert Price.objects.filter(security=held.security, source="yahoo").count() == 5
