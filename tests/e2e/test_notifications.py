"""End to end over real protocols: a file import mails the new transactions (aiosmtpd),
the person's reply lands in a real IMAP mailbox (dovecot), `check_replies` confirms the
transaction and the engine learns the merchant for the next import."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from accounts import sync
from accounts.tests.factories import AccountFactory, link_fake_item
from categories.models import MerchantMapping
from notifications.models import NotificationLog
from tests.fakes.mail import reply_to
from transactions.models import Status, Tier, Transaction

pytest_plugins = ["tests.fakes.mail_fixtures", "tests.fakes.fixtures"]
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("imap")]

NOODLES = ("Transaction Date,Post Date,Description,Category,Type,Amount,Memo\n"
           "11/03/2026,11/04/2026,LANTERN NOODLE HOUSE,Food & Drink,Sale,-31.40,\n")
MORE_NOODLES = ("Transaction Date,Post Date,Description,Category,Type,Amount,Memo\n"
                "11/10/2026,11/11/2026,LANTERN NOODLE HOUSE,Food & Drink,Sale,-12.80,\n")


def _import(tmp_path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    call_command("import_transactions", str(path), "--account", "Sapphire", stdout=StringIO())


def test_import_mail_reply_confirms_and_learns(seeded, smtp_server, imap_server, tmp_path,
                                              django_capture_on_commit_callbacks):
    AccountFactory(name="Sapphire")

    with django_capture_on_commit_callbacks(execute=True):
        _import(tmp_path, "noodles.csv", NOODLES)

    txn = Transaction.objects.get()
    assert txn.status == Status.PENDING_REVIEW
    [mail] = smtp_server.messages
    assert mail["Subject"].startswith("To review: ") and "$31.40 on 2026-11-03" in mail["Subject"]
    assert NotificationLog.objects.get().email_message_id == mail["Message-ID"]

    imap_server.append(reply_to(mail, "Restaurants\n\nOn Tue, Budget App wrote:\n> To review"))
    out = StringIO()
    call_command("check_replies", stdout=out)

    txn.refresh_from_db()
    assert "1 transactions confirmed" in out.getvalue()
    assert txn.status == Status.CONFIRMED and txn.category.short_desc == "restaurants"
    mapping = MerchantMapping.objects.get(merchant_pattern=txn.merchant_key)
    assert mapping.category.short_desc == "restaurants"
    assert NotificationLog.objects.get().reply_category == "Restaurants"

    with django_capture_on_commit_callbacks(execute=True):
        _import(tmp_path, "more.csv", MORE_NOODLES)

    later = Transaction.objects.exclude(pk=txn.pk).get()
    assert later.predicted_category.short_desc == "restaurants"
    assert later.categorization_tier == Tier.MERCHANT_MAP


def test_import_succeeds_when_the_mail_server_is_down(seeded, smtp_server, tmp_path,
                                                      django_capture_on_commit_callbacks):
    AccountFactory(name="Sapphire")
    smtp_server.fail_with = "421 4.3.2 Service not available"

    with django_capture_on_commit_callbacks(execute=True):
        _import(tmp_path, "noodles.csv", NOODLES)

    assert Transaction.objects.count() == 1
    row = NotificationLog.objects.get()
    assert row.sent_at is None and "421" in row.last_error
    smtp_server.fail_with = ""
    call_command("send_notifications", stdout=StringIO())
    row.refresh_from_db()
    assert row.sent_at is not None and len(smtp_server.messages) == 1


def test_bank_sync_mails_new_transactions_once(seeded, smtp_server, fake_plaid,
                                               django_capture_on_commit_callbacks):
    item = fake_plaid.add_item()
    item.add(account=0, amount=54.23, date="2026-11-03", name="SAFEWAY #1234", merchant_name="Safeway")
    item.add(account=1, amount=12.5, date="2026-11-04", name="ODD LITTLE SHOP", merchant_name="Odd Shop")

    with django_capture_on_commit_callbacks(execute=True):
        link_fake_item(fake_plaid, item)
    with django_capture_on_commit_callbacks(execute=True):
        sync.sync_item(item.item_id)  # nothing new: no second mail

    pending = Transaction.objects.filter(status=Status.PENDING_REVIEW)
    assert pending.exists()
    [mail] = smtp_server.messages
    logged = NotificationLog.objects.all()
    assert {r.transaction_id for r in logged} == set(pending.values_list("id", flat=True))
    assert {r.email_message_id for r in logged} == {mail["Message-ID"]}
