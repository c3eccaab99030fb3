"""Backups and restores on the real database files of the test run."""

from __future__ import annotations

import fcntl
import hashlib
import json
import sqlite3
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from backups.archive import list_backups
from backups.restore import RestoreError, restore_backup
from backups.snapshot import create_backup
from backups.tests.ledger import all_rows, fill_ledger
from budgets.models import Budget
from categories.models import Category
from transactions.models import DeletedTransaction, Transaction

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")
SQLITE_ONLY = pytest.mark.skipif("sqlite" not in settings.DATABASES["default"]["ENGINE"],
                                 reason="edits an SQLite file inside the backup")


def _change_everything(owner) -> None:
    Transaction.objects.filter(pk__in=Transaction.objects.order_by("id").values("id")[:50]).delete()
    Transaction.objects.filter(status="pending_review").update(notes="changed after the backup")
    Budget.objects.all().delete()
    Category.objects.create(short_desc="new_after_backup", display_name="New")
    DeletedTransaction.objects.all().delete()
    owner.email = "changed@example.com"
    owner.save()


def test_restore_round_trip_gives_back_every_row_of_every_table(owner):
    fill_ledger(owner)
    before = {alias: all_rows(alias) for alias in settings.DATABASES}
    backup = create_backup().backup
    _change_everything(owner)
    assert all_rows() != before["default"]

    result = restore_backup(backup.path)

    assert sorted(result.databases) == sorted(settings.DATABASES)
    for alias, tables in before.items():
        after = all_rows(alias)
        assert after.keys() == tables.keys()
        for table in tables:
            assert after[table] == tables[table], f"table {table} of {alias} differs after the restore"
    # The state before the restore was kept, and it holds the changes.
    assert result.safety_backup.label == "pre-restore"
    assert {b.name for b in list_backups()} == {backup.name, result.safety_backup.name}


def test_backup_manifest_describes_the_databases_and_the_secrets(owner):
    fill_ledger(owner)
    result = create_backup()
    with zipfile.ZipFile(result.backup.path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = set(archive.namelist())
    database = manifest["databases"]["default"]
    assert database["integrity"] == "ok"
    assert database["tables"]["transactions"] == Transaction.objects.count()
    assert "0001_initial" in database["migrations"]["transactions"]
    assert manifest["app_version"] and manifest["created_at"]
    assert manifest["secrets"]["file"] == "secrets.json" and "keys" in manifest["secrets"]["warning"]
    assert {"manifest.json", "secrets.json", database["file"]} <= names
    assert result.backup.path.stat().st_mode & 0o077 == 0


def test_backup_command_warns_that_the_backup_holds_the_keys(owner, capsys):
    fill_ledger(owner)
    call_command("backup")
    out, err = capsys.readouterr()
    assert "Backup written:" in out and "integrity ok" in out
    assert "holds secrets.json" in err
    assert len(list_backups()) == 1


def _rewrite(backup: Path, target: Path, edit_db=None, drop: str = "") -> Path:
    """A copy of `backup` whose default database went through `edit_db`, checksum updated."""
    with zipfile.ZipFile(backup) as src:
        manifest = json.loads(src.read("manifest.json"))
        members = {n: src.read(n) for n in src.namelist() if n != "manifest.json"}
    info = manifest["databases"]["default"]
    if edit_db:
        db = target.with_suffix(".sqlite3")
        db.write_bytes(members[info["file"]])
        edit_db(db)
        members[info["file"]] = db.read_bytes()
        info["sha256"] = hashlib.sha256(members[info["file"]]).hexdigest()
    with zipfile.ZipFile(target, "w") as dst:
        for name, data in members.items():
            if name != drop:
                dst.writestr(name, data)
        if drop != "manifest.json":
            dst.writestr("manifest.json", json.dumps(manifest))
    return target


def _refused(path: Path, words: str) -> None:
    before = all_rows()
    with pytest.raises(RestoreError, match=words):
        restore_backup(path)
    assert all_rows() == before
    assert not [b for b in list_backups() if b.label == "pre-restore"], "nothing happens before the checks"


@SQLITE_ONLY
def test_restore_refuses_a_backup_from_a_newer_schema(owner, tmp_path):
    fill_ledger(owner)
    backup = create_backup().backup

    def from_the_future(db: Path) -> None:
        with sqlite3.connect(db) as conn:
            conn.execute("INSERT INTO django_migrations (app, name, applied) "
                         "VALUES ('transactions', '9999_from_the_future', '2030-01-01')")

    newer = _rewrite(backup.path, tmp_path / "newer.zip", edit_db=from_the_future)
    Budget.objects.all().delete()
    _refused(newer, r"newer version .*transactions\.9999_from_the_future")
    with pytest.raises(CommandError, match="nothing was changed.*newer version"):
        call_command("restore", str(newer))


@SQLITE_ONLY
def test_restore_refuses_a_corrupt_database_file(owner, tmp_path):
    fill_ledger(owner)
    backup = create_backup().backup

    def damage(db: Path) -> None:
        data = bytearray(db.read_bytes())
        page = 4096
        for offset in range(page * 2, len(data) - page, page * 3):  # b-tree page headers
            data[offset:offset + 12] = b"\xff" * 12
        db.write_bytes(bytes(data))

    corrupt = _rewrite(backup.path, tmp_path / "corrupt.zip", edit_db=damage)
    _refused(corrupt, "failed its integrity check")


def test_restore_refuses_a_damaged_or_foreign_file(owner, tmp_path):
    fill_ledger(owner)
    backup = create_backup().backup
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(backup.path.read_bytes()[: backup.size // 2])
    _refused(truncated, "not a readable backup archive")

    flipped = tmp_path / "flipped.zip"
    data = bytearray(backup.path.read_bytes())
    data[2000] ^= 0xFF  # inside the first (database) member
    flipped.write_bytes(bytes(data))
    _refused(flipped, "damaged|not a readable|checksum")

    no_manifest = _rewrite(backup.path, tmp_path / "nomanifest.zip", drop="manifest.json")
    _refused(no_manifest, "has no manifest.json")

    bad_manifest = tmp_path / "badmanifest.zip"
    with zipfile.ZipFile(backup.path) as src, zipfile.ZipFile(bad_manifest, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name) if name != "manifest.json" else json.dumps(
                {**json.loads(src.read(name)), "databases": {"default": "budget.db"}}))
    _refused(bad_manifest, "manifest.json has no valid list of databases")

    not_a_zip = tmp_path / "notes.zip"
    not_a_zip.write_text("hello")
    _refused(not_a_zip, "not a readable backup archive")


def test_restore_command_names_the_safety_backup_and_says_to_stop_the_app(owner, capsys):
    fill_ledger(owner)
    backup = create_backup().backup
    Budget.objects.all().delete()
    call_command("restore", backup.name)  # a bare name is looked up in the backup folder
    out = capsys.readouterr().out
    assert "Stop the app" in out and "pre-restore" in out
    assert Budget.objects.get().amount == Decimal("612.34")


def test_restore_refuses_while_the_scheduler_runs(owner):
    fill_ledger(owner)
    backup = create_backup().backup
    with open(Path(settings.BUDGET_HOME) / "scheduler.lock", "a") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # what a running `serve` holds
        _refused(backup.path, "the app is running")
