"""Replies read from a real dovecot IMAP server on 127.0.0.1 by `check_replies`.

Each test mails real notifications through aiosmtpd, appends the person's
reply to dovecot's inbox with imaplib, runs the command, and checks the
ledger, the merchant mapping, the NotificationLog, the answer mail and the
message's \\Seen flag.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from categories.models import Category, MerchantMapping
from notifications.models import NotificationLog
from notifications.notify import notify
from tests.fakes.mail import OWNER_ADDRESS, reply_to
from transactions.models import Status, Tier, Transaction
from transactions.tests.factories import TransactionFactory

pytest_plugins = ["tests.fakes.mail_fixtures"]
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("imap")]


def _pending(description="SAFEWAY #1234", merchant="Safeway", key="safeway", amount="54.23",
             predicted="groceries", day=3):
    return TransactionFactory(
        description=description, merchant_name=merchant, merchant_key=key, amount=Decimal(amount),
        date=datetime.date(2026, 10, day), categorization_tier=Tier.MERCHANT_MAP,
        prediction_confidence=0.6,
        predicted_category=Category.objects.get(short_desc=predicted) if predicted else None,
    )


def _notified(smtp_server, *transactions):
    notify()
    return smtp_server.messages[-1]


def _check() -> str:
    from io import StringIO

    out = StringIO()
    call_command("check_replies", stdout=out)
    return out.getvalue()


def _mapping() -> tuple:
    """The learned mapping of the test merchant (seed_defaults starts one for Safeway)."""
    return tuple(MerchantMapping.objects.filter(merchant_pattern="safeway").values_list(
        "category__short_desc", "confidence", "overrides"))


def _seen(imap_server) -> list[bool]:
    return ["\\Seen" in flags for flags in imap_server.flags()]


def test_plain_reply_confirms_and_teaches_the_merchant(seeded, smtp_server, imap_server, owner):
    txn = _pending()
    original = _notified(smtp_server, txn)
    imap_server.append(reply_to(original, "Restaurants"))

    out = _check()

    txn.refresh_from_db()
    restaurants = Category.objects.get(short_desc="restaurants")
    assert txn.status == Status.CONFIRMED and txn.category == restaurants
    assert txn.confirmed_by == owner  # the user whose address sent the reply
    assert MerchantMapping.objects.get(merchant_pattern="safeway").category == restaurants
    row = NotificationLog.objects.get()
    assert row.replied_at is not None and row.reply_category == "Restaurants"
    assert row.reply_note == f"Confirmed as Restaurants by {OWNER_ADDRESS}."
    assert out.startswith("1 replies read, 1 transactions confirmed, 0 answered")
    assert _seen(imap_server) == [True]
    assert len(smtp_server.messages) == 1  # a clear reply gets no answer


@pytest.mark.parametrize("word", ["OK", "yes", "Ok, thanks!"])
def test_ok_or_yes_accepts_the_prediction(seeded, smtp_server, imap_server, word):
    txn = _pending()
    imap_server.append(reply_to(_notified(smtp_server, txn), word))
    (category, confirmations, overrides), = _mapping()

    _check()

    txn.refresh_from_db()
    assert txn.status == Status.CONFIRMED and txn.category.short_desc == "groceries"
    assert _mapping() == (("groceries", confirmations + 1, overrides),)  # one more confirmation


def test_quoted_text_and_signature_are_ignored(seeded, smtp_server, imap_server):
    txn = _pending()
    original = _notified(smtp_server, txn)
    text = ("\n\ncoffee shops.\n\n-- \nJane Doe\nGroceries are on me\n\n"
            "On Tue, 3 Nov 2026 at 09:00, Budget App <budget@home.test> wrote:\n"
            "> A transaction needs a category.\n> Prediction: Groceries\n")
    html = ("<div>coffee shops.</div><div>--<br>Jane</div>"
            "<blockquote>Prediction: Groceries</blockquote>")
    imap_server.append(reply_to(original, text, html=html))

    _check()

    txn.refresh_from_db()
    assert txn.category.short_desc == "coffee"


def test_misspelled_category_is_matched_fuzzily(seeded, smtp_server, imap_server):
    txn = _pending()
    imap_server.append(reply_to(_notified(smtp_server, txn), "Resturants"))

    _check()

    txn.refresh_from_db()
    assert txn.category.short_desc == "restaurants"


def test_ambiguous_reply_changes_nothing_and_answers_with_the_closest(seeded, smtp_server,
                                                                      imap_server):
    txn = _pending()
    original = _notified(smtp_server, txn)
    mapping_before = _mapping()
    imap_server.append(reply_to(original, "gas"))

    out = _check()

    txn.refresh_from_db()
    assert txn.status == Status.PENDING_REVIEW and txn.category is None
    assert _mapping() == mapping_before
    assert "0 transactions confirmed, 1 answered" in out
    answer = smtp_server.messages[-1]
    assert answer["To"] == OWNER_ADDRESS
    assert answer["In-Reply-To"] == "<reply-1@example.com>"
    assert original["Message-ID"] in answer["References"]
    assert answer["Subject"] == f"Re: {original['Subject']}"
    assert answer["Auto-Submitted"] == "auto-replied"
    body = answer.get_body(("plain",)).get_content()
    assert "Your reply changed nothing" in body
    assert "“gas” could mean more than one category" in body
    assert "The closest categories are: Gas & fuel, Gas & heating." in body
    row = NotificationLog.objects.get()
    assert row.replied_at is None and "could mean more than one category" in row.reply_note
    assert _seen(imap_server) == [True]


def test_unknown_word_answers_with_suggestions(seeded, smtp_server, imap_server):
    txn = _pending()
    imap_server.append(reply_to(_notified(smtp_server, txn), "zzzz qqq"))

    _check()

    txn.refresh_from_db()
    assert txn.status == Status.PENDING_REVIEW
    body = smtp_server.messages[-1].get_body(("plain",)).get_content()
    assert "“zzzz qqq” is not a category I know" in body and "The closest categories are:" in body


def test_reply_from_a_stranger_is_ignored(seeded, smtp_server, imap_server):
    txn = _pending()
    imap_server.append(reply_to(_notified(smtp_server, txn), "Restaurants", sender="mallory@evil.test"))

    out = _check()

    txn.refresh_from_db()
    assert txn.status == Status.PENDING_REVIEW and txn.category is None
    assert "1 ignored" in out
    assert len(smtp_server.messages) == 1  # strangers get no answer
    assert NotificationLog.objects.get().reply_note == ""
    assert _seen(imap_server) == [True]


def test_auto_reply_is_ignored(seeded, smtp_server, imap_server):
    txn = _pending()
    imap_server.append(reply_to(_notified(smtp_server, txn), "I am out of office",
                              Auto_Submitted="auto-replied"))

    _check()

    txn.refresh_from_db()
    assert txn.status == Status.PENDING_REVIEW and len(smtp_server.messages) == 1


def test_reply_to_a_confirmed_transaction_changes_nothing_and_says_so(seeded, smtp_server, imap_server):
    txn = _pending()
    original = _notified(smtp_server, txn)
    groceries = Category.objects.get(short_desc="groceries")
    Transaction.objects.filter(pk=txn.pk).update(status=Status.CONFIRMED, category=groceries)
    mapping_before = _mapping()
    imap_server.append(reply_to(original, "Restaurants"))

    _check()

    txn.refresh_from_db()
    assert txn.category == groceries
    assert _mapping() == mapping_before
    body = smtp_server.messages[-1].get_body(("plain",)).get_content()
    assert ("Safeway $54.23 on 2026-10-03 is already confirmed as Groceries; "
            "your reply changed nothing") in body
    assert NotificationLog.objects.get().replied_at is None


def test_mail_that_answers_none_of_ours_stays_unread(seeded, smtp_server, imap_server):
    txn = _pending()
    original = _notified(smtp_server, txn)
    other = reply_to(original, "Restaurants")
    other.replace_header("In-Reply-To", "<someone-else@example.com>")
    other.replace_header("References", "<someone-else@example.com>")
    imap_server.append(other)

    out = _check()

    assert out.startswith("0 replies read") and "0 other mails left unread" in out
    assert _seen(imap_server) == [False]
    txn.refresh_from_db()
    assert txn.status == Status.PENDING_REVIEW


def test_malformed_mime_is_read_leniently_and_does_not_stop_the_nextreply_to(seeded, smtp_server,
                                                                           imap_server, settings):
    first = _pending()
    second = _pending("KROGER #123", "Kroger", "kroger", day=4)
    settings.BUDGET_NOTIFY_MODE = "each"
    notify()
    by_subject = {m["Subject"]: m for m in smtp_server.messages}
    safeway = by_subject["To review: Safeway $54.23 on 2026-10-03"]
    kroger = by_subject["To review: Kroger $54.23 on 2026-10-04"]
    broken = (
        "From: owner@example.com\r\nTo: budget@home.test\r\nSubject: Re: broken\r\n"
        f"In-Reply-To: {safeway['Message-ID']}\r\nMessage-ID: <broken@example.com>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"XYZ\"\r\n\r\n"
        "--XYZ\r\nContent-Type: text/plain; charset=\"x-no-such-charset\"\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\nRestaurants=\r\n=E9=\r\n"
        "--XYZ\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        "!!!not base64!!!\r\n"  # and no closing boundary
    ).encode()
    imap_server.append(broken)
    imap_server.append(reply_to(kroger, "Groceries", number=2))

    out = _check()

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.category.short_desc == "restaurants"
    assert second.category.short_desc == "groceries"
    assert "2 replies read, 2 transactions confirmed" in out and "errors" not in out
    assert _seen(imap_server) == [True, True]


def test_reply_without_any_text_is_answered(seeded, smtp_server, imap_server):
    txn = _pending()
    original = _notified(smtp_server, txn)
    empty = (f"From: {OWNER_ADDRESS}\r\nSubject: Re: x\r\nIn-Reply-To: {original['Message-ID']}\r\n"
             "Message-ID: <empty@example.com>\r\nContent-Type: image/png\r\n"
             "Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n").encode()
    imap_server.append(empty)

    _check()

    txn.refresh_from_db()
    assert txn.status == Status.PENDING_REVIEW
    assert "Your reply has no text above the quoted mail." in \
        smtp_server.messages[-1].get_body(("plain",)).get_content()


def test_huge_reply_is_read_only_up_to_the_limit(seeded, smtp_server, imap_server, settings):
    settings.IMAP_MAX_MESSAGE_BYTES = 64_000
    txn = _pending()
    reply = reply_to(_notified(smtp_server, txn), "Groceries\n")
    reply.add_attachment(b"\0" * 3_000_000, maintype="application", subtype="octet-stream",
                         filename="scan.bin")
    imap_server.append(reply)

    out = _check()

    txn.refresh_from_db()
    assert txn.category.short_desc == "groceries"
    assert "1 transactions confirmed" in out and _seen(imap_server) == [True]


def test_digest_reply_names_line_numbers(seeded, smtp_server, imap_server):
    first = _pending()
    second = _pending("KROGER #123", "Kroger", "kroger", day=4)
    third = _pending("SHELL OIL", "Shell", "shell", day=5, predicted="fuel")
    digest = _notified(smtp_server)
    assert digest["Subject"] == "3 transactions to review"
    imap_server.append(reply_to(digest, "2 Restaurants\n#3: ok\nThanks!\n"))

    out = _check()

    for t in (first, second, third):
        t.refresh_from_db()
    assert first.status == Status.PENDING_REVIEW
    assert second.category.short_desc == "restaurants"
    assert third.category.short_desc == "fuel"
    assert "2 transactions confirmed, 0 answered" in out
    lines = dict(NotificationLog.objects.values_list("line", "reply_category"))
    assert lines == {1: None, 2: "Restaurants", 3: "Gas & fuel"}


def test_digest_reply_problems_are_answered_per_line(seeded, smtp_server, imap_server):
    first = _pending()
    _pending("KROGER #123", "Kroger", "kroger", day=4)
    digest = _notified(smtp_server)
    imap_server.append(reply_to(digest, "1 ok\n2 gas\n7 Groceries\n2"))

    _check()

    first.refresh_from_db()
    assert first.category.short_desc == "groceries"
    body = smtp_server.messages[-1].get_body(("plain",)).get_content()
    assert body.startswith("Part of your reply could not be used")
    assert "Line 2: “gas” could mean more than one category" in body
    assert "Line 7: that mail has no line 7 (it has 1 to 2)." in body
    assert "Line 2: No category was given for Kroger $54.23 on 2026-10-04" in body


def test_digest_reply_without_a_line_number_asks_for_one(seeded, smtp_server, imap_server):
    _pending()
    _pending("KROGER #123", "Kroger", "kroger", day=4)
    imap_server.append(reply_to(_notified(smtp_server), "Groceries"))

    _check()

    assert Transaction.objects.filter(status=Status.CONFIRMED).count() == 0
    assert "start the line with its number (1 to 2)" in \
        smtp_server.messages[-1].get_body(("plain",)).get_content()


def test_wrong_imap_password_is_a_clear_command_error(seeded, imap_server, settings):
    settings.IMAP_PASSWORD = "wrong"

    with pytest.raises(CommandError, match=f"refused the login of '{imap_server.user}'"):
        call_command("check_replies")


@pytest.mark.django_db(transaction=True)  # the job closes stale connections, as in the scheduler
def test_mail_round_job_sends_queued_mail_then_reads_replies(seeded, smtp_server, imap_server):
    from notifications.jobs import mail_round

    txn = _pending()
    mail_round()
    [mail] = smtp_server.messages
    imap_server.append(reply_to(mail, "Restaurants"))

    mail_round()

    txn.refresh_from_db()
    assert txn.category.short_desc == "restaurants" and len(smtp_server.messages) == 1


def test_scheduler_runs_the_mail_round_every_few_minutes(settings):
    from budgetsite.scheduler import build

    settings.BUDGET_NOTIFY_INTERVAL_MINUTES = 3
    job = next(j for j in build().get_jobs() if j.id == "notifications_mail_round")
    assert job.trigger.interval.total_seconds() == 180


def test_reply_to_a_message_id_we_no_longer_know_stays_unread(seeded, smtp_server, imap_server):
    txn = _pending()
    original = _notified(smtp_server, txn)
    NotificationLog.objects.all().delete()
    imap_server.append(reply_to(original, "Restaurants"))

    out = _check()

    assert "1 other mails left unread" in out and _seen(imap_server) == [False]


def test_missing_imap_folder_is_a_clear_command_error(seeded, imap_server, settings):
    settings.IMAP_FOLDER = "Budget Replies"

    with pytest.raises(CommandError, match="The IMAP folder 'Budget Replies' cannot be opened"):
        call_command("check_replies")


def test_imap_over_tls_verifies_the_server_certificate(seeded, smtp_server, settings, monkeypatch):
    from tests.fakes.mail import ImapServer

    txn = _pending()
    original = _notified(smtp_server, txn)
    with ImapServer(tls=True) as server:
        server.append(reply_to(original, "Restaurants"))
        settings.IMAP_HOST, settings.IMAP_PORT, settings.IMAP_SSL = "127.0.0.1", server.tls_port, True
        settings.IMAP_USER, settings.IMAP_PASSWORD = server.user, server.password

        with pytest.raises(CommandError, match=r"TLS with the IMAP server 127\.0\.0\.1:\d+ failed "
                                               r"\(CERTIFICATE_VERIFY_FAILED\)"):
            call_command("check_replies")
        txn.refresh_from_db()
        assert txn.status == Status.PENDING_REVIEW  # nothing read from an unverified server

        monkeypatch.setenv("SSL_CERT_FILE", str(server.cert_path))  # as a private CA would be
        _check()

    txn.refresh_from_db()
    assert txn.category.short_desc == "restaurants"


def test_digest_reply_all_ok_accepts_every_prediction(seeded, smtp_server, imap_server):
    first = _pending()
    second = _pending("SHELL OIL", "Shell", "shell", day=4, predicted="fuel")
    third = _pending("ODD SHOP", "Odd shop", "odd shop", day=5, predicted=None)
    digest = _notified(smtp_server)
    assert '"all OK" accepts every prediction' in digest.get_body(("plain",)).get_content()
    imap_server.append(reply_to(digest, "All OK"))

    _check()

    for t in (first, second, third):
        t.refresh_from_db()
    assert (first.category.short_desc, second.category.short_desc) == ("groceries", "fuel")
    assert third.status == Status.PENDING_REVIEW
    body = smtp_server.messages[-1].get_body(("plain",)).get_content()
    assert body.startswith("Part of your reply could not be used")
    assert "Line 3: Odd shop $54.23 on 2026-10-05 has no prediction to accept" in body
