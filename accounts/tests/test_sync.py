"""The sync engine against the fake Plaid server: after every step the ledger must
equal the fake's ground truth, whatever failed on the way."""

import datetime
import logging
import os
import signal
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from accounts import plaid_gateway as gateway
from accounts import sync
from accounts.models import Account, ConnectionStatus, SyncLog, SyncStatus, SyncTrigger
from accounts.tests.factories import AccountFactory, LinkedAccountFactory, link_fake_item
from categories.models import Category
from tests.fakes.plaid_server import FakePlaid
from tests.shared import scratch_database
from transactions.models import DeletedTransaction, DeleteReason, ImportBatch, Status, Transaction

pytest_plugins = ["tests.fakes.fixtures"]
pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
CENT = Decimal("0.01")


def _ledger(item) -> dict[str, Transaction]:
    rows = Transaction.objects.filter(account__plaid_item_id=item.item_id).select_related("account")
    return {t.plaid_transaction_id: t for t in rows}


def assert_matches_truth(item) -> None:
    """Exactly the bank's live transactions, each with the bank's facts, no duplicates."""
    truth, ledger = item.truth(), _ledger(item)
    assert set(ledger) == set(truth)
    assert Transaction.objects.filter(account__plaid_item_id=item.item_id).count() == len(truth)
    for txn_id, data in truth.items():
        t = ledger[txn_id]
        assert t.amount == Decimal(str(data["amount"])).quantize(CENT), txn_id
        assert t.date == datetime.date.fromisoformat(data["date"]), txn_id
        assert t.description == data["name"], txn_id
        assert t.is_pending == data["pending"], txn_id
        assert t.account.plaid_account_id == data["account_id"], txn_id
        assert t.source == "plaid" and t.external_id == txn_id


def _history(item, n: int = 30) -> None:
    for i in range(n):
        item.add(account=i % 3, amount=round(3.5 + i * 1.25, 2), date=f"2026-09-{1 + i % 28:02d}",
                 name=f"SHOP NUMBER {i}", merchant_name=f"Shop {i}")


def _category(name: str = "Coffee") -> Category:
    return Category.objects.create(short_desc=name.lower(), display_name=name)


def test_sync_initial_history_matches_truth_and_is_idempotent(fake_plaid):
    item = fake_plaid.add_item()
    _history(item, 30)
    linked = link_fake_item(fake_plaid, item)
    assert len(linked.accounts) == 3 and linked.sync.status == SyncStatus.SUCCESS
    assert linked.sync.added == 30
    assert_matches_truth(item)
    accounts = Account.objects.of_item(item.item_id)
    assert {a.plaid_cursor for a in accounts} == {f"cur-{len(item.log)}"}
    assert all(a.last_synced_at and a.balance_updated_at for a in accounts)
    assert Account.objects.get(plaid_account_id=item.account(2)).balance_limit == Decimal("2000.00")
    logs = SyncLog.objects.filter(account__plaid_item_id=item.item_id)
    assert sorted(log.added for log in logs) == [10, 10, 10]
    assert {(log.trigger, log.status) for log in logs} == {(SyncTrigger.INITIAL, SyncStatus.SUCCESS)}
    assert ImportBatch.objects.filter(source="plaid").count() == 3

    again = sync.sync_item(item.item_id)
    assert (again.added, again.modified, again.removed) == (0, 0, 0)
    assert_matches_truth(item)
    assert ImportBatch.objects.count() == 3  # an empty update imports nothing


