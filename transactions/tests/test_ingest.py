import datetime
from decimal import Decimal

import pytest

from accounts.models import AccountType
from accounts.tests.factories import AccountFactory
from categories.models import Category, MerchantMapping
from categories.tests.factories import AmountRuleFactory, CategoryFactory, MerchantMappingFactory
from transactions.deletion import delete_transactions, restore, revert_import, undo_revert
from transactions.importers.base import ImportFileError
from transactions.ingest import ingest
from transactions.models import DeletedTransaction, ImportBatch, Source, Status, Transaction
from transactions.tests.factories import TransactionFactory, row

pytestmark = pytest.mark.django_db

FILE = [
    row(1, "STARBUCKS STORE 0123 SEATTLE WA", "4.50"),
    row(1, "STARBUCKS STORE 0123 SEATTLE WA", "4.50"),
    row(2, "PAYROLL ACME CORP", "-2500.00"),
    row(3, "SAFEWAY #1234 OAKLAND CA", "54.23"),
]


def _state():
    return sorted(Transaction.objects.values_list(
        "id", "date", "description", "amount", "status", "category_id", "fingerprint"))


def test_ingest_adds_rows_and_counts():
    account = AccountFactory()
    result = ingest(FILE, account=account, source=Source.CSV_IMPORT, file_name="a.csv")
    assert (result.added, result.duplicates) == (4, 0)
    assert Transaction.objects.count() == 4
    t = Transaction.objects.get(description__startswith="SAFEWAY")
    assert t.amount == Decimal("54.23") and t.merchant_key and t.import_batch_id == result.batch_id
    batch = ImportBatch.objects.get()
    assert (batch.added, batch.file_name, batch.account_id) == (4, "a.csv", account.pk)
    assert "added 4" in str(result)


def test_ingest_two_identical_coffees_both_import_and_reimport_adds_zero():
    account = AccountFactory()
    ingest(FILE, account=account, source=Source.CSV_IMPORT)
    assert Transaction.objects.filter(description__startswith="STARBUCKS").count() == 2
    again = ingest(FILE, account=account, source=Source.CSV_IMPORT)
    assert (again.added, again.duplicates) == (0, 4)
    assert Transaction.objects.count() == 4


def test_ingest_same_rows_in_another_account_are_not_duplicates():
    ingest(FILE, account=AccountFactory(), source=Source.CSV_IMPORT)
    assert ingest(FILE, account=AccountFactory(), source=Source.CSV_IMPORT).added == 4


def test_ingest_external_id_dedupes_even_when_description_changes():
    account = AccountFactory()
    ingest([row(5, "AMAZON", "10.00", external_id="FIT1")], account=account, source=Source.CSV_IMPORT)
    result = ingest([row(5, "AMAZON MKTPLACE", "10.00", external_id="FIT1")], account=account,
                    source=Source.CSV_IMPORT)
    assert (result.added, result.duplicates) == (0, 1)


def test_ingest_flags_fuzzy_duplicate_from_another_source():
    account = AccountFactory()
    ingest([row(10, "SAFEWAY #1234 OAKLAND CA", "54.23")], account=account, source=Source.CSV_IMPORT)
    result = ingest([row(12, "Safeway", "54.23", external_id="plaid-1")], account=account,
                    source=Source.PLAID)
    assert (result.added, result.possible_duplicates) == (1, 1)
    flagged = Transaction.objects.get(source=Source.PLAID)
    assert flagged.possible_duplicate_of.source == Source.CSV_IMPORT
    far = ingest([row(20, "Safeway", "54.23", external_id="plaid-2")], account=account,
                 source=Source.PLAID)
    assert far.possible_duplicates == 0


def test_ingest_skips_what_a_person_deleted_and_says_so():
    account = AccountFactory()
    ingest(FILE, account=account, source=Source.CSV_IMPORT)
    delete_transactions(Transaction.objects.filter(description__startswith="SAFEWAY"))
    result = ingest(FILE, account=account, source=Source.CSV_IMPORT)
    assert (result.added, result.duplicates, result.deleted_skipped) == (0, 3, 1)
    assert "1 previously deleted skipped" in str(result)


