"""Security in a real browser: the CSP blocks inline scripts (and the test hook sees it),
and a second person added on the People page shares the ledger, with who-did-what shown."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import AccountFactory
from categories.tests.factories import CategoryFactory
from conftest import _is_csp_violation, screenshot
from transactions.tests.factories import TransactionFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_csp_blocks_an_injected_inline_script_and_the_console_hook_reports_it(browser, live_server, owner):
    # Its own context: the `page` fixture would (rightly) fail on the violation we provoke.
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda msg: messages.append(msg.text))
    try:
        page.goto("/login/")
        page.evaluate("""() => {
            const script = document.createElement("script");
            script.textContent = "window.inlineRan = true";
            document.body.append(script);
            const button = document.createElement("button");
            button.setAttribute("onclick", "window.handlerRan = true");
            document.body.append(button);
            button.click();
        }""")
        assert page.evaluate("() => [window.inlineRan, window.handlerRan]") == [None, None]
        expect(page.locator("h1")).to_have_text("Log in")  # the page itself still works
    finally:
        context.close()
    violations = [m for m in messages if _is_csp_violation(m)]
    assert len(violations) >= 2, messages


def test_a_person_added_on_the_people_page_shares_the_ledger(logged_in_page, browser, live_server):
    page = logged_in_page
    food = CategoryFactory(short_desc="food", display_name="Food", color="#ef6c00")
    CategoryFactory(short_desc="groceries", display_name="Groceries", parent=food)
    TransactionFactory(account=AccountFactory(name="Checking"), description="CORNER SHOP",
                       merchant_name="Corner Shop", amount=Decimal("12.50"), date=datetime.date(2026, 10, 3))

    page.get_by_role("link", name="People").click()
    page.fill("input[name=username]", "sam")
    page.fill("input[name=first_name]", "Sam")
    page.fill("input[name=password1]", "short")
    page.fill("input[name=password2]", "short")
    page.get_by_role("button", name="Add").click()
    expect(page.locator("#add-person")).to_contain_text("at least 12 characters")
    page.fill("input[name=password1]", "a-long-household-phrase")
    page.fill("input[name=password2]", "a-long-household-phrase")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("status")).to_contain_text("Added sam")
    expect(page.locator("#people")).to_contain_text("Member")
    screenshot(page, "people")

    # Sam logs in in another browser and confirms the row's category.
    sams = browser.new_context(base_url=live_server.url)
    try:
        sam = sams.new_page()
        sam.goto("/login/")
        sam.fill("input[name=username]", "sam")
        sam.fill("input[name=password]", "a-long-household-phrase")
        sam.click("button[type=submit]")
        sam.wait_for_url(f"{live_server.url}/")
        expect(sam.get_by_role("link", name="Admin")).to_have_count(0)
        expect(sam.get_by_role("link", name="People")).to_have_count(0)
        sam.goto("/transactions/")
        sam.locator("tbody tr").first.locator("select[name=category]").select_option(label="Groceries")
        expect(sam.locator("tbody tr .who")).to_have_text("by Sam")
    finally:
        sams.close()

    # The owner renames the merchant; the row says who did what.
    page.goto("/transactions/")
    row = page.locator("tbody tr").first
    expect(row.locator(".who")).to_have_text("by Sam")
    row.locator("input[name=merchant_name]").fill("Corner Store")
    row.locator("input[name=merchant_name]").press("Enter")
    expect(page.locator("tbody tr").first.locator(".who")).to_have_text("by Sam · edited by owner")
    screenshot(page, "transactions-who-did-what")


@pytest.mark.parametrize("path", ["/admin/", "/admin/transactions/transaction/", "/admin/auth/user/add/",
                                  "/people/", "/transactions/trash/"])
def test_admin_and_people_pages_run_under_the_csp(logged_in_page, path):
    """The `page` fixture fails the test on any CSP violation these pages report."""
    response = logged_in_page.goto(path)
    assert response.status == 200
    expect(logged_in_page.locator("h1").first).to_be_visible()