def test_sync_pending_then_posted_keeps_the_confirmation_through_a_tip(fake_plaid, owner):
    item = fake_plaid.add_item()
    pending_id = item.add(amount=10.00, date="2026-10-03", name="CORNER CAFE", pending=True)
    link_fake_item(fake_plaid, item)
    assert_matches_truth(item)
    coffee = _category()
    pending = Transaction.objects.get(plaid_transaction_id=pending_id)
    assert pending.is_pending
    pending.category, pending.status, pending.notes = coffee, Status.CONFIRMED, "with Sam"
    pending.confirmed_at, pending.confirmed_by = timezone.now(), owner
    pending.save()

    posted_id = item.post(pending_id, amount=12.50, date="2026-10-05")
    result = sync.sync_item(item.item_id)
    assert (result.added, result.removed) == (1, 1)
    assert_matches_truth(item)
    posted = Transaction.objects.get(plaid_transaction_id=posted_id)
    assert posted.amount == Decimal("12.50") and not posted.is_pending
    assert (posted.category, posted.status, posted.notes) == (coffee, Status.CONFIRMED, "with Sam")
    assert posted.confirmed_by == owner
    memory = DeletedTransaction.objects.get(plaid_transaction_id=pending_id)
    assert memory.reason == DeleteReason.BANK_REMOVED


def test_sync_pending_and_posted_on_different_pages_of_one_update(fake_plaid, monkeypatch):
    monkeypatch.setattr(gateway, "SYNC_PAGE_SIZE", 1)
    item = fake_plaid.add_item()
    pending_id = item.add(amount=20.00, date="2026-10-03", name="HARDWARE STORE", pending=True)
    link_fake_item(fake_plaid, item)
    Transaction.objects.filter(plaid_transaction_id=pending_id).update(notes="for the shed")
    item.add(amount=5.00, date="2026-10-04", name="BAKERY")
    posted_id = item.post(pending_id)
    sync.sync_item(item.item_id)
    assert len(fake_plaid.cursors_requested(item)) > 3
    assert_matches_truth(item)
    assert Transaction.objects.get(plaid_transaction_id=posted_id).notes == "for the shed"


def test_sync_modified_updates_facts_but_never_a_confirmed_category(fake_plaid):
    item = fake_plaid.add_item()
    kept = item.add(amount=40.00, date="2026-10-01", name="GROCER 1", merchant_name="Grocer")
    waiting = item.add(amount=8.00, date="2026-10-02", name="UNKNOWN 22")
    link_fake_item(fake_plaid, item)
    groceries = _category("Groceries")
    Transaction.objects.filter(plaid_transaction_id=kept).update(
        category=groceries, status=Status.CONFIRMED, notes="weekly shop")
    item.modify(kept, amount=42.10, date="2026-10-02", name="GROCER ONE", merchant_name="Grocer One")
    item.modify(waiting, amount=9.00)
    result = sync.sync_item(item.item_id)
    assert result.modified == 2 and result.added == 0
    assert_matches_truth(item)
    t = Transaction.objects.get(plaid_transaction_id=kept)
    assert (t.category, t.status, t.notes) == (groceries, Status.CONFIRMED, "weekly shop")
    assert t.merchant_name and "Grocer" in t.merchant_name
    assert Transaction.objects.get(plaid_transaction_id=waiting).status == Status.PENDING_REVIEW


def test_sync_removed_rows_go_to_deleted_transactions(fake_plaid):
    item = fake_plaid.add_item()
    _history(item, 5)
    link_fake_item(fake_plaid, item)
    gone = next(iter(item.truth()))
    item.remove(gone)
    result = sync.sync_item(item.item_id)
    assert result.removed == 1
    assert_matches_truth(item)
    memory = DeletedTransaction.objects.get(plaid_transaction_id=gone)
    assert memory.reason == DeleteReason.BANK_REMOVED and memory.snapshot


def test_sync_keeps_two_identical_purchases_from_different_syncs(fake_plaid):
    item = fake_plaid.add_item()
    item.add(amount=4.50, date="2026-10-07", name="COFFEE CART")
    link_fake_item(fake_plaid, item)
    item.add(amount=4.50, date="2026-10-07", name="COFFEE CART")
    assert sync.sync_item(item.item_id).added == 1
    assert_matches_truth(item)


