"""The dashboard and the insights charts in a real browser."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Account
from budgets.models import Budget
from categories.models import Category
from conftest import screenshot
from insights.months import Month
from transactions.models import Status
from transactions.tests.factories import TransactionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ledger(seeded):
    today = timezone.localdate()
    this = Month.of(today)
    account = Account.objects.get(name="SoFi Checking")
    account.balance_current = Decimal("5200.00")
    account.save()
    card = Account.objects.get(name="Discover Card")
    card.balance_current = Decimal("700.00")
    card.save()
    cat = {c.short_desc: c for c in Category.objects.all()}
    for short, amount, merchant in (("groceries", "260.00", "Safeway"), ("coffee", "40.00", "Blue Bottle"),
                                    ("rent", "1500.00", "Landlord"), ("paycheck", "-4000.00", "Acme")):
        TransactionFactory(account=account, date=this.first, amount=Decimal(amount), merchant_name=merchant,
                           merchant_key=merchant.lower(), category=cat[short], status=Status.CONFIRMED)
    TransactionFactory(account=account, date=today - datetime.timedelta(days=40), amount=Decimal("90.00"),
                       merchant_name="Safeway", merchant_key="safeway", category=cat["groceries"],
                       status=Status.CONFIRMED)
    TransactionFactory(account=account, date=today, amount=Decimal("12.00"), status=Status.PENDING_REVIEW,
                       predicted_category=cat["coffee"])
    Budget.objects.create(category=cat["groceries"], month=str(this), amount=Decimal("200"))
    return cat


def test_dashboard_shows_month_pace_accounts_and_review(logged_in_page, ledger):
    page = logged_in_page
    page.goto("/")
    expect(page.locator("#month-spent")).to_have_text("$1,800.00")
    expect(page.locator("#month-income")).to_have_text("$4,000.00")
    expect(page.locator("#month-net")).to_have_text("$2,200.00")
    expect(page.locator("#pending-count")).to_have_text("1")
    expect(page.locator("#over-pace")).to_contain_text("Groceries")
    expect(page.locator("#net-worth")).to_have_text("$4,500.00")
    expect(page.locator("#accounts")).to_contain_text("never")
    screenshot(page, "dashboard-month")


def test_insights_doughnut_click_drills_into_children(logged_in_page, ledger):
    page = logged_in_page
    page.emulate_media(reduced_motion="reduce")  # no animation: the slice is where Chart.js says
    page.goto("/insights/")
    canvas = page.locator("canvas[data-chart=spending-data]")
    expect(canvas).to_be_visible()
    page.wait_for_function("() => Chart.getChart(document.querySelector('canvas[data-chart]'))")
    expect(page.locator("#spending-table")).to_contain_text("Housing")
    # Click the Food slice: its centre point comes from Chart.js itself.
    point = page.evaluate("""() => {
        const chart = Chart.getChart(document.querySelector('canvas[data-chart]'));
        const index = chart.data.labels.indexOf('Food');
        const arc = chart.getDatasetMeta(0).data[index].tooltipPosition();
        return {x: arc.x, y: arc.y};
    }""")
    canvas.click(position=point)
    expect(page.locator("#report h2")).to_contain_text("Food")
    expect(page.locator("#spending-table")).to_contain_text("Coffee shops")
    expect(page).to_have_url(f"{page.url.split('?')[0]}?period=this_month&parent={ledger['food'].pk}")
    screenshot(page, "insights-drill-down")
