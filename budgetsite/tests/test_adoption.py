"""Adopting the original app's budget.db in place with `migrate --fake-initial`.

Runs the real commands in a subprocess against a throw-away BUDGET_HOME that
holds a database built from the original DDL and filled in its formats.
"""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken

from tests.shared import sqlite_only

ROOT = Path(__file__).resolve().parents[2]
DDL = (Path(__file__).parent / "original_schema.sql").read_text()
LEGACY_KEY = Fernet.generate_key().decode()

pytestmark = sqlite_only("the original app's database is a SQLite file, adopted in place")

READ_BACK = """
import json
from accounts.models import Account
from budgets.models import Budget
from categories.models import AmountRule, Category, MerchantMapping
from transactions.models import DeletedTransaction, Transaction
t = Transaction.objects.get(pk=7)
a = Account.objects.get(pk=1)
print(json.dumps({
    "amount": repr(t.amount), "created_at": t.created_at.isoformat(), "date": t.date.isoformat(),
    "status": t.status, "confidence": t.prediction_confidence, "category": t.category.short_desc,
    "is_pending": t.is_pending, "token": a.plaid_access_token,
    "connection": a.plaid_connection_status, "balance": repr(a.balance_current),
    "budget": repr(Budget.objects.get().amount), "rule_amount": repr(AmountRule.objects.get().amount),
    "mapping": [MerchantMapping.objects.get().merchant_pattern, MerchantMapping.objects.get().confidence],
    "deleted_amount": repr(DeletedTransaction.objects.get().amount),
    "categories": Category.objects.count(), "transactions": Transaction.objects.count(),
}))
"""


def _original_db(home: Path) -> None:
    token = Fernet(LEGACY_KEY.encode()).encrypt(b"access-production-legacy-token").decode()
    con = sqlite3.connect(home / "budget.db")
    con.executescript(DDL)
    stamp = "2025-01-03 14:02:11.186372"
    con.executescript(f"""
        INSERT INTO categories VALUES (1,'food','Food',NULL,'#ff9800',0,0,'{stamp}');
        INSERT INTO categories VALUES (2,'groceries','Groceries',1,'#ff9800',0,0,'{stamp}');
        INSERT INTO categories VALUES (3,'paycheck','Paycheck',NULL,'#00ff00',1,1,'{stamp}');
        INSERT INTO accounts VALUES (1,'Checking','SoFi','checking','item-1','{token}','cursor-1',
            'acc-1','connected','{stamp}',NULL,1234.5,1200.0,NULL,'{stamp}','{stamp}');
        INSERT INTO transactions VALUES (7,1,'plaid-7','2025-01-03','SAFEWAY #123',NULL,54.23,2,2,
            'confirmed','plaid',0,'merchant_map',0.9,'{stamp}');
        INSERT INTO transactions VALUES (8,1,NULL,'2025-01-04','PAYROLL',NULL,-2500.0,NULL,3,
            'pending_review','csv_import',1,'ai',0.42,'{stamp}');
        INSERT INTO deleted_transactions VALUES (1,99,1,'Checking','2024-12-01','OLD',NULL,12.5,
            'Groceries','confirmed','csv_import','{stamp}');
        INSERT INTO merchant_mappings VALUES (1,'safeway',2,5,'{stamp}');
        INSERT INTO amount_rules VALUES (1,'APPLE.COM/BILL',0.99,0.0,'iCloud',2,NULL,'{stamp}');
        INSERT INTO budgets VALUES (1,2,'2025-01',600.0,'{stamp}');
        INSERT INTO sync_log VALUES (1,1,'scheduled','success',3,0,0,NULL,1.5,'{stamp}');
        INSERT INTO notification_log VALUES (1,8,'<m1@example.com>','{stamp}',NULL,NULL);
    """)
    con.commit()
    con.close()


def _manage(home: Path, *args: str, legacy_key: str = "") -> str:
    env = {**os.environ, "BUDGET_HOME": str(home), "DJANGO_SETTINGS_MODULE": "budgetsite.settings",
           "BUDGET_LEGACY_FERNET_KEY": legacy_key, "BUDGET_RUN_SCHEDULER": "false"}
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_adopt_original_database_keeps_every_row_and_reencrypts_tokens(tmp_path):
    _original_db(tmp_path)
    out = _manage(tmp_path, "migrate", "--fake-initial", "--noinput", legacy_key=LEGACY_KEY)
    assert "FAKED" in out
    values = json.loads(_manage(tmp_path, "shell", "-c", READ_BACK).strip().splitlines()[-1])
    assert values["amount"] == "Decimal('54.23')"
    assert values["created_at"] == "2025-01-03T14:02:11.186372+00:00"
    assert values["date"] == "2025-01-03" and values["status"] == "confirmed"
    assert values["confidence"] == 0.9 and values["category"] == "groceries"
    assert values["is_pending"] is False
    assert values["balance"] == "Decimal('1234.50')"
    assert values["budget"] == "Decimal('600.00')" and values["rule_amount"] == "Decimal('0.99')"
    assert values["mapping"] == ["safeway", 5]
    assert values["deleted_amount"] == "Decimal('12.50')"
    assert values["categories"] == 3 and values["transactions"] == 2
    assert values["token"] == "access-production-legacy-token"
    assert values["connection"] == "connected"
    raw = sqlite3.connect(tmp_path / "budget.db").execute(
        "SELECT plaid_access_token FROM accounts").fetchone()[0]
    assert "legacy-token" not in raw
    with pytest.raises(InvalidToken):  # re-encrypted with our key, not the original's
        Fernet(LEGACY_KEY.encode()).decrypt(raw.encode())


def test_adopt_without_legacy_key_marks_accounts_to_reconnect(tmp_path):
    _original_db(tmp_path)
    _manage(tmp_path, "migrate", "--fake-initial", "--noinput")
    values = json.loads(_manage(tmp_path, "shell", "-c", READ_BACK).strip().splitlines()[-1])
    assert values["token"] is None
    assert values["connection"] == "reconnect"
    assert values["amount"] == "Decimal('54.23')"