def test_sync_restarts_from_the_saved_cursor_after_mutation_during_pagination(fake_plaid, monkeypatch):
    monkeypatch.setattr(gateway, "SYNC_PAGE_SIZE", 2)
    item = fake_plaid.add_item()
    link_fake_item(fake_plaid, item)
    start = Account.objects.of_item(item.item_id).first().plaid_cursor
    _history(item, 5)
    fake_plaid.mutate_during_pagination(item, after_pages=1)
    first = len(fake_plaid.cursors_requested(item))
    result = sync.sync_item(item.item_id)
    assert result.status == SyncStatus.SUCCESS and result.added == 6
    cursors = fake_plaid.cursors_requested(item)[first:]
    assert cursors[:3] == [start, "cur-2", start]  # page 2 failed: back to where the loop began
    assert_matches_truth(item)
    assert "LANDED DURING PAGINATION" in {t.description for t in _ledger(item).values()}


def test_sync_login_required_pauses_the_item_until_repaired(fake_plaid):
    item = fake_plaid.add_item()
    _history(item, 3)
    link_fake_item(fake_plaid, item)
    item.error = "ITEM_LOGIN_REQUIRED"
    item.add(amount=7.00, date="2026-10-09", name="AFTER THE PASSWORD CHANGE")
    result = sync.sync_item(item.item_id, trigger=SyncTrigger.SCHEDULED)
    assert result.status == SyncStatus.ERROR and "log in again" in result.message
    accounts = Account.objects.of_item(item.item_id)
    assert {a.plaid_connection_status for a in accounts} == {ConnectionStatus.ERROR}
    assert all("Reconnect" in a.last_sync_error for a in accounts)
    assert SyncLog.objects.filter(status=SyncStatus.ERROR).count() == 3
    assert len(item.truth()) == 4 and len(_ledger(item)) == 3  # the last known truth stays

    calls = fake_plaid.calls("/transactions/sync")
    (skipped,) = sync.sync_items(trigger=SyncTrigger.SCHEDULED)
    assert skipped.status == SyncStatus.SKIPPED and fake_plaid.calls("/transactions/sync") == calls

    item.error = None  # the person logs in again through Link in update mode
    repaired = sync.repair_item(accounts.first())
    assert repaired.sync.status == SyncStatus.SUCCESS and repaired.sync.added == 1
    assert {a.plaid_connection_status for a in accounts.all()} == {ConnectionStatus.CONNECTED}
    assert_matches_truth(item)


def test_sync_retries_rate_limit_and_server_error_then_succeeds(fake_plaid):
    item = fake_plaid.add_item()
    link_fake_item(fake_plaid, item)
    _history(item, 4)
    fake_plaid.fail("/transactions/sync", status=429, error_type="RATE_LIMIT_EXCEEDED",
                    error_code="TRANSACTIONS_SYNC_LIMIT")
    fake_plaid.fail("/transactions/sync", status=500, error_type="API_ERROR",
                    error_code="INTERNAL_SERVER_ERROR")
    result = sync.sync_item(item.item_id)
    assert result.status == SyncStatus.SUCCESS and result.added == 4
    assert_matches_truth(item)


def test_sync_gives_up_after_the_retries_and_keeps_the_cursor(fake_plaid):
    item = fake_plaid.add_item()
    link_fake_item(fake_plaid, item)
    cursor = Account.objects.of_item(item.item_id).first().plaid_cursor
    _history(item, 4)
    fake_plaid.fail("/transactions/sync", status=400, error_type="INSTITUTION_ERROR",
                    error_code="INSTITUTION_DOWN", times=3)
    result = sync.sync_item(item.item_id)
    assert result.status == SyncStatus.ERROR and "INSTITUTION_DOWN" in result.message
    assert fake_plaid.calls("/transactions/sync") == 1 + 3  # the first sync, then 3 attempts
    accounts = Account.objects.of_item(item.item_id)
    assert {a.plaid_cursor for a in accounts} == {cursor}
    assert {a.plaid_connection_status for a in accounts} == {ConnectionStatus.CONNECTED}
    assert not _ledger(item)
    assert sync.sync_item(item.item_id).added == 4  # the next run picks everything up
    assert_matches_truth(item)


