"""ledger_months stays exactly equal to the ledger through every kind of write."""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command

from accounts.tests.factories import AccountFactory
from categories.models import Category
from categories.tests.factories import CategoryFactory
from insights import summary
from insights.models import LedgerCategoryMonth, LedgerMonth
from transactions import bulk, review
from transactions.deletion import delete_transactions, restore, revert_import, undo_revert
from transactions.importers.base import ImportRow
from transactions.ingest import ingest
from transactions.models import (
    CONFIRMED_STATUSES,
    PENDING_STATUSES,
    ImportBatch,
    Source,
    Status,
    Transaction,
)
from transactions.tests.factories import TransactionFactory

pytestmark = pytest.mark.django_db


def _expected() -> dict:
    """The summary recomputed in Python from every confirmed row (fine in a test)."""
    totals: dict = defaultdict(lambda: [0, Decimal("0")])
    for t in Transaction.objects.filter(status__in=CONFIRMED_STATUSES):
        key = (t.date.strftime("%Y-%m"), t.category_id or 0, t.merchant_key)
        totals[key][0] += 1
        totals[key][1] += t.amount
    return {key: (n, int(total * 100)) for key, (n, total) in totals.items()}


def _stored() -> dict:
    return {
        (m.month, m.category_id, m.merchant_key): (m.count, m.total_cents)
        for m in LedgerMonth.objects.all()
    }


def _by_category(merchants: dict) -> dict:
    totals: dict = defaultdict(lambda: [0, 0])
    for (month, category, _), (n, total) in merchants.items():
        totals[(month, category)][0] += n
        totals[(month, category)][1] += total
    return {key: tuple(value) for key, value in totals.items()}


def _check() -> None:
    expected = _expected()
    assert _stored() == expected
    stored = {(m.month, m.category_id): (m.count, m.total_cents) for m in LedgerCategoryMonth.objects.all()}
    assert stored == _by_category(expected)


@pytest.fixture
def groceries():
    return CategoryFactory(short_desc="groceries", display_name="Groceries")


def _rows(*specs):
    return [ImportRow(date=datetime.date(2026, month, day), description=text, amount=Decimal(amount),
                      category_name=category) for month, day, text, amount, category in specs]


def test_statuses_are_either_counted_or_pending():
    """The triggers count CONFIRMED_STATUSES; every other status must be a pending one."""
    assert set(CONFIRMED_STATUSES) | set(PENDING_STATUSES) == set(Status.values)


def test_summary_follows_imports_edits_deletes_and_undo(groceries):
    coffee = CategoryFactory(short_desc="coffee", display_name="Coffee")
    account = AccountFactory()
    names = {"groceries": groceries.pk, "coffee": coffee.pk}
    archive = ingest(_rows(
        (9, 3, "SAFEWAY #1 OAKLAND CA", "54.23", "groceries"),
        (9, 20, "SAFEWAY #1 OAKLAND CA", "10.01", "groceries"),
        (10, 2, "STARBUCKS STORE 9", "4.50", "coffee"),
        (10, 2, "STARBUCKS STORE 9", "-4.50", "coffee"),
    ), account=account, source=Source.ARCHIVE, file_name="old.csv", categories=names.get)
    assert LedgerMonth.objects.count() == 2  # September Safeway, October Starbucks
    _check()

    # A file of new rows waits for review: nothing counts until it is confirmed.
    ingest(_rows((10, 5, "SAFEWAY #1 OAKLAND CA", "20.00", ""), (10, 6, "BLUE BOTTLE", "6.00", "")),
           account=account, source=Source.CSV_IMPORT, file_name="new.csv")
    _check()
    pending = list(Transaction.objects.filter(status=Status.PENDING_REVIEW))
    review.stage([t.pk for t in pending], category_id=coffee.pk)
    _check()
    review.save_staged()
    _check()
    bottle = LedgerMonth.objects.get(month="2026-10", category_id=coffee.pk, merchant_key="blue bottle")
    assert bottle.count == 1

    # Edits: category, amount, date to another month, merchant; one by save(), one by update().
    t = Transaction.objects.get(description="BLUE BOTTLE")
    t.category = groceries
    t.save()
    _check()
    Transaction.objects.filter(pk=t.pk).update(amount=Decimal("7.25"), date=datetime.date(2026, 11, 1))
    _check()
    Transaction.objects.filter(pk=t.pk).update(merchant_key="blue bottle coffee", status=Status.PENDING_SAVE)
    _check()
    Transaction.objects.filter(pk=t.pk).update(status=Status.AUTO_CONFIRMED)
    _check()

    # Delete and undo, revert and undo.
    memories = delete_transactions(list(Transaction.objects.filter(date__month=9)))
    _check()
    assert not LedgerMonth.objects.filter(month="2026-09").exists()
    restore(memories)
    _check()
    revert_import(ImportBatch.objects.get(pk=archive.batch_id))
    _check()
    undo_revert(ImportBatch.objects.get(pk=archive.batch_id))
    _check()

    # A deleted category leaves its confirmed rows uncategorized (category 0).
    Category.objects.filter(pk=coffee.pk).delete()
    _check()
    assert LedgerMonth.objects.filter(category_id=0).exists()


