"""The Notifications page in a real browser: a failing then a working test mail, and a resend."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from conftest import screenshot
from notifications.models import NotificationLog
from notifications.notify import notify
from transactions.tests.factories import TransactionFactory

pytest_plugins = ["tests.fakes.mail_fixtures"]
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_notifications_page_test_mail_and_resend(logged_in_page, smtp_server):
    TransactionFactory(description="SAFEWAY #1234", merchant_name="Safeway", merchant_key="safeway",
                       amount=Decimal("54.23"), date=datetime.date(2026, 11, 3))
    notify()
    row = NotificationLog.objects.get()
    page = logged_in_page

    page.goto("/")
    page.get_by_role("link", name="Notifications").click()
    expect(page.locator(f"#notification-{row.pk}")).to_contain_text("Safeway")
    expect(page.locator(f"#notification-{row.pk} .chip")).to_have_text("sent")

    smtp_server.fail_with = "554 5.7.1 Relay access denied"
    page.get_by_role("button", name="Send a test mail").click()
    expect(page.locator("#notifications .message.error")).to_contain_text(
        "The test mail was not sent. The mail server 127.0.0.1:")
    expect(page.locator("#notifications .message.error")).to_contain_text("Relay access denied")

    smtp_server.fail_with = ""
    page.get_by_role("button", name="Send a test mail").click()
    expect(page.locator("#notifications .message.success")).to_contain_text("A test mail went to")
    assert smtp_server.messages[-1]["Subject"] == "Budget App: test mail"

    page.locator(f"#notification-{row.pk}").get_by_role("button", name="Resend").click()
    expect(page.locator("#notifications .message.success")).to_contain_text(
        "Sent the mail about Safeway $54.23 on 2026-11-03 again.")
    screenshot(page, "notifications")
    assert [m["Subject"] for m in smtp_server.messages].count("To review: Safeway $54.23 on 2026-11-03") == 2