def test_sync_slow_answer_times_out_and_is_retried(fake_plaid, settings):
    settings.PLAID_TIMEOUT_SECONDS = 0.3
    item = fake_plaid.add_item()
    _history(item, 3)
    fake_plaid.stall("/transactions/sync", seconds=2)
    result = link_fake_item(fake_plaid, item).sync
    fake_plaid.release()
    assert result.status == SyncStatus.SUCCESS
    assert_matches_truth(item)


def test_sync_balance_failure_keeps_the_synced_transactions(fake_plaid):
    item = fake_plaid.add_item()
    _history(item, 3)
    fake_plaid.fail("/accounts/balance/get", status=429, error_type="RATE_LIMIT_EXCEEDED",
                    error_code="ACCOUNTS_BALANCE_GET_LIMIT", times=3)
    result = link_fake_item(fake_plaid, item).sync
    assert result.status == SyncStatus.SUCCESS and not result.balances_updated
    assert "balances were not updated" in result.message
    assert_matches_truth(item)


def test_sync_one_failing_item_never_stops_the_others(fake_plaid):
    broken, healthy = fake_plaid.add_item("ins_109508"), fake_plaid.add_item("ins_109509")
    link_fake_item(fake_plaid, broken)
    link_fake_item(fake_plaid, healthy)
    broken.error = "ITEM_LOGIN_REQUIRED"
    _history(healthy, 6)
    results = {r.item_id: r for r in sync.sync_items(trigger=SyncTrigger.SCHEDULED)}
    assert results[broken.item_id].status == SyncStatus.ERROR
    assert results[healthy.item_id].added == 6
    assert_matches_truth(healthy)


def test_sync_skip_pending_setting_ignores_pending_rows(fake_plaid, settings):
    settings.BUDGET_PLAID_SKIP_PENDING = True
    item = fake_plaid.add_item()
    pending = item.add(amount=3.00, date="2026-10-01", name="TOLL ROAD", pending=True)
    item.add(amount=9.00, date="2026-10-01", name="PHARMACY")
    result = link_fake_item(fake_plaid, item).sync
    assert result.added == 1 and result.skipped == 1
    posted = item.post(pending)
    sync.sync_item(item.item_id)
    assert set(_ledger(item)) == set(item.truth()) and posted in _ledger(item)


def test_sync_ignores_accounts_not_linked_here(fake_plaid):
    item = fake_plaid.add_item()
    link_fake_item(fake_plaid, item)
    extra = item.add_account("Hidden Savings", "9999")
    item.add(account=3, amount=1.00, date="2026-10-01", name="INTEREST")
    result = sync.sync_item(item.item_id)
    assert result.added == 0 and result.skipped == 1
    assert not Account.objects.filter(plaid_account_id=extra.account_id).exists()


def test_sync_unreadable_token_asks_to_reconnect(fake_plaid, settings):
    item = fake_plaid.add_item()
    link_fake_item(fake_plaid, item)
    settings.FERNET_KEYS = ["ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg="]
    result = sync.sync_item(item.item_id)
    assert result.status == SyncStatus.ERROR and "cannot be decrypted" in result.message
    assert Account.objects.of_item(item.item_id).first().plaid_connection_status == "reconnect"


def test_sync_claim_refuses_a_second_sync_and_frees_stale_claims(settings):
    account = LinkedAccountFactory()
    token = sync._claim(account.plaid_item_id)
    assert token and sync._claim(account.plaid_item_id) is None
    result = sync.sync_item(account.plaid_item_id)
    assert result.status == SyncStatus.SKIPPED and result.message == sync.BUSY_MESSAGE
    assert SyncLog.objects.get().status == SyncStatus.SKIPPED
    Account.objects.update(sync_claimed_at=timezone.now() - datetime.timedelta(hours=1))
    assert sync._claim(account.plaid_item_id) not in (None, token)


