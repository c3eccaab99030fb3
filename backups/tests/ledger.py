"""A ledger with something in every table, and a row-by-row picture of the databases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connections
from django.utils import timezone

from accounts.models import SyncLog
from accounts.tests.factories import LinkedAccountFactory
from budgets.models import Budget
from budgetsite.seed import seed_defaults
from categories.models import Category
from insights.models import RecurringDismissal
from investments.tests.factories import HoldingFactory, PriceFactory
from notifications.models import NotificationLog
from transactions.deletion import delete_transactions
from transactions.demo import load_demo
from transactions.models import ImportProfile, Status, Transaction
from transactions.tests.factories import TransactionFactory


def fill_ledger(user) -> None:
    """Defaults, a generated year, and the odd cases an export must carry exactly."""
    seed_defaults()
    load_demo(today=dt.date(2026, 10, 15))
    groceries = Category.objects.get(short_desc="groceries")
    linked = LinkedAccountFactory(balance_current=Decimal("1234.50"), plaid_cursor="cursor-1")
    SyncLog.objects.create(account=linked, trigger="scheduled", status="success", added=3,
                           duration_seconds=1.25)
    now = timezone.now()
    odd = [
        TransactionFactory(account=linked, amount=Decimal("-2500.00"), merchant_name=None,
                           description='PAYROLL "ACME", INC\nline two', status=Status.CONFIRMED,
                           category=groceries, confirmed_by=user, confirmed_at=now,
                           prediction_confidence=0.1 + 0.2, notes="ünïcode ✓, comma"),
        TransactionFactory(account=linked, amount=Decimal("0.01"), merchant_name="",
                           status=Status.PENDING_SAVE, predicted_category=groceries),
        TransactionFactory(account=linked, amount=Decimal("9999999999.99"), is_pending=None),
    ]
    odd[1].possible_duplicate_of = odd[0]
    odd[1].save()
    delete_transactions(Transaction.objects.filter(account=linked, amount=Decimal("0.01")), user=user)
    delete_transactions(Transaction.objects.order_by("id")[:3], user=user)
    Budget.objects.create(category=groceries, month="2026-10", amount=Decimal("612.34"), rollover=True)
    RecurringDismissal.objects.create(merchant_key="netflix")
    ImportProfile.objects.create(name="My bank", header_signature="abc",
                                 mapping={"date": 0, "amount": [1, 2]})
    NotificationLog.objects.create(transaction=odd[0], email_message_id="<m1@example.com>", sent_at=now)
    # The investments database: a holding (its updated_at is auto_now) and a price.
    holding = HoldingFactory(quantity=Decimal("12.345678"), cost_basis=Decimal("1500.25"))
    PriceFactory(security=holding.security, close=Decimal("123.4567"))


def all_rows(alias: str = "default") -> dict[str, list[tuple]]:
    """Every row of every table of one database, in a stable order."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        found = {}
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            found[table] = sorted(cursor.fetchall(), key=repr)
    return found