def test_ingest_bad_row_writes_nothing():
    account = AccountFactory()
    bad = [*FILE, row(4, "   ", "1.00", line=9)]
    with pytest.raises(ImportFileError) as info:
        ingest(bad, account=account, source=Source.CSV_IMPORT, file_name="bad.csv")
    assert info.value.line == 9 and "description" in str(info.value)
    assert not Transaction.objects.exists() and not ImportBatch.objects.exists()


def test_ingest_dry_run_counts_but_writes_nothing():
    result = ingest(FILE, account=AccountFactory(), source=Source.CSV_IMPORT, dry_run=True)
    assert result.added == 4 and result.batch_id is None
    assert not Transaction.objects.exists() and not ImportBatch.objects.exists()
    assert str(result).startswith("would add 4")


def test_ingest_runs_the_engine_rules_and_mappings():
    cloud = CategoryFactory(short_desc="cloud")
    coffee = CategoryFactory(short_desc="coffee")
    AmountRuleFactory(description_pattern="APPLE.COM/BILL", amount="0.99", category=cloud)
    MerchantMappingFactory(merchant_pattern="starbucks", category=coffee, confidence=1)
    ingest([row(1, "APPLE.COM/BILL 866-712-7753 CA", "0.99"), row(2, "STARBUCKS STORE 9", "3.00")],
           account=AccountFactory(), source=Source.CSV_IMPORT)
    apple = Transaction.objects.get(description__startswith="APPLE")
    assert (apple.category, apple.status, apple.categorization_tier) == (
        cloud, Status.AUTO_CONFIRMED, "amount_rule")
    assert apple.prediction_confidence == 1.0
    coffee_row = Transaction.objects.get(description__startswith="STARBUCKS")
    assert coffee_row.predicted_category == coffee and coffee_row.categorization_tier == "merchant_map"
    assert coffee_row.status == Status.PENDING_REVIEW and coffee_row.category is None


def test_ingest_archive_rows_are_confirmed_and_teach_mappings():
    groceries = CategoryFactory(short_desc="groceries")
    result = ingest(
        [row(1, "SAFEWAY #1 OAKLAND CA", "20.00", category_name="Groceries"),
         row(2, "SAFEWAY #2 OAKLAND CA", "30.00", category_name="Groceries"),
         row(3, "MYSTERY SHOP", "5.00", category_name="Nope")],
        account=AccountFactory(), source=Source.ARCHIVE,
        categories=lambda name: groceries.pk if name == "Groceries" else None,
    )
    assert result.added == 3 and result.unknown_categories == {"Nope": 1}
    assert Transaction.objects.filter(status=Status.CONFIRMED, category=groceries).count() == 2
    mapping = MerchantMapping.objects.get(merchant_pattern="safeway")
    assert (mapping.category, mapping.confidence) == (groceries, 2)


def test_revert_import_removes_exactly_its_rows_and_undo_restores_state():
    account = AccountFactory()
    TransactionFactory(account=account, description="EARLIER ROW")
    before = _state()
    first = ingest(FILE, account=account, source=Source.CSV_IMPORT)
    after_import = _state()
    revert_import(ImportBatch.objects.get(pk=first.batch_id))
    assert _state() == before
    assert DeletedTransaction.objects.filter(reason="revert").count() == 4
    # A reverted file can be imported again: reverted rows are not "deleted by a person".
    undo_revert(ImportBatch.objects.get(pk=first.batch_id))
    assert _state() == after_import
    assert ImportBatch.objects.get(pk=first.batch_id).reverted_at is None


def test_reverted_file_can_be_imported_again():
    account = AccountFactory()
    first = ingest(FILE, account=account, source=Source.CSV_IMPORT)
    revert_import(ImportBatch.objects.get(pk=first.batch_id))
    assert ingest(FILE, account=account, source=Source.CSV_IMPORT).added == 4