@pytest.mark.django_db(transaction=True)
def test_sync_two_at_once_one_runs_one_is_refused(fake_plaid):
    item = fake_plaid.add_item()
    _history(item, 5)
    link = link_fake_item(fake_plaid, item)
    assert link.sync.added == 5
    item.add(amount=2.00, date="2026-10-10", name="NEWER")
    fake_plaid.stall("/transactions/sync")
    outcome = {}
    first = threading.Thread(target=lambda: outcome.update(first=sync.sync_item(item.item_id)))
    first.start()
    assert fake_plaid.stalled.wait(10)
    second = sync.sync_item(item.item_id, trigger=SyncTrigger.SCHEDULED)
    assert second.status == SyncStatus.SKIPPED and "running" in second.message
    fake_plaid.release()
    first.join(10)
    assert outcome["first"].status == SyncStatus.SUCCESS and outcome["first"].added == 1
    assert_matches_truth(item)
    assert not Account.objects.exclude(sync_claim_token="").exists()


def test_sync_never_logs_or_stores_the_access_token(fake_plaid, caplog):
    caplog.set_level(logging.DEBUG)
    item = fake_plaid.add_item()
    link_fake_item(fake_plaid, item)
    fake_plaid.fail("/transactions/sync", status=500, error_type="API_ERROR",
                    error_code="INTERNAL_SERVER_ERROR", times=5)
    sync.sync_item(item.item_id)
    item.error = "ITEM_LOGIN_REQUIRED"
    sync.sync_item(item.item_id)
    assert item.access_token not in caplog.text
    messages = " ".join(SyncLog.objects.values_list("error_message", flat=True).exclude(error_message=None))
    assert "INTERNAL_SERVER_ERROR" in messages and item.access_token not in messages
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT plaid_access_token FROM accounts")
        stored = [row[0] for row in cursor.fetchall()]
    assert stored and all(item.access_token not in value for value in stored)  # ciphertext only


def test_link_refuses_an_institution_already_linked(fake_plaid):
    item = fake_plaid.add_item("ins_109508")
    link_fake_item(fake_plaid, item)
    second = fake_plaid.add_item("ins_109508")
    result = link_fake_item(fake_plaid, second)
    assert result.already_linked and not result.accounts
    assert fake_plaid.calls("/item/public_token/exchange") == 1
    assert Account.objects.count() == 3


def test_link_adopts_a_manual_account_with_the_same_last_digits(fake_plaid):
    manual = AccountFactory(name="Everyday", institution="First Platypus", mask="0000")
    item = fake_plaid.add_item()
    item.add(amount=11.00, date="2026-10-02", name="BOOKSHOP")
    result = link_fake_item(fake_plaid, item)
    assert result.adopted == [manual] and len(result.accounts) == 2
    manual.refresh_from_db()
    assert manual.plaid_item_id == item.item_id and manual.name == "Everyday"
    assert manual.transactions.get().description == "BOOKSHOP"


def test_repair_with_add_accounts_links_the_new_accounts(fake_plaid):
    item = fake_plaid.add_item()
    result = link_fake_item(fake_plaid, item)
    extra = item.add_account("Holiday Fund", "4444", subtype="savings")
    item.add(account=3, amount=-100.00, date="2026-10-02", name="TRANSFER IN")
    repaired = sync.repair_item(result.accounts[0], add_accounts=True)
    (new,) = repaired.new_accounts
    assert (new.name, new.mask, new.account_type, new.plaid_account_id) == (
        "Holiday Fund", "4444", "savings", extra.account_id)
    assert new.plaid_access_token == item.access_token
    assert_matches_truth(item)


