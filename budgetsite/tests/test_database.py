import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import IntegrityError, connection

from accounts.models import Account, AccountType
from tests.shared import sqlite_only
from transactions.models import Source, Transaction


@sqlite_only("WAL, busy timeout and IMMEDIATE transactions are SQLite's connection setup")
@pytest.mark.django_db
def test_connection_uses_wal_foreign_keys_and_busy_timeout():
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cursor.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] == 30000
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert Path(connection.settings_dict["NAME"]).is_file()  # a real file, not :memory:


@pytest.mark.django_db(transaction=True)
def test_transaction_with_missing_account_is_refused():
    with pytest.raises(IntegrityError):
        Transaction.objects.create(
            account_id=987654, date=datetime.date(2026, 1, 2), description="GHOST",
            amount=Decimal("1.00"), source=Source.CSV_IMPORT,
        )
    assert not Transaction.objects.exists()


@pytest.mark.django_db
def test_access_token_is_ciphertext_at_rest_and_decrypts():
    account = Account.objects.create(
        name="Checking", institution="Bank", account_type=AccountType.CHECKING,
        plaid_access_token="access-sandbox-1234-secret",
    )
    with connection.cursor() as cursor:
        raw = cursor.execute(
            "SELECT plaid_access_token FROM accounts WHERE id = %s", [account.pk]
        ).fetchone()[0]
    assert "access-sandbox" not in raw and raw.startswith("gAAAA")
    assert Account.objects.get(pk=account.pk).plaid_access_token == "access-sandbox-1234-secret"


@pytest.mark.django_db
def test_amounts_round_trip_as_decimal():
    account = Account.objects.create(name="A", institution="B", account_type=AccountType.CASH)
    Transaction.objects.create(
        account=account, date=datetime.date(2026, 3, 1), description="X",
        amount=Decimal("1234567.89"), source=Source.CSV_IMPORT,
    )
    amount = Transaction.objects.get().amount
    assert isinstance(amount, Decimal) and amount == Decimal("1234567.89")
