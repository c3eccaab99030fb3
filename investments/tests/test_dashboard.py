"""Net worth on the dashboard: cash accounts + investments - what is owed, with its history line."""

import datetime
from decimal import Decimal

import pytest

from accounts.models import AccountType
from budgetsite.dashboard import net_worth, net_worth_history
from investments.tests.factories import AccountFactory, HoldingFactory, PriceFactory
from transactions.models import Transaction

pytestmark = pytest.mark.django_db(databases=["default", "investments"])

TODAY = datetime.date(2026, 11, 20)


@pytest.fixture
def household():
    checking = AccountFactory(name="Checking", account_type=AccountType.CHECKING,
                              balance_current=Decimal("2500"))
    card = AccountFactory(name="Card", account_type=AccountType.CREDIT_CARD,
                          balance_current=Decimal("750.25"))
    brokerage = AccountFactory(name="Brokerage", balance_current=Decimal("1"))  # holdings win over balance
    AccountFactory(name="Old 401k", balance_current=Decimal("10000.00"))  # no holdings: its balance counts
    holding = HoldingFactory(account_id=brokerage.pk, security__ticker="VTI", quantity=Decimal("3.5"))
    PriceFactory(security=holding.security, date=datetime.date(2026, 10, 30), close=Decimal("240.00"))
    PriceFactory(security=holding.security, date=TODAY, close=Decimal("252.30"))
    # Spent 100 (cash was higher before), paid 2000 (cash was lower), bought 50.25 on the card.
    for account, day, amount in [(checking, datetime.date(2026, 11, 5), "100.00"),
                                 (checking, datetime.date(2026, 11, 15), "-2000.00"),
                                 (card, datetime.date(2026, 11, 10), "50.25")]:
        Transaction.objects.create(account=account, date=day, amount=Decimal(amount), description="x",
                                   status="confirmed", source="csv_import")
    return checking


def test_net_worth_adds_investments(household):
    # 2500 cash + (3.5 x 252.30 = 883.05 holdings + 10000 balance) - 750.25 owed
    assert net_worth(TODAY) == {"cash": Decimal("2500"), "investments": Decimal("10883.05"),
                                "owed": Decimal("750.25"), "total": Decimal("12632.80")}


def test_net_worth_history_walks_back_month_ends(household):
    history = net_worth_history(net_worth(TODAY), TODAY)
    assert history["labels"][-2:] == ["2026-10-31", "2026-11-20"]
    assert len(history["labels"]) == 13 and history["labels"][0] == "2025-11-30"
    # Oct 31: cash 2500 + 100 - 2000 = 600; owed 750.25 - 50.25 = 700; VTI 3.5 x 240 = 840 (Oct 30 close).
    assert history["datasets"][0]["data"][-2:] == ["10740.00", "12632.80"]


def test_dashboard_page_shows_net_worth_and_loads_its_line(owner_client, household):
    html = owner_client.get("/").content.decode()
    assert 'id="net-worth">$12,632.80<' in html
    assert "investments $10,883.05" in html
    assert 'hx-get="/investments/net-worth" hx-trigger="load"' in html
    assert 'href="/investments/net-worth"' in html  # works without htmx too


def test_net_worth_line_page_and_fragment(owner_client, htmx_client, household):
    page = owner_client.get("/investments/net-worth").content.decode()
    assert "<h1>Net worth over the last year</h1>" in page and 'id="net-worth-history"' in page
    fragment = htmx_client.get("/investments/net-worth").content.decode()
    assert fragment.lstrip().startswith('<div class="chart-box small"><canvas data-line-chart=')
    assert "<h1>" not in fragment


def test_net_worth_line_refuses_logged_out(client):
    response = client.get("/investments/net-worth")
    assert response.status_code == 302 and "/login/" in response["Location"]
