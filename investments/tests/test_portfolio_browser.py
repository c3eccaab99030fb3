"""The portfolio in a real browser: figures, stale marks, drawn charts, a holding's history, manual entry."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import screenshot
from investments.models import Holding
from investments.tests.factories import AccountFactory, HoldingFactory, PriceFactory, SecurityFactory

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(databases=["default", "investments"], transaction=True)]
ALL_DRAWN = ("() => window.Chart && document.querySelectorAll('canvas[data-chart]').length === 2"
             " && [...document.querySelectorAll('canvas[data-chart]')].every(c => Chart.getChart(c))")
LINE_DRAWN = "() => window.Chart && Chart.getChart(document.querySelector('canvas[data-line-chart]'))"


@pytest.fixture
def portfolio_data():
    today = timezone.localdate()
    account = AccountFactory(name="Brokerage")
    aapl = HoldingFactory(account_id=account.pk, security=SecurityFactory(ticker="AAPL", name="Apple Inc."),
                          quantity=Decimal("10"), cost_basis=Decimal("1500.00"))
    vti = HoldingFactory(account_id=account.pk, security=SecurityFactory(ticker="VTI", security_type="etf"),
                         quantity=Decimal("3.5"), cost_basis=Decimal("700.00"))
    old = HoldingFactory(account_id=account.pk, security=SecurityFactory(ticker="OLDCO"),
                         quantity=Decimal("100"), cost_basis=Decimal("500.00"))
    for n in range(60, -1, -1):
        day = today - datetime.timedelta(days=n)
        PriceFactory(security=aapl.security, date=day, close=Decimal("180") + Decimal(60 - n) / 10)
    PriceFactory(security=vti.security, date=today, close=Decimal("252.30"))
    PriceFactory(security=old.security, date=today - datetime.timedelta(days=30), close=Decimal("4.25"))
    return {"account": account, "aapl": aapl}


def _drawn(page, selector: str) -> bool:
    return page.eval_on_selector(selector, "c => !!(window.Chart && Chart.getChart(c))")


def test_portfolio_page_in_a_browser(logged_in_page, portfolio_data):
    page = logged_in_page
    page.get_by_role("link", name="Investments").click()
    # 10 x 186.00 + 3.5 x 252.30 + 100 x 4.25 = 1860.00 + 883.05 + 425.00
    expect(page.locator("#portfolio-value")).to_have_text("$3,168.05")
    expect(page.locator("#portfolio-day-change")).to_have_text("$1.00")  # 10 x 0.10
    expect(page.locator("#portfolio-gain")).to_have_text("$468.05")      # 360.00 + 183.05 - 75.00
    expect(page.locator("#stale-warning")).to_contain_text("OLDCO")
    expect(page.locator('tr[data-ticker="OLDCO"] mark.stale')).to_have_text("stale")
    expect(page.locator('tr[data-ticker="AAPL"] mark')).to_have_count(0)
    page.wait_for_function(ALL_DRAWN)
    assert _drawn(page, 'canvas[data-chart="allocation-type"]')
    expect(page.locator("#allocation-by-type")).to_contain_text("ETF")
    screenshot(page, "investments-portfolio")

    page.locator('tr[data-ticker="AAPL"] a').click()
    expect(page.locator("h1")).to_contain_text("AAPL")
    page.wait_for_function(LINE_DRAWN)
    points = page.eval_on_selector("canvas[data-line-chart]", "c => Chart.getChart(c).data.labels.length")
    assert points == 61
    screenshot(page, "investments-holding")


def test_manual_holding_entry_in_a_browser(logged_in_page, portfolio_data):
    page = logged_in_page
    page.goto("/investments/add")
    form = page.locator("#holding-entry form")
    form.get_by_label("Account").select_option(label=str(portfolio_data["account"]))
    form.get_by_label("Ticker").fill("msft")
    form.get_by_label("Quantity").fill("2")
    form.get_by_label("Cost basis (total paid)").fill("600")
    form.get_by_label("Price").fill("410.5")
    form.get_by_role("button", name="Save holding").click()
    expect(page.locator("#messages")).to_contain_text("Saved the holding: 2 MSFT")
    page.goto("/investments/")
    expect(page.locator('tr[data-ticker="MSFT"]')).to_contain_text("$821.00")
    assert Holding.objects.filter(security__ticker="MSFT").count() == 1