def test_delete_and_restore_is_identical_and_dedupe_sees_it_again():
    account = AccountFactory()
    ingest(FILE, account=account, source=Source.CSV_IMPORT)
    t = Transaction.objects.get(description__startswith="SAFEWAY")
    t.category = CategoryFactory(short_desc="groceries")
    t.status = Status.CONFIRMED
    t.save()
    before = _state()
    ids = delete_transactions([t])
    assert Transaction.objects.count() == 3
    restore(ids)
    assert _state() == before
    assert not DeletedTransaction.objects.exists()
    assert ingest(FILE, account=account, source=Source.CSV_IMPORT).added == 0


def test_transfer_pair_is_predicted_across_accounts():
    from budgetsite.seed import seed_defaults

    seed_defaults(with_accounts=False)
    checking = AccountFactory(account_type=AccountType.CHECKING)
    card = AccountFactory(account_type=AccountType.CREDIT_CARD)
    ingest([row(3, "DISCOVER E-PAYMENT 1234", "500.00")], account=checking, source=Source.CSV_IMPORT)
    ingest([row(5, "INTERNET PAYMENT - THANK YOU", "-500.00")], account=card, source=Source.CSV_IMPORT)
    a = Transaction.objects.get(account=checking)
    b = Transaction.objects.get(account=card)
    assert a.transfer_pair_id == b.pk and b.transfer_pair_id == a.pk
    assert a.predicted_category.short_desc == "credit_card_payment"
    assert a.categorization_tier == "transfer"


def test_rejected_transfer_pair_is_never_proposed_again():
    from budgetsite.seed import seed_defaults
    from categories.engine.transfers import pair_transfers, reject_transfer_pair

    seed_defaults(with_accounts=False)
    checking = AccountFactory()
    savings = AccountFactory(account_type=AccountType.SAVINGS)
    ingest([row(3, "TRANSFER TO SAVINGS", "200.00")], account=checking, source=Source.CSV_IMPORT)
    ingest([row(3, "TRANSFER FROM CHECKING", "-200.00")], account=savings, source=Source.CSV_IMPORT)
    a = Transaction.objects.get(account=checking)
    assert a.transfer_pair_id
    reject_transfer_pair(a)
    a.refresh_from_db()
    assert a.transfer_pair_id is None and a.categorization_tier != "transfer"
    assert pair_transfers(checking, list(Transaction.objects.filter(account=checking))) == 0
    assert Category.objects.filter(short_desc="transfers").exists()


def test_confirm_learns_and_repredicts_pending_rows_of_that_merchant():
    from transactions.confirm import confirm

    coffee = CategoryFactory(short_desc="coffee")
    account = AccountFactory()
    ingest([row(1, "BLUE BOTTLE #12", "4.00"), row(2, "BLUE BOTTLE #13", "5.00")],
           account=account, source=Source.CSV_IMPORT)
    first, second = Transaction.objects.order_by("date")
    assert second.predicted_category is None
    first.category = coffee
    result = confirm([first])
    assert result.confirmed == [first.pk] and second.pk in result.repredicted
    second.refresh_from_db()
    assert second.predicted_category == coffee and second.categorization_tier == "merchant_map"
    first.refresh_from_db()
    assert first.status == Status.CONFIRMED and first.confirmed_at is not None
    assert first.date == datetime.date(2026, 10, 1)


def test_ingest_keeps_an_id_longer_than_its_column_as_a_digest_and_reimport_matches_it():
    """DCU's ids run to 235 characters; the column holds 200 (PostgreSQL enforces it)."""
    account = AccountFactory()
    long_id = "dwA4AEUAZQBKAGcAKwBG" * 12
    rows = [row(1, "STARBUCKS STORE 0123 SEATTLE WA", "4.50", external_id=long_id),
            row(2, "PAYROLL ACME CORP", "-2500.00", external_id="short-1")]
    assert ingest(rows, account=account, source=Source.CSV_IMPORT).added == 2
    stored = set(Transaction.objects.values_list("external_id", flat=True))
    assert "short-1" in stored and all(len(e) <= 200 for e in stored)
    again = [row(1, "STARBUCKS STORE 0123 SEATTLE WA (edited)", "4.50", external_id=long_id)]
    assert ingest(again, account=account, source=Source.CSV_IMPORT).duplicates == 1
