"""First start in a real browser: create the owner, log out, log in, see the dashboard."""

import pytest
from playwright.sync_api import expect

from conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_first_run_owner_creation_login_and_dashboard(page, live_server):
    page.goto("/")
    expect(page).to_have_url(f"{live_server.url}/setup/")
    page.fill("input[name=username]", "alex")
    page.fill("input[name=password1]", "correct-horse-battery")
    page.fill("input[name=password2]", "correct-horse-battery")
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_text("No transactions yet")).to_be_visible()

    page.click("text=Log out")
    expect(page).to_have_url(f"{live_server.url}/login/")
    page.fill("input[name=username]", "alex")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    expect(page.get_by_role("alert")).to_contain_text("didn't match")
    page.fill("input[name=username]", "alex")
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{live_server.url}/")
    screenshot(page, "dashboard-empty")


def test_review_badge_loads_zero_from_stats(logged_in_page):
    badge = logged_in_page.locator("#review-badge")
    expect(badge).to_have_text("0")
    expect(badge).to_have_attribute("data-count", "0")
