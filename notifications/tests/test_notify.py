"""Outgoing notifications over real SMTP to an aiosmtpd server on 127.0.0.1."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from categories.models import Category
from notifications.models import NotificationLog
from notifications.notify import MailError, notify, resend, send_test_mail
from tests.fakes.mail import OWNER_ADDRESS, free_port
from transactions.models import Source, Status, Tier
from transactions.tests.factories import TransactionFactory

pytest_plugins = ["tests.fakes.mail_fixtures"]


def _pending(seeded, description="SAFEWAY #1234", amount="54.23", day=3, **extra):
    groceries = Category.objects.get(short_desc="groceries")
    fields = {"predicted_category": groceries, "prediction_confidence": 0.87,
              "categorization_tier": Tier.MERCHANT_MAP, "merchant_name": "Safeway",
              "merchant_key": "safeway", **extra}
    return TransactionFactory(description=description, amount=Decimal(amount),
                              date=datetime.date(2026, 10, day), **fields)


@pytest.mark.django_db
def test_notify_digest_has_headers_both_bodies_and_stores_one_message_id(seeded, smtp_server):
    first = _pending(seeded)
    second = _pending(seeded, description="PAYROLL ACME", amount="-2500.00", day=5,
                      merchant_name="Acme payroll", predicted_category=None,
                      prediction_confidence=None, categorization_tier=None)

    result = notify()

    assert (result.queued, result.sent_messages, result.sent_rows) == (2, 1, 2)
    [mail] = smtp_server.messages
    assert mail["To"] == OWNER_ADDRESS
    assert mail["From"] == "Budget App <budget@home.test>"
    assert mail["Subject"] == "2 transactions to review"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert smtp_server.envelopes == [("budget@home.test", [OWNER_ADDRESS])]
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "1. 2026-10-03  Safeway  $54.23" in text
    assert "Account: " + first.account.name in text
    assert "Prediction: Groceries (87% sure, merchant mapping)" in text
    assert "2. 2026-10-05  Acme payroll  −$2,500.00 (money in)" in text
    assert "Prediction: none" in text
    assert '"1 Groceries"' in text and '"2 OK"' in text
    assert "<td>Safeway</td>" in html and "Groceries (87% sure, merchant mapping)" in html
    rows = {r.transaction_id: r for r in NotificationLog.objects.all()}
    assert rows[first.pk].email_message_id == rows[second.pk].email_message_id == mail["Message-ID"]
    assert mail["Message-ID"].endswith("@home.test>")
    assert (rows[first.pk].line, rows[second.pk].line) == (1, 2)
    assert all(r.sent_at and r.attempts == 1 and r.last_error == "" for r in rows.values())


@pytest.mark.django_db
def test_notify_never_mails_a_transaction_twice(seeded, smtp_server):
    _pending(seeded)
    notify()
    again = notify()

    assert (again.queued, again.sent_messages) == (0, 0)
    assert len(smtp_server.messages) == 1
    _pending(seeded, description="KROGER #123", merchant_key="kroger")
    notify()
    assert len(smtp_server.messages) == 2
    assert smtp_server.messages[1]["Subject"].startswith("To review: Safeway $54.23")
    assert NotificationLog.objects.count() == 2


@pytest.mark.django_db
def test_notify_each_mode_mails_amounts_at_or_above_threshold_one_by_one(seeded, smtp_server, settings):
    settings.BUDGET_NOTIFY_MODE = "each"
    settings.BUDGET_NOTIFY_THRESHOLD = Decimal("50")
    big = _pending(seeded, amount="54.23")
    refund = _pending(seeded, description="REFUND", amount="-75.00", merchant_key="refund",
                      merchant_name="Refund")
    _pending(seeded, description="COFFEE", amount="4.50", merchant_key="coffee")

    result = notify()

    assert result.sent_messages == 2
    subjects = sorted(m["Subject"] for m in smtp_server.messages)
    assert subjects == ["To review: Refund −$75.00 on 2026-10-03", "To review: Safeway $54.23 on 2026-10-03"]
    assert {r.transaction_id for r in NotificationLog.objects.all()} == {big.pk, refund.pk}
    ids = {m["Message-ID"] for m in smtp_server.messages}
    assert len(ids) == 2 and set(NotificationLog.objects.values_list("email_message_id", flat=True)) == ids
    assert set(NotificationLog.objects.values_list("line", flat=True)) == {None}
    single = next(m for m in smtp_server.messages if "Safeway" in m["Subject"])
    assert "reply with a category, e.g. Groceries; reply OK to accept the prediction" in \
        single.get_body(("plain",)).get_content()


@pytest.mark.django_db
def test_notify_skips_old_confirmed_and_manual_sources(seeded, smtp_server):
    _pending(seeded, created_at=timezone.now() - datetime.timedelta(days=10))
    _pending(seeded, description="DONE", merchant_key="done", status=Status.CONFIRMED)
    _pending(seeded, description="OLD HISTORY", merchant_key="old", source=Source.ARCHIVE)

    result = notify()

    assert (result.queued, result.sent_messages) == (0, 0)
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_notify_records_a_refused_mail_and_retries_next_run(seeded, smtp_server):
    txn = _pending(seeded)
    smtp_server.fail_with = "451 4.3.0 Mailbox temporarily unavailable"

    failed = notify()

    assert (failed.sent_messages, failed.failed_rows) == (0, 1)
    row = NotificationLog.objects.get()
    assert row.sent_at is None and row.attempts == 1 and row.state == "failed"
    assert "answered 451" in row.last_error and "Mailbox temporarily unavailable" in row.last_error
    smtp_server.fail_with = ""
    retried = notify()
    assert (retried.sent_messages, retried.sent_rows) == (1, 1)
    row.refresh_from_db()
    assert row.sent_at and row.attempts == 2 and row.last_error == ""
    assert row.transaction_id == txn.pk and smtp_server.messages[0]["Message-ID"] == row.email_message_id


@pytest.mark.django_db
def test_notify_with_no_server_listening_never_raises(seeded, smtp_server, settings):
    _pending(seeded)
    settings.EMAIL_PORT = free_port()

    result = notify()

    assert result.failed_rows == 1
    assert "connection refused" in NotificationLog.objects.get().last_error


@pytest.mark.django_db
def test_notify_drops_queued_rows_reviewed_before_sending(seeded, smtp_server):
    txn = _pending(seeded)
    smtp_server.fail_with = "451 try later"
    notify()
    txn.status = Status.CONFIRMED
    txn.save()
    smtp_server.fail_with = ""

    result = notify()

    assert (result.dropped, result.sent_messages) == (1, 0)
    assert not NotificationLog.objects.exists() and smtp_server.messages == []


@pytest.mark.django_db
def test_notify_is_off_without_settings(seeded, smtp_server, settings):
    settings.BUDGET_NOTIFY_TO = []
    _pending(seeded)

    assert not notify().configured
    assert not NotificationLog.objects.exists() and smtp_server.messages == []


@pytest.mark.django_db
def test_resend_sends_one_transaction_again_under_a_new_message_id(seeded, smtp_server):
    _pending(seeded)
    second = _pending(seeded, description="KROGER #1", merchant_key="kroger", merchant_name="Kroger")
    notify()
    row = NotificationLog.objects.get(transaction=second)
    old_id = row.email_message_id

    resend(row.pk)

    row.refresh_from_db()
    assert len(smtp_server.messages) == 2
    assert smtp_server.messages[1]["Subject"] == "To review: Kroger $54.23 on 2026-10-03"
    assert row.email_message_id == smtp_server.messages[1]["Message-ID"] != old_id
    assert row.line is None


@pytest.mark.django_db
def test_resend_refuses_a_confirmed_transaction(seeded, smtp_server):
    txn = _pending(seeded)
    notify()
    txn.status = Status.CONFIRMED
    txn.save()

    with pytest.raises(MailError, match="no longer waits for review"):
        resend(NotificationLog.objects.get().pk)
    assert len(smtp_server.messages) == 1


def test_send_test_mail_reaches_the_server(smtp_server):
    sentence = send_test_mail()

    assert sentence.startswith(f"A test mail went to {OWNER_ADDRESS} through 127.0.0.1:")
    [mail] = smtp_server.messages
    assert mail["Subject"] == "Budget App: test mail"
    assert "the mail settings work" in mail.get_body(("plain",)).get_content()


def test_send_test_mail_explains_a_dead_server(smtp_server, settings):
    settings.EMAIL_PORT = free_port()

    with pytest.raises(MailError, match=r"Nothing accepts connections at 127\.0\.0\.1:\d+"):
        send_test_mail()


def test_send_notifications_command_test_mail_error_is_a_command_error(smtp_server):
    smtp_server.fail_with = "554 5.7.1 Relay access denied"

    with pytest.raises(CommandError, match="answered 554: 5.7.1 Relay access denied"):
        call_command("send_notifications", "--test")


@pytest.mark.django_db
def test_notify_mails_at_most_fifty_new_transactions_and_says_how_many_more(seeded, smtp_server):
    for day in range(1, 31):
        for n in range(2):  # 60 transactions, two a day
            _pending(seeded, description=f"SHOP {day} {n}", merchant_key=f"shop {day} {n}",
                     merchant_name=f"Shop {day}-{n}", day=day)

    result = notify()

    assert (result.queued, result.skipped, result.sent_messages, result.sent_rows) == (50, 10, 1, 50)
    assert str(result).endswith("10 more left for the review queue")
    [mail] = smtp_server.messages
    text = mail.get_body(("plain",)).get_content()
    assert "50 new transactions need a category." in text
    assert "And 10 more new transactions wait in the review queue (too many to mail at once)." in text
    assert "1. 2026-10-06" in text and "50. 2026-10-30" in text  # the newest are mailed
    skipped = NotificationLog.objects.filter(skipped_at__isnull=False)
    assert skipped.count() == 10 and {r.state for r in skipped} == {"skipped"}
    assert {r.transaction.date.day for r in skipped} == {1, 2, 3, 4, 5}
    assert skipped.first().reply_note.startswith("Not mailed: 60 transactions arrived at once")
    assert notify().sent_messages == 0 and len(smtp_server.messages) == 1  # never mailed later


@pytest.mark.django_db
def test_resend_mails_a_skipped_transaction(seeded, smtp_server):
    older = _pending(seeded, description="KROGER #1", merchant_key="kroger", merchant_name="Kroger",
                     day=1)
    for n in range(50):
        _pending(seeded, description=f"SHOP {n}", merchant_key=f"shop {n}", day=2)
    notify()
    row = NotificationLog.objects.get(transaction=older)
    assert row.state == "skipped"

    resend(row.pk)

    row.refresh_from_db()
    assert row.state == "sent" and row.skipped_at is None
    assert smtp_server.messages[-1]["Subject"] == "To review: Kroger $54.23 on 2026-10-01"


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")  # loopback
def test_send_test_mail_logs_in_with_the_configured_user(settings):
    from tests.fakes.mail import SmtpServer

    with SmtpServer(login=("budget", "smtp-pass")) as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.BUDGET_NOTIFY_TO = [OWNER_ADDRESS]
        settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = "budget", "wrong"
        with pytest.raises(MailError) as refused:
            send_test_mail()
        settings.EMAIL_HOST_PASSWORD = "smtp-pass"
        send_test_mail()

    assert str(refused.value) == (f"The mail server 127.0.0.1:{server.port} refused the user name "
                                  "or password (EMAIL_HOST_USER).")
    assert "wrong" not in str(refused.value)
    assert server.logins == ["budget"] and len(server.messages) == 1