def test_webhook_sync_updates_available_starts_a_sync(fake_plaid):
    item = fake_plaid.add_item()
    link_fake_item(fake_plaid, item)
    started = []
    payload = {"webhook_type": "TRANSACTIONS", "webhook_code": "SYNC_UPDATES_AVAILABLE",
               "item_id": item.item_id}
    assert sync.handle_webhook(payload, start_sync=started.append) == "sync started"
    assert started == [item.item_id]
    error = {"webhook_type": "ITEM", "webhook_code": "ERROR", "item_id": item.item_id,
             "error": {"error_code": "ITEM_LOGIN_REQUIRED"}}
    sync.handle_webhook(error, start_sync=started.append)
    assert Account.objects.needing_user().count() == 3
    sync.handle_webhook({"webhook_type": "ITEM", "webhook_code": "LOGIN_REPAIRED",
                         "item_id": item.item_id}, start_sync=started.append)
    assert not Account.objects.needing_user().exists()
    assert sync.handle_webhook({**payload, "item_id": "nope"}, start_sync=started.append).startswith(
        "ignored")


# -- a sync killed with SIGKILL, then run again ------------------------------------------

def _stored(connect) -> dict[str, tuple]:
    with connect() as conn:
        rows = conn.execute("SELECT plaid_transaction_id, amount, date, description FROM transactions")
        found = {}
        for txn_id, amount, day, description in rows:
            assert txn_id not in found, f"duplicate {txn_id}"
            found[txn_id] = (Decimal(str(amount)).quantize(CENT), str(day), description)
        return found


def _truth(item) -> dict[str, tuple]:
    return {txn_id: (Decimal(str(d["amount"])).quantize(CENT), d["date"], d["name"])
            for txn_id, d in item.truth().items()}


@pytest.mark.slow
def test_sync_killed_at_any_point_then_rerun_reaches_the_truth(tmp_path):
    with FakePlaid() as fake, scratch_database(tmp_path) as (db_env, connect):
        env = {**os.environ, **db_env, "BUDGET_HOME": str(tmp_path),
               "DJANGO_SETTINGS_MODULE": "budgetsite.settings",
               "PLAID_CLIENT_ID": fake.client_id, "PLAID_SECRET": fake.secret,
               "PLAID_API_HOST": fake.url, "PLAID_SYNC_CLAIM_TIMEOUT_SECONDS": "1",
               "PLAID_RETRY_BASE_SECONDS": "0.01", "BUDGET_RUN_SCHEDULER": "false"}

        def manage(*args: str) -> subprocess.Popen:
            return subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

        def finish(*args: str) -> str:
            proc = manage(*args)
            out, _ = proc.communicate(timeout=120)
            assert proc.returncode == 0, out
            return out

        finish("migrate", "--noinput")
        assert "First sync" in finish("plaid_connect", "--sandbox", "--institution", "ins_109508")
        (item,) = fake.items.values()
        _history(item, 1200)  # three pages of 500
        for txn_id in list(item.truth())[:40]:
            item.modify(txn_id, amount=99.99)
        for txn_id in list(item.truth())[40:60]:
            item.remove(txn_id)

        # 1. killed while fetching pages: nothing written, the cursor unchanged.
        fake.stall("/transactions/sync", skip=1)
        proc = manage("sync")
        assert fake.stalled.wait(60)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        fake.release()
        assert _stored(connect) == {}

        # 2. killed after the commit, while fetching balances: everything is there.
        fake.stall("/accounts/balance/get")
        threading.Event().wait(1.2)  # the dead run's claim goes stale
        proc = manage("sync")
        assert fake.stalled.wait(60)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        fake.release()
        assert _stored(connect) == _truth(item)

        # 3. new changes, a clean run: exactly the truth, the dead runs' logs closed.
        item.remove(next(iter(item.truth())))
        item.add(amount=5.55, date="2026-10-20", name="AFTER THE CRASHES")
        threading.Event().wait(1.2)
        out = finish("sync")
        assert "1 added, 0 modified, 1 removed" in out
        assert _stored(connect) == _truth(item)
        with connect() as conn:
            statuses = [row[0] for row in conn.execute("SELECT status FROM sync_log")]
            claims = conn.execute("SELECT DISTINCT sync_claim_token FROM accounts").fetchall()
        assert "running" not in statuses and claims == [("",)]
