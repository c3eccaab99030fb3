"""Full export → import into an empty installation → the same ledger; and what import refuses."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Account, ConnectionStatus
from backups import export_format as fmt
from backups.export import write_export
from backups.load_export import ImportDataError, load_export
from backups.tests.ledger import all_rows, fill_ledger
from transactions.models import Transaction

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def _export(path: Path) -> dict:
    with open(path, "wb") as fh:
        return write_export(fh)


def _csv(path: Path, name: str) -> list[dict]:
    with zipfile.ZipFile(path) as archive:
        return list(csv.DictReader(io.StringIO(archive.read(name).decode())))


def _empty_installation() -> None:
    for alias in settings.DATABASES:
        call_command("flush", interactive=False, allow_cascade=True, database=alias)


def _ledger_tables() -> set[str]:
    return {m._meta.db_table for m in fmt.exported_models()}


def _picture() -> dict[str, list]:
    """Rows of every exported table, minus what import rightly changes or cannot carry."""
    rows = {t: r for alias in settings.DATABASES for t, r in all_rows(alias).items() if t in _ledger_tables()}
    columns = {m._meta.db_table: [f.column for f in m._meta.concrete_fields] for m in fmt.exported_models()}
    dropped = {"auth_user": {"password"}, "accounts": {"plaid_access_token", "plaid_connection_status"}}
    derived = {m._meta.db_table for m in fmt.exported_models() if fmt.is_derived(m)}
    picture = {}
    for table, table_rows in rows.items():
        keep = [i for i, c in enumerate(columns[table])
                if c not in dropped.get(table, set()) and not (table in derived and c == "id")]
        picture[table] = sorted((tuple(row[i] for i in keep) for row in table_rows), key=repr)
    return picture


def test_export_then_import_into_an_empty_installation_gives_the_same_ledger(owner, tmp_path):
    fill_ledger(owner)
    Account.objects.filter(plaid_item_id__isnull=False).update(plaid_connection_status="connected")
    before = _picture()
    ledger = ("transactions", "deleted_transactions", "import_batches", "budgets", "accounts", "categories",
              "merchant_mappings", "amount_rules", "auth_user", "investments_holding", "investments_price")
    assert all(before[t] for t in ledger)
    export = tmp_path / "export.zip"
    manifest = _export(export)
    _empty_installation()
    assert Transaction.objects.count() == 0

    call_command("import_data", str(export))

    assert _picture() == before
    linked = Account.objects.get(plaid_item_id__isnull=False)
    assert linked.plaid_access_token is None and linked.plaid_connection_status == ConnectionStatus.RECONNECT
    assert not get_user_model().objects.get(username="owner").has_usable_password()
    counts = {t["table"]: t["rows"] for t in manifest["tables"]}
    assert counts["transactions"] == len(before["transactions"])
    # New rows after the import get fresh ids (sequences moved past the imported ones).
    assert Transaction.objects.create(account=linked, date="2026-11-01", description="NEW", amount="1.00",
                                      source="csv_import").pk > max(r[0] for r in before["transactions"])


def test_export_writes_exact_money_iso_dates_and_no_secrets(owner, tmp_path):
    fill_ledger(owner)
    export = tmp_path / "export.zip"
    manifest = _export(export)
    rows = _csv(export, "transactions.csv")
    big = next(r for r in rows if r["amount"] == "9999999999.99")
    assert big["is_pending"] == "" and big["notes"] == "" and big["merchant_name"] != "\\N"
    payroll = next(r for r in rows if r["amount"] == "-2500.00")
    assert payroll["description"] == 'PAYROLL "ACME", INC\nline two' and payroll["merchant_name"] == "\\N"
    assert payroll["prediction_confidence"] == repr(0.1 + 0.2)
    assert payroll["confirmed_at"].endswith("+00:00") and payroll["date"] == "2026-10-01"
    assert all(Decimal(r["amount"]).as_tuple().exponent == -2 for r in rows)
    budgets = _csv(export, "budgets.csv")
    assert [(b["amount"], b["rollover"]) for b in budgets] == [("612.34", "true")]
    accounts = _csv(export, "accounts.csv")
    assert "plaid_access_token" not in accounts[0] and "password" not in _csv(export, "auth_user.csv")[0]
    with zipfile.ZipFile(export) as archive:
        everything = b"".join(archive.read(n) for n in archive.namelist())
    assert b"access-sandbox-secret-token" not in everything and b"gAAAA" not in everything
    assert "Plaid access tokens" in " ".join(manifest["not_included"])
    assert manifest["schema"]["default"]["transactions"][0] == "0001_initial"
    table = next(t for t in manifest["tables"] if t["table"] == "transactions")
    assert table["rows"] == Transaction.objects.count() and "amount" in table["columns"]


def _edited(export: Path, target: Path, *, member: str, edit) -> Path:
    with zipfile.ZipFile(export) as src:
        members = {n: src.read(n) for n in src.namelist()}
    members[member] = edit(members[member].decode()).encode()
    with zipfile.ZipFile(target, "w") as dst:
        for name, data in members.items():
            dst.writestr(name, data)
    return target


@pytest.fixture
def exported(owner, tmp_path) -> Path:
    fill_ledger(owner)
    export = tmp_path / "export.zip"
    _export(export)
    _empty_installation()
    return export


def _refused(path: Path, words: str) -> None:
    with pytest.raises(ImportDataError, match=words):
        load_export(path)
    assert not any(rows for alias in settings.DATABASES for table, rows in all_rows(alias).items()
                   if table in _ledger_tables()), "nothing written"


def test_import_refuses_a_bad_value_and_says_where(exported, tmp_path):
    broken = _edited(exported, tmp_path / "bad.zip", member="budgets.csv",
                     edit=lambda t: t.replace("612.34", "612.3x4"))
    _refused(broken, r"budgets\.csv, line 2, column amount: '612\.3x4' is not a valid decimal value")
    with pytest.raises(CommandError, match="nothing was imported.*budgets.csv, line 2"):
        call_command("import_data", str(broken))


def test_import_refuses_malformed_zips(exported, tmp_path):
    not_zip = tmp_path / "notes.zip"
    not_zip.write_text("hello")
    _refused(not_zip, "not a readable zip file")

    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(exported.read_bytes()[:5000])
    _refused(truncated, "not a readable zip file|damaged")

    no_manifest = tmp_path / "nomanifest.zip"
    with zipfile.ZipFile(exported) as src, zipfile.ZipFile(no_manifest, "w") as dst:
        for name in src.namelist():
            if name != "manifest.json":
                dst.writestr(name, src.read(name))
    _refused(no_manifest, "has no manifest.json")

    no_tables = _edited(exported, tmp_path / "notables.zip", member="manifest.json",
                        edit=lambda t: json.dumps({**json.loads(t), "tables": "all of them"}))
    _refused(no_tables, "manifest.json has no valid list of tables")

    unknown_column = _edited(exported, tmp_path / "col.zip", member="categories.csv",
                             edit=lambda t: t.replace("display_name", "nickname", 1))
    _refused(unknown_column, r"categories\.csv, line 1: unknown column\(s\) nickname")

    short_row = _edited(exported, tmp_path / "short.zip", member="accounts.csv",
                        edit=lambda t: t.split("\r\n")[0] + "\r\n1,only two\r\n")
    _refused(short_row, r"accounts\.csv, line 2: 2 values for \d+ columns")

    def unknown_category(text: str) -> str:
        header, row, *rest = text.split("\r\n")
        values = row.split(",")
        values[header.split(",").index("category_id")] = "99999"
        return "\r\n".join([header, ",".join(values), *rest])

    dangling = _edited(exported, tmp_path / "dangling.zip", member="budgets.csv", edit=unknown_category)
    _refused(dangling, "do not fit together")


def test_import_refuses_an_export_from_a_newer_schema(exported, tmp_path):
    def newer(text: str) -> str:
        manifest = json.loads(text)
        manifest["schema"]["default"]["transactions"].append("9999_from_the_future")
        return json.dumps(manifest)

    _refused(_edited(exported, tmp_path / "newer.zip", member="manifest.json", edit=newer),
             r"newer version.*transactions\.9999_from_the_future")


def test_import_refuses_an_installation_that_holds_data(owner, tmp_path):
    fill_ledger(owner)
    export = tmp_path / "export.zip"
    _export(export)
    before = all_rows()
    with pytest.raises(ImportDataError, match=r"not empty: .*transactions \(\d+ rows\)"):
        load_export(export)
    assert all_rows() == before
