"""The same file imported twice at the same moment: the second waits and adds nothing.

On SQLite an IMMEDIATE transaction queues the second import before its
dedupe lookups; on PostgreSQL `ingest` takes the ledger's writer lock first,
else both would look before either wrote and the second would fail on the
unique fingerprint instead of skipping the rows as already there.
"""

import threading

import pytest
from django.db import connection

from accounts.tests.factories import AccountFactory
from transactions.ingest import ingest
from transactions.models import Source, Transaction
from transactions.tests.factories import row

pytestmark = pytest.mark.django_db(transaction=True)

FILE = [row(1, "STARBUCKS STORE 0123 SEATTLE WA", "4.50"), row(3, "SAFEWAY #1234 OAKLAND CA", "54.23")]


def test_a_file_imported_twice_at_once_is_added_once():
    account = AccountFactory()
    first_inserted, second_done = threading.Event(), threading.Event()
    results, failures = {}, []

    def first_progress(done: int) -> None:
        first_inserted.set()
        # The second import queues behind this one, so it cannot finish meanwhile.
        second_done.wait(3)

    def run(name: str, **options) -> None:
        try:
            results[name] = ingest(FILE, account=account, source=Source.CSV_IMPORT, **options)
        except Exception as exc:
            failures.append(exc)
        finally:
            first_inserted.set()
            connection.close()

    def second() -> None:
        first_inserted.wait(30)
        run("second")
        second_done.set()

    threads = [threading.Thread(target=run, args=("first",), kwargs={"progress": first_progress}),
               threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert (results["first"].added, results["second"].added, results["second"].duplicates) == (2, 0, 2)
    assert Transaction.objects.count() == 2
