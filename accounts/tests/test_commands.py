"""manage.py plaid_connect, sync and rotate_keys; the scheduled sync job."""

import json
from io import StringIO

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection

from accounts import jobs
from accounts.crypto import fernet
from accounts.models import Account, ConnectionStatus, SyncLog, SyncStatus
from accounts.tests.factories import AccountFactory, link_fake_item
from budgetsite.home import write_secrets

pytest_plugins = ["tests.fakes.fixtures"]
pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def test_plaid_connect_links_a_sandbox_bank_without_a_browser(fake_plaid):
    out = _run("plaid_connect", "--sandbox", "--institution", "ins_109508", "--name", "Platypus")
    assert "Linked Platypus Plaid Checking" in out and "First sync: Platypus: 0 added" in out
    assert Account.objects.filter(institution="Platypus").count() == 3
    with pytest.raises(CommandError, match="already linked"):
        _run("plaid_connect", "--sandbox", "--institution", "ins_109508")


def test_plaid_connect_explains_missing_keys_and_plaid_refusals(fake_plaid, settings):
    with pytest.raises(CommandError, match="INVALID_INSTITUTION"):
        _run("plaid_connect", "--sandbox", "--institution", "ins_nope")
    settings.PLAID_SECRET = ""
    with pytest.raises(CommandError, match="PLAID_SECRET"):
        _run("plaid_connect", "--sandbox")


def test_sync_command_prints_a_line_per_bank_and_fails_when_one_fails(fake_plaid):
    good, bad = fake_plaid.add_item("ins_109508"), fake_plaid.add_item("ins_109509")
    good_account = link_fake_item(fake_plaid, good).accounts[0]
    link_fake_item(fake_plaid, bad)
    good.add(amount=5.00, date="2026-10-01", name="NEWSAGENT")
    bad.error = "ITEM_LOGIN_REQUIRED"
    out = StringIO()
    with pytest.raises(CommandError, match="1 of 2 banks failed"):
        call_command("sync", stdout=out)
    lines = out.getvalue().splitlines()
    assert any(line.startswith("First Platypus Bank: 1 added") for line in lines)
    assert any("First Gingham Credit Union: failed" in line and "log in again" in line for line in lines)
    # The broken bank is skipped until repaired, unless asked for with --all.
    assert "needs you to reconnect" in _run("sync")
    assert "1 added" not in _run("sync", "--account", str(good_account.pk))
    with pytest.raises(CommandError):
        call_command("sync", "--all", stdout=StringIO())


def test_sync_command_selects_by_account_or_item(fake_plaid):
    item = fake_plaid.add_item()
    account = link_fake_item(fake_plaid, item).accounts[0]
    assert f"[item {item.item_id}]" in _run("sync", "--item", item.item_id)
    assert "First Platypus Bank: 0 added" in _run("sync", "--account", account.name)
    with pytest.raises(CommandError, match="no linked bank has item id"):
        _run("sync", "--item", "item-nope")
    manual = AccountFactory(name="Cash")
    with pytest.raises(CommandError, match="manual account"):
        _run("sync", "--account", str(manual.pk))


def test_sync_command_with_nothing_linked(db):
    assert "No linked banks" in _run("sync")


def test_sync_job_is_registered_at_the_configured_interval(settings):
    settings.BUDGET_SYNC_INTERVAL_HOURS = 2
    scheduler = BackgroundScheduler()
    jobs.register(scheduler)
    (job,) = scheduler.get_jobs()
    assert job.id == "plaid_sync_all" and job.trigger.interval.total_seconds() == 7200
    assert job.func is jobs.sync_all_banks


def test_sync_job_skips_banks_waiting_for_a_person(fake_plaid, monkeypatch):
    monkeypatch.setattr(jobs, "close_old_connections", lambda: None)  # the test's transaction
    ok, broken = fake_plaid.add_item("ins_109508"), fake_plaid.add_item("ins_109509")
    link_fake_item(fake_plaid, ok)
    link_fake_item(fake_plaid, broken)
    Account.objects.of_item(broken.item_id).update(plaid_connection_status=ConnectionStatus.ERROR)
    before = fake_plaid.calls("/transactions/sync")
    jobs.sync_all_banks()
    assert fake_plaid.calls("/transactions/sync") == before + 1
    scheduled = SyncLog.objects.filter(trigger="scheduled")
    assert scheduled.count() == 3 and {log.status for log in scheduled} == {SyncStatus.SUCCESS}


def _stored_tokens() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT plaid_access_token FROM accounts")
        return [row[0] for row in cursor.fetchall()]


def test_rotate_keys_puts_a_new_key_first_and_reencrypts(fake_plaid, settings, tmp_path, monkeypatch):
    monkeypatch.delenv("BUDGET_FERNET_KEYS", raising=False)
    settings.BUDGET_HOME = tmp_path
    old_keys = list(settings.FERNET_KEYS)
    write_secrets(tmp_path, {"SECRET_KEY": "s", "FERNET_KEYS": ",".join(old_keys)})
    item = fake_plaid.add_item()
    link_fake_item(fake_plaid, item)
    before = _stored_tokens()

    out = _run("rotate_keys")
    assert "Re-encrypted 3 access tokens" in out
    keys = json.loads((tmp_path / "secrets.json").read_text())["FERNET_KEYS"].split(",")
    assert keys[1:] == old_keys and keys[0] not in old_keys
    after = _stored_tokens()
    assert after != before
    assert {Fernet(keys[0].encode()).decrypt(t.encode()).decode() for t in after} == {item.access_token}
    settings.FERNET_KEYS = keys
    fernet.cache_clear()
    assert Account.objects.first().plaid_access_token == item.access_token


def test_rotate_keys_from_the_environment_only_prints_the_new_value(settings, monkeypatch, tmp_path):
    settings.BUDGET_HOME = tmp_path
    monkeypatch.setenv("BUDGET_FERNET_KEYS", ",".join(settings.FERNET_KEYS))
    AccountFactory(plaid_item_id="i", plaid_access_token="access-x")
    before = _stored_tokens()
    out = _run("rotate_keys")
    assert "BUDGET_FERNET_KEYS=" in out and "--reencrypt-only" in out
    assert _stored_tokens() == before and not (tmp_path / "secrets.json").exists()
    new_value = out.split("BUDGET_FERNET_KEYS=")[1].split()[0]
    settings.FERNET_KEYS = new_value.split(",")
    assert "Re-encrypted 1 access tokens" in _run("rotate_keys", "--reencrypt-only")
    assert Fernet(settings.FERNET_KEYS[0].encode()).decrypt(_stored_tokens()[0].encode()) == b"access-x"
