"""Budgets in a real browser: inline edit, copy last month, the bar after review; screenshots."""

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
def month(seeded):
    """This month: groceries 100 budgeted, 20 spent, 30 waiting; last month's budgets to copy."""
    today = timezone.localdate()
    this = Month.of(today)
    account = Account.objects.get(name="SoFi Checking")
    cat = {c.short_desc: c for c in Category.objects.all()}

    def add(short, day, amount, merchant, status=Status.CONFIRMED):
        return TransactionFactory(
            account=account, date=day, amount=Decimal(amount), description=merchant.upper(),
            merchant_name=merchant, merchant_key=merchant.lower(), status=status,
            category=None if status == Status.PENDING_REVIEW else cat[short], predicted_category=cat[short],
            categorization_tier="merchant_map", prediction_confidence=0.8,
        )

    add("groceries", this.first, "20.00", "Safeway")
    add("groceries", today, "30.00", "Trader Joe's", status=Status.PENDING_REVIEW)
    add("rent", this.first, "1500.00", "Landlord")
    add("paycheck", this.first, "-4000.00", "Acme Payroll")
    add("credit_card_payment", this.first, "800.00", "Card Payment")
    for back in range(1, 7):
        earlier = this.shift(-back)
        add("groceries", earlier.first + datetime.timedelta(days=3), "310.00", "Safeway")
        add("restaurants", earlier.first + datetime.timedelta(days=5), "85.00", "Bistro")
        add("streaming", earlier.first + datetime.timedelta(days=11), "15.49", "Netflix")
        add("rent", earlier.first, "1500.00", "Landlord")
        add("paycheck", earlier.first, "-4000.00", "Acme Payroll")
    for short, amount in (("groceries", "350"), ("restaurants", "120"), ("rent", "1500")):
        Budget.objects.create(category=cat[short], month=str(this.shift(-1)), amount=Decimal(amount))
    Budget.objects.create(category=cat["groceries"], month=str(this), amount=Decimal("100"))
    return {"this": this, "groceries": cat["groceries"], "rent": cat["rent"]}


def _bar(page, category):
    return page.locator(f"#budget-{category.pk} [role=progressbar]")


def test_budget_set_inline_with_enter_and_cancel_with_esc(logged_in_page, month):
    page = logged_in_page
    page.goto("/budgets/")
    rent = page.locator(f"#budget-{month['rent'].pk}")
    rent.get_by_text("Set budget").click()
    field = rent.locator("input[name=amount]")
    expect(field).to_be_focused()
    field.fill("1,450")
    field.press("Enter")
    expect(rent.locator(".budget-amount")).to_have_text("$1,450.00")
    assert Budget.objects.get(category=month["rent"], month=str(month["this"])).amount == Decimal("1450")
    rent.locator(".budget-amount").click()
    expect(rent.locator("input[name=amount]")).to_be_focused()
    page.keyboard.type("9")
    page.keyboard.press("Escape")
    expect(rent.locator("input[name=amount]")).to_have_count(0)
    expect(rent.locator(".budget-amount")).to_have_text("$1,450.00")


def test_budget_copy_last_month(logged_in_page, month):
    page = logged_in_page
    page.goto("/budgets/")
    page.locator("#copy-last-month").click()
    expect(page.get_by_role("status")).to_contain_text("Copied 2 budgets")
    expect(page.locator(f"#budget-{month['rent'].pk} .budget-amount")).to_have_text("$1,500.00")
    assert Budget.objects.filter(month=str(month["this"])).count() == 3
    screenshot(page, "budgets-month")


def test_budget_bar_grows_after_confirming_in_review(logged_in_page, month):
    page = logged_in_page
    page.goto("/budgets/")
    expect(_bar(page, month["groceries"])).to_have_attribute("aria-valuenow", "20")
    expect(page.locator(f"#budget-{month['groceries'].pk}")).to_contain_text("+ $30.00 awaiting review")
    page.goto("/review/")
    page.locator(".review-row[data-id] button.accept").first.click()
    save = page.get_by_role("button", name="Save 1 staged")
    expect(save).to_be_visible()
    save.click()
    expect(page.get_by_text("All caught up")).to_be_visible()
    page.goto("/budgets/")
    expect(_bar(page, month["groceries"])).to_have_attribute("aria-valuenow", "50")
    expect(page.locator(f"#budget-{month['groceries'].pk}")).not_to_contain_text("awaiting review")


def test_screenshots_of_dashboard_and_insights(logged_in_page, month):
    page = logged_in_page
    page.goto("/")
    expect(page.locator("#month-spent")).to_have_text("$1,520.00")
    screenshot(page, "dashboard")
    pages = [("insights-spending", "/insights/?period=6m"), ("insights-trends", "/insights/trends/"),
             ("insights-recurring", "/insights/recurring/")]
    for name, path in pages:
        page.goto(path)
        expect(page.locator("#report")).to_be_visible()
        page.wait_for_function("() => [...document.querySelectorAll('canvas[data-chart]')]"
                               ".every(c => Chart.getChart(c))")
        screenshot(page, name)
    expect(page.locator("#recurring-table")).to_contain_text("Netflix")
