"""Two transactions writing the summaries at once: they queue, never deadlock.

On SQLite the write lock queues them; on PostgreSQL the trigger's advisory
lock does, where row locks alone would deadlock when two writers reach the
same two summary rows in opposite orders (an import and a review save did,
under `make bench`'s load_mixed).
"""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from categories.tests.factories import CategoryFactory
from insights.models import LedgerMonth
from transactions.models import Status, Transaction
from transactions.tests.factories import TransactionFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_writers_reaching_the_same_summary_rows_in_opposite_orders_both_commit():
    groceries = CategoryFactory(short_desc="groceries", display_name="Groceries")
    # Two rows per month: each writer confirms its own rows, so only the summary rows are shared.
    rows = {(writer, month): TransactionFactory(
        status=Status.PENDING_REVIEW, date=datetime.date(2026, month, 3), amount=Decimal("10.00"),
        merchant_key=f"shop {month}", merchant_name=f"Shop {month}").pk
        for writer in "ab" for month in (1, 2)}
    a_wrote, b_wrote = threading.Event(), threading.Event()
    failures: list[Exception] = []

    def confirm(pk: int) -> None:
        Transaction.objects.filter(pk=pk).update(status=Status.CONFIRMED, category=groceries)

    def writer_a() -> None:
        try:
            with transaction.atomic():
                confirm(rows["a", 1])
                a_wrote.set()
                # b queues behind this transaction, so it never gets to say it wrote.
                b_wrote.wait(3)
                confirm(rows["a", 2])
        except Exception as exc:
            failures.append(exc)
        finally:
            a_wrote.set()
            connection.close()

    def writer_b() -> None:
        a_wrote.wait(30)
        try:
            with transaction.atomic():
                confirm(rows["b", 2])
                b_wrote.set()
                confirm(rows["b", 1])
        except Exception as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer_a), threading.Thread(target=writer_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    stored = {(m.month, m.merchant_key): (m.count, m.total_cents) for m in LedgerMonth.objects.all()}
    assert stored == {("2026-01", "shop 1"): (2, 2000), ("2026-02", "shop 2"): (2, 2000)}