def test_rebuild_matches_the_triggers(groceries):
    for day in range(1, 6):
        TransactionFactory(date=datetime.date(2026, 8, day), category=groceries, status=Status.CONFIRMED,
                           description="SHOP", amount=Decimal("1.10") * day)
    TransactionFactory(date=datetime.date(2026, 8, 1), status=Status.PENDING_REVIEW)
    before = _stored()
    assert before == {("2026-08", groceries.pk, "shop"): (5, 1650)}
    assert summary.rebuild() == 1
    assert _stored() == before
    assert list(LedgerCategoryMonth.objects.values_list("month", "category_id", "count", "total_cents")) == [
        ("2026-08", groceries.pk, 5, 1650)]


def test_rebuild_command_repairs_a_damaged_summary(groceries):
    TransactionFactory(category=groceries, status=Status.CONFIRMED, amount=Decimal("3.00"))
    LedgerMonth.objects.update(total_cents=1)
    call_command("rebuild_ledger_months", verbosity=0)
    _check()


def _insert_trigger_present() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one trigger for insert, update and delete
            cursor.execute("SELECT COUNT(*) FROM pg_trigger WHERE tgname = %s", ["ledger_months_sync"])
        else:
            cursor.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name = %s",
                           ["ledger_months_insert"])
        return cursor.fetchone()[0] == 1


def test_a_large_import_counts_its_rows_in_bulk_and_keeps_the_trigger(groceries):
    """Above bulk.MIN_ROWS the insert trigger steps aside for one aggregate."""
    account = AccountFactory()
    names = {"groceries": groceries.pk}
    ingest(_rows((3, 1, "SAFEWAY #1 OAKLAND CA", "5.00", "groceries")), account=account,
           source=Source.ARCHIVE, file_name="first.csv", categories=names.get)
    n = bulk.MIN_ROWS + 100
    specs = [(3 + i % 2, 1 + i % 28, f"SAFEWAY #{i % 3} OAKLAND CA", f"{i % 50}.{i % 100:02d}",
              "groceries" if i % 4 else "") for i in range(n)]
    result = ingest(_rows(*specs), account=account, source=Source.ARCHIVE, file_name="big.csv",
                    categories=names.get)
    assert result.added == n
    _check()
    assert _insert_trigger_present()
    # A dry run rolls its bulk insert back: summaries and trigger as they were.
    before = _stored()
    more = [(5, 1 + i % 28, "TRADER JOE S", "12.00", "groceries") for i in range(n)]
    ingest(_rows(*more), account=account, source=Source.ARCHIVE, file_name="dry.csv",
           categories=names.get, dry_run=True)
    assert _stored() == before
    assert _insert_trigger_present()
    # The next small write is counted by the trigger again.
    TransactionFactory(category=groceries, status=Status.CONFIRMED, date=datetime.date(2026, 6, 1))
    _check()
