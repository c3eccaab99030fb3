"""Connecting a bank and syncing it in a real browser, offline.

Plaid Link's script is served by the test in place of cdn.plaid.com: a stand-in
`Plaid.create` whose `open()` reports success with a public token from the
fake Plaid server, as Link's onSuccess would. Every other request that leaves
the app fails the test, so the pages are shown to work with no network.
"""

import pytest
from playwright.sync_api import expect

from accounts.models import Account
from conftest import screenshot
from transactions.models import Transaction

pytest_plugins = ["tests.fakes.fixtures"]
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINK_URL = "https://cdn.plaid.com/link/v2/stable/link-initialize.js"
FAKE_LINK = """
window.Plaid = { create: function (config) { return { open: function () {
  setTimeout(function () {
    config.onSuccess("%s", { institution: { institution_id: "ins_109508", name: "First Platypus Bank" } });
  }, 50);
} }; } };
"""


def _offline(page, live_server, public_token: str) -> list[str]:
    """Serve the stand-in Link script; record (and refuse) any other outside request."""
    outside: list[str] = []

    def route(request_route):
        url = request_route.request.url
        if url == LINK_URL:
            request_route.fulfill(content_type="application/javascript", body=FAKE_LINK % public_token)
        elif url.startswith(live_server.url):
            request_route.continue_()
        else:
            outside.append(url)
            request_route.abort()

    page.route("**/*", route)
    return outside


def test_connect_a_bank_then_sync_now(logged_in_page, live_server, fake_plaid):
    page = logged_in_page
    item = fake_plaid.add_item()
    item.add(amount=23.40, date="2026-10-02", name="HARDWARE STORE")
    outside = _offline(page, live_server, fake_plaid.public_token_for(item))

    page.goto("/accounts/")
    page.click("text=Connect a bank")
    page.click("#plaid-link")
    result = page.locator("#link-result")
    expect(result).to_contain_text("Linked First Platypus Bank")
    expect(result).to_contain_text("1 added")
    screenshot(page, "plaid-connected")
    assert Account.objects.of_item(item.item_id).count() == 3
    assert Transaction.objects.get().description == "HARDWARE STORE"

    item.add(amount=5.00, date="2026-10-03", name="NEWSAGENT")
    page.goto("/accounts/")
    card = page.locator("article.bank").first
    expect(card).to_contain_text("Plaid Checking")
    card.get_by_role("button", name="Sync now").click()
    expect(card.get_by_role("status")).to_contain_text("1 added, 0 modified, 0 removed")
    expect(page.locator("#review-badge")).to_have_text("2")  # transactionsChanged refreshed the badge
    screenshot(page, "plaid-synced")
    assert Transaction.objects.count() == 2
    assert outside == []


def test_reconnect_after_login_required(logged_in_page, live_server, fake_plaid):
    page = logged_in_page
    item = fake_plaid.add_item()
    outside = _offline(page, live_server, "unused")
    from accounts.tests.factories import link_fake_item

    link_fake_item(fake_plaid, item)
    item.error = "ITEM_LOGIN_REQUIRED"
    page.goto("/accounts/")
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("article.bank [role=status]")).to_contain_text("log in again")
    page.goto("/accounts/")
    item.error = None
    page.get_by_role("button", name="Reconnect").click()
    page.click("#plaid-link")
    expect(page.locator("#link-result")).to_contain_text("is connected again")
    assert not Account.objects.needing_user().exists()
    assert outside == []
