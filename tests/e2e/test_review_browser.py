"""The review queue by keyboard only, in a real browser."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import AccountFactory
from categories.tests.factories import CategoryFactory
from conftest import screenshot
from transactions.models import Status, Transaction
from transactions.tests.factories import TransactionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queue():
    food = CategoryFactory(short_desc="food", display_name="Food", color="#ef6c00")
    groceries = CategoryFactory(short_desc="groceries", display_name="Groceries", parent=food,
                                color="#ef6c00")
    CategoryFactory(short_desc="coffee", display_name="Coffee", parent=food, color="#795548")
    account = AccountFactory(name="Card")
    for i in range(22):
        TransactionFactory(
            account=account, date=datetime.date(2026, 11, 1) + datetime.timedelta(days=i % 7),
            description=f"SHOP {i:02d}", merchant_name=f"Shop {i:02d}", merchant_key=f"shop {i:02d}",
            amount=Decimal("10.00") + i, predicted_category=groceries, prediction_confidence=0.8,
            categorization_tier="merchant_map",
        )
    return groceries


def test_review_twenty_rows_by_keyboard_and_badge_drops(logged_in_page, queue):
    page = logged_in_page
    page.goto("/review/")
    badge = page.locator("#review-badge")
    expect(badge).to_have_text("22")
    first = page.locator(".review-row[data-id]").first
    expect(first).to_be_focused()
    for _ in range(19):
        page.keyboard.press("a")
        expect(page.locator(".review-row.staged")).to_have_count(_ + 1)
    # The 20th: change its category with the picker, by keyboard.
    page.keyboard.press("c")
    page.keyboard.type("Food › Coffee")
    page.keyboard.press("Enter")
    expect(page.locator(".review-row.staged")).to_have_count(20)
    # The toolbar follows each action without a reload.
    expect(page.locator("#save-staged")).to_have_text("Save 20 staged")
    expect(page.locator("#queue-counts")).to_have_text("2 waiting · 20 staged")
    screenshot(page, "review-staged")
    page.keyboard.press("s")
    expect(page.locator(".review-row[data-id]")).to_have_count(2)
    expect(badge).to_have_text("2")
    assert Transaction.objects.filter(status=Status.CONFIRMED).count() == 20
    assert Transaction.objects.filter(category__short_desc="coffee").count() == 1


def test_review_delete_then_undo_restores_the_row(logged_in_page, queue):
    page = logged_in_page
    page.goto("/review/")
    row = page.locator(".review-row[data-id]").first
    row_id = int(row.get_attribute("data-id"))
    before = Transaction.objects.filter(pk=row_id).values().get()
    page.keyboard.press("x")
    expect(page.get_by_text("Deleted Shop")).to_be_visible()
    assert not Transaction.objects.filter(pk=row_id).exists()
    page.keyboard.press("u")
    expect(page.locator(f"#txn-{row_id}[data-id]")).to_be_visible()
    assert Transaction.objects.filter(pk=row_id).values().get() == before


def test_review_screenshots_light_and_dark(browser, live_server, owner, queue):
    for scheme in ("light", "dark"):
        context = browser.new_context(base_url=live_server.url, color_scheme=scheme,
                                      viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto("/login/")
        page.fill("input[name=username]", "owner")
        page.fill("input[name=password]", "pass-word-1")
        page.click("button[type=submit]")
        page.goto("/review/")
        expect(page.locator(".review-row[data-id]").first).to_be_visible()
        screenshot(page, f"review-{scheme}")
        context.close()


def test_review_load_more_appends_rows_and_the_keyboard_carries_on(logged_in_page):
    groceries = CategoryFactory(short_desc="groceries", display_name="Groceries", color="#ef6c00")
    account = AccountFactory(name="Card")
    for i in range(105):
        TransactionFactory(account=account, date=datetime.date(2026, 8, 1) + datetime.timedelta(days=i // 4),
                           description=f"STORE {i:03d}", merchant_name=f"Store {i:03d}",
                           predicted_category=groceries, prediction_confidence=0.8,
                           categorization_tier="merchant_map")
    page = logged_in_page
    page.goto("/review/")
    rows = page.locator(".review-row[data-id]")
    expect(rows).to_have_count(100)
    # j on the last row presses "Load more"; focus goes on to the first appended row.
    rows.nth(99).focus()
    page.keyboard.press("j")
    expect(rows).to_have_count(105)
    expect(page.locator("#load-more-button")).to_have_count(0)
    expect(rows.nth(100)).to_be_focused()
    appended = int(rows.nth(100).get_attribute("data-id"))
    page.keyboard.press("a")
    expect(page.locator(f"#txn-{appended}.staged")).to_be_visible()
    assert Transaction.objects.get(pk=appended).status == Status.PENDING_SAVE
    expect(page.locator(".review-row.staged")).to_have_count(1)
    # The keyboard keeps moving through old and new rows alike.
    page.keyboard.press("k")
    page.keyboard.press("k")
    expect(rows.nth(99)).to_be_focused()
