"""The Transactions page in a real browser: URL state across reload and back, delete and undo."""

import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import AccountFactory
from categories.tests.factories import CategoryFactory
from conftest import screenshot
from transactions.models import Status
from transactions.tests.factories import TransactionFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def _ledger():
    food = CategoryFactory(short_desc="food", display_name="Food", color="#ef6c00")
    groceries = CategoryFactory(short_desc="groceries", display_name="Groceries", parent=food)
    coffee = CategoryFactory(short_desc="coffee", display_name="Coffee", parent=food, color="#795548")
    checking = AccountFactory(name="Checking", institution="SoFi")
    card = AccountFactory(name="Card", institution="Discover")
    for i in range(60):
        TransactionFactory(account=checking, description=f"CHECKING SHOP {i:02d}",
                           date=datetime.date(2026, 10, 1 + i % 28), amount=Decimal(i + 1))
    for i in range(5):
        TransactionFactory(account=card, description=f"CARD SHOP {i}", amount=Decimal("9.99"),
                           date=datetime.date(2026, 10, 30), category=groceries if i < 2 else None,
                           status=Status.CONFIRMED if i < 2 else Status.PENDING_REVIEW,
                           predicted_category=coffee if i == 3 else None, prediction_confidence=0.72)
    TransactionFactory(account=card, description="CARD REFUND ACME", amount=Decimal("-2500.00"),
                       date=datetime.date(2026, 10, 30))
    return checking, card


def _row(page, merchant: str):
    """A row by its merchant (shown in the row's inline-edit box)."""
    return page.locator("tbody tr", has=page.locator(f'input[name=merchant_name][value="{merchant}"]'))


def _row_described(page, description: str):
    """A row by its raw description (the merchant cell's hover title)."""
    return page.locator("tbody tr", has=page.locator(f'td.merchant[title="{description}"]'))


def test_transactions_filters_and_pages_survive_reload_and_back(logged_in_page, live_server):
    page = logged_in_page
    checking, _ = _ledger()
    page.goto("/transactions/")
    expect(page.locator("#showing")).to_have_text("Showing 1–50")

    page.select_option("#filter-account", str(checking.pk))
    expect(page).to_have_url(re.compile(rf"/transactions/\?account={checking.pk}$"))
    expect(_row(page, "Card Shop 0")).to_have_count(0)

    page.click("a.page-next")
    expect(page).to_have_url(re.compile(rf"\?account={checking.pk}&page=2$"))
    expect(page.locator("#showing")).to_have_text("Showing 51–60")
    expect(page.locator("a.page-next")).to_have_count(0)

    page.reload()
    expect(page).to_have_url(re.compile(rf"\?account={checking.pk}&page=2$"))
    expect(page.locator("#showing")).to_have_text("Showing 51–60")
    expect(page.locator("#filter-account")).to_have_value(str(checking.pk))

    page.go_back()
    expect(page).to_have_url(re.compile(rf"/transactions/\?account={checking.pk}$"))
    expect(page.locator("#showing")).to_have_text("Showing 1–50")
    expect(page.locator("#filter-account")).to_have_value(str(checking.pk))

    page.go_back()
    expect(page).to_have_url(f"{live_server.url}/transactions/")
    expect(page.locator("#filter-account")).to_have_value("")
    expect(_row(page, "Card Shop 0")).to_be_visible()


def test_transactions_delete_then_undo_restores_the_row(logged_in_page):
    page = logged_in_page
    _ledger()
    page.goto("/transactions/?q=card&month=2026-10")
    row = _row(page, "Card Shop 4")
    expect(row).to_have_count(1)
    row.get_by_role("button", name="Delete").click()
    expect(_row(page, "Card Shop 4")).to_have_count(0)
    toast = page.locator("#toast .toast")
    expect(toast).to_contain_text("Deleted 1 transaction.")
    expect(page.locator("#showing")).to_have_text("Showing 1–5")
    screenshot(page, "transactions")
    toast.get_by_role("button", name="Undo").click()
    expect(_row(page, "Card Shop 4")).to_have_count(1)
    expect(page.locator("#toast .toast")).to_contain_text("Restored 1 transaction.")
    # The list kept its filters through the undo.
    expect(page.locator("tbody tr")).to_have_count(6)
    expect(page).to_have_url(re.compile(r"\?q=card&month=2026-10$"))
    # The toast stays while the pointer is on it, then closes by itself.
    page.mouse.move(5, 5)
    expect(page.locator("#toast .toast")).to_have_count(0, timeout=20_000)


def test_transactions_inline_category_and_bulk_confirm(logged_in_page):
    page = logged_in_page
    food = CategoryFactory(short_desc="food", display_name="Food", color="#ef6c00")
    CategoryFactory(short_desc="groceries", display_name="Groceries", parent=food)
    coffee = CategoryFactory(short_desc="coffee", display_name="Coffee", parent=food)
    TransactionFactory(description="SAFEWAY 1")
    TransactionFactory(description="BLUE BOTTLE", predicted_category=coffee)
    page.goto("/transactions/")
    row = _row(page, "Safeway 1")
    row.locator("select[name=category]").select_option(label="Groceries")
    expect(_row(page, "Safeway 1").locator(".chip")).to_have_text("Groceries")
    expect(_row(page, "Safeway 1").locator(".status")).to_have_text("Confirmed")
    # The redrawn row's select gets its options again (they are copied in by the page's script).
    expect(_row(page, "Safeway 1").locator("select[name=category] option")).to_have_count(3)

    page.check("#select-all")
    expect(page.locator('input[name="ids"]:checked')).to_have_count(2)
    page.get_by_role("button", name="Confirm predictions").click()
    expect(page.locator("#toast .toast")).to_contain_text("Confirmed 1.")
    expect(_row(page, "Blue Bottle").locator(".status")).to_have_text("Confirmed")


def test_transactions_manual_entry_then_trash_restore(logged_in_page):
    page = logged_in_page
    AccountFactory(name="Wallet", institution="Cash")
    page.goto("/transactions/add")
    page.fill("#id_amount", "-3")
    page.click("#add-form button[type=submit]")
    expect(page.locator("#id_amount")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Enter the amount as a positive number.")).to_be_visible()
    page.fill("#id_description", "Farmers market")
    page.fill("#id_amount", "23.40")
    page.click("#add-form button[type=submit]")
    expect(page.locator("#messages")).to_contain_text("Added Farmers market")
    expect(_row_described(page, "Farmers market")).to_have_count(1)

    _row_described(page, "Farmers market").get_by_role("button", name="Delete").click()
    expect(page.locator("#toast .toast")).to_contain_text("Deleted 1 transaction.")
    page.goto("/transactions/trash/")
    row = page.locator("#trash tbody tr", has_text="Farmers")
    expect(row).to_have_count(1)
    screenshot(page, "trash")
    row.get_by_role("button", name="Restore").click()
    expect(page.locator("#trash")).to_contain_text("The trash is empty")
    expect(page.locator("#toast")).to_contain_text("Restored: Farmers market.")
    page.goto("/transactions/")
    expect(_row_described(page, "Farmers market")).to_have_count(1)
