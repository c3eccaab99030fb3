"""The Notifications page: list, test mail, send now, resend, check replies."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from categories.models import Category
from notifications.models import NotificationLog
from notifications.notify import notify
from tests.fakes.mail import OWNER_ADDRESS, free_port, reply_to
from transactions.models import Status
from transactions.tests.factories import TransactionFactory

pytest_plugins = ["tests.fakes.mail_fixtures"]
pytestmark = pytest.mark.django_db


def _pending(seeded, description="SAFEWAY #1234", merchant="Safeway"):
    return TransactionFactory(
        description=description, merchant_name=merchant, merchant_key=merchant.lower(),
        amount=Decimal("54.23"), date=datetime.date(2026, 10, 3), prediction_confidence=0.7,
        predicted_category=Category.objects.get(short_desc="groceries"),
    )


@pytest.mark.parametrize("name, method", [
    ("notification_list", "get"), ("notification_test", "post"), ("notification_send", "post"),
    ("notification_check", "post"),
])
def test_notification_views_refuse_logged_out(client, name, method):
    response = getattr(client, method)(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_notification_resend_refuses_logged_out(client, seeded, smtp_server):
    _pending(seeded)
    notify()
    response = client.post(reverse("notification_resend", args=[NotificationLog.objects.get().pk]))
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert len(smtp_server.messages) == 1


def test_notification_list_shows_rows_settings_and_no_password(owner_client, htmx_client, seeded,
                                                               smtp_server, settings):
    settings.EMAIL_HOST_PASSWORD = "smtp-secret-pass"
    settings.IMAP_PASSWORD = "imap-secret-pass"
    settings.IMAP_HOST = "imap.home.test"
    txn = _pending(seeded)
    notify()

    page = owner_client.get(reverse("notification_list"))
    fragment = htmx_client.get(reverse("notification_list"))

    html = page.content.decode()
    assert page.status_code == 200 and "<h1>Notifications</h1>" in html
    assert f'id="notification-{NotificationLog.objects.get().pk}" data-state="sent"' in html
    assert "Safeway" in html and "$54.23" in html and txn.account.name in html
    assert OWNER_ADDRESS in html and "imap.home.test" in html and "mail on" in html
    assert "secret-pass" not in html
    assert fragment.status_code == 200
    assert fragment.content.decode().startswith('\n<div id="notifications">')
    assert "<h1>" not in fragment.content.decode()


def test_notification_list_without_settings_says_how_to_turn_mail_on(owner_client, db):
    html = owner_client.get(reverse("notification_list")).content.decode()
    assert "mail off" in html and "Set EMAIL_HOST and BUDGET_NOTIFY_TO" in html
    assert "No notification yet" in html


def test_notification_test_sends_and_reports(htmx_client, smtp_server):
    response = htmx_client.post(reverse("notification_test"))

    html = response.content.decode()
    assert response.status_code == 200
    assert f'class="message success" role="status">A test mail went to {OWNER_ADDRESS}' in html
    assert smtp_server.messages[0]["Subject"] == "Budget App: test mail"


def test_notification_test_shows_a_clear_error_when_smtp_fails(htmx_client, owner_client, smtp_server,
                                                                settings):
    settings.EMAIL_PORT = free_port()

    response = htmx_client.post(reverse("notification_test"))
    full = owner_client.post(reverse("notification_test"), follow=True)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="message error" role="alert">The test mail was not sent. Nothing accepts ' \
           "connections at 127.0.0.1:" in html
    assert "check EMAIL_HOST and EMAIL_PORT" in html
    assert "The test mail was not sent." in full.content.decode()  # after the redirect
    assert smtp_server.messages == []


def test_notification_send_now_mails_the_queue(htmx_client, seeded, smtp_server):
    _pending(seeded)

    response = htmx_client.post(reverse("notification_send"))

    assert "Sent now: 1 queued, 1 mails sent for 1 transactions" in response.content.decode()
    assert NotificationLog.objects.get().sent_at is not None and len(smtp_server.messages) == 1


def test_notification_resend_mails_again(htmx_client, seeded, smtp_server):
    _pending(seeded)
    notify()
    row = NotificationLog.objects.get()

    response = htmx_client.post(reverse("notification_resend", args=[row.pk]))

    assert "Sent the mail about" in response.content.decode()
    assert len(smtp_server.messages) == 2
    row.refresh_from_db()
    assert row.email_message_id == smtp_server.messages[1]["Message-ID"]


def test_notification_resend_of_a_confirmed_transaction_is_refused(htmx_client, seeded, smtp_server):
    txn = _pending(seeded)
    notify()
    txn.status = Status.CONFIRMED
    txn.save()

    response = htmx_client.post(reverse("notification_resend", args=[NotificationLog.objects.get().pk]))

    assert "no longer waits for review; nothing was sent" in response.content.decode()
    assert len(smtp_server.messages) == 1


def test_notification_check_without_imap_explains(htmx_client, db):
    response = htmx_client.post(reverse("notification_check"))

    assert "Replies were not read. IMAP_HOST is not set" in response.content.decode()
    assert "HX-Trigger" not in response


@pytest.mark.xdist_group("imap")
def test_notification_check_confirms_and_tells_the_page(htmx_client, seeded, smtp_server, imap_server):
    txn = _pending(seeded)
    notify()
    imap_server.append(reply_to(smtp_server.messages[-1], "Restaurants"))

    response = htmx_client.post(reverse("notification_check"))

    assert "Checked replies: 1 replies read, 1 transactions confirmed" in response.content.decode()
    assert response["HX-Trigger"] == '{"transactionsChanged": {}}'
    txn.refresh_from_db()
    assert txn.category.short_desc == "restaurants"
    assert "<strong>Restaurants</strong>" in response.content.decode()


def test_notification_log_admin_lists_rows(owner_client, seeded, smtp_server):
    _pending(seeded)
    notify()

    response = owner_client.get(reverse("admin:notifications_notificationlog_changelist"))

    assert response.status_code == 200 and "sent" in response.content.decode()
