"""Text search: the trigram index on SQLite finds what `icontains` finds, and stays in step
with every way a row is written (insert, rename, delete and restore, a bulk import)."""

import pytest
from django.db import connection, transaction

from accounts.tests.factories import AccountFactory
from transactions import bulk, search
from transactions.deletion import delete_transactions, restore
from transactions.ingest import ingest
from transactions.models import Source, Transaction
from transactions.tests.factories import TransactionFactory, row

pytestmark = pytest.mark.django_db


def _found(text: str) -> set[int]:
    return set(Transaction.objects.filter(search.matching(text)).values_list("pk", flat=True))


def _like(text: str) -> set[int]:
    return set(Transaction.objects.filter(description__icontains=text).values_list("pk", flat=True)) | set(
        Transaction.objects.filter(merchant_name__icontains=text).values_list("pk", flat=True))


@pytest.fixture
def rows():
    return [
        TransactionFactory(description="SQ *BLUE BOTTLE 123", merchant_name="Blue Bottle"),
        TransactionFactory(description="STARBUCKS STORE 9", merchant_name=None),
        TransactionFactory(description="AMZN Mktp US*2K4", merchant_name="Amazon"),
        TransactionFactory(description='ODD "QUOTED" 100% NAME_1', merchant_name=""),
    ]


@pytest.mark.parametrize("text", ["blue bottle", "BOTTLE", "ottl", "amazon", "mktp us*", "store 9",
                                  '"quoted"', "100%", "name_1", "zz", "a", "nothing like it"])
def test_search_finds_what_icontains_finds(rows, text):
    assert _found(text) == _like(text)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the trigram index is SQLite's")
def test_search_reads_the_trigram_index_for_rare_text_only(rows):
    rare = Transaction.objects.filter(search.matching("bottle"))
    sql = str(rare.query)
    # The index was read once; the page's query takes its ids.
    assert "json_each" in sql and "LIKE" not in sql and set(rare) == {rows[0]}
    # Fewer than three characters: no trigram to look up, so LIKE.
    assert "LIKE" in str(Transaction.objects.filter(search.matching("sq")).query)
    # Text in many rows: LIKE along the date index fills a page sooner.
    common = Transaction.objects.filter(search.matching("store", common=1))
    assert "LIKE" in str(common.query) and set(common) == {rows[1]}


@pytest.mark.parametrize("text", ["bottle", "mktp us*", "nothing like it"])
def test_search_finds_the_same_rows_either_way(rows, text):
    assert _found(text) == set(Transaction.objects.filter(search.matching(text, common=1))
                               .values_list("pk", flat=True))


def test_search_follows_a_rename_a_delete_and_a_restore(rows):
    blue = rows[0]
    blue.rename_merchant("Coffee Place")
    assert _found("coffee place") == {blue.pk}
    assert _found("blue bottle") == {blue.pk}  # still in the raw description
    Transaction.objects.filter(pk=blue.pk).update(description="SQ *SOMEWHERE")
    assert _found("blue bottle") == set()
    deleted = delete_transactions([blue])
    assert _found("coffee place") == set()
    restore(deleted)
    assert _found("coffee place") == {blue.pk}


def test_a_bulk_import_is_indexed(db):
    account = AccountFactory()
    many = bulk.MIN_ROWS + 20
    result = ingest([row(1 + i % 28, f"BULKSHOP {i:04d}", "5.00") for i in range(many)],
                    account=account, source=Source.CSV_IMPORT)
    assert result.added == many
    assert len(_found("bulkshop")) == many
    assert len(_found("bulkshop 0007")) == 1
    # The insert trigger is back: a later single row is indexed too.
    TransactionFactory(account=account, description="AFTER THE BULK")
    assert len(_found("after the bulk")) == 1


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the trigram index is SQLite's")
def test_bulk_insert_puts_the_trigger_back_when_the_insert_fails(db):
    account = AccountFactory()
    with pytest.raises(RuntimeError), transaction.atomic(), \
            bulk.triggers_aside(bulk.MIN_ROWS, [search.BULK]):
        TransactionFactory(account=account, description="NEVER KEPT")
        raise RuntimeError("the import failed")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name = %s",
                       [f"{search.TABLE}_insert"])
        assert cursor.fetchone()
    TransactionFactory(account=account, description="KEPT LATER")
    assert len(_found("kept later")) == 1 and not _found("never kept")
