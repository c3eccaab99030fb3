import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import AccountFactory
from categories.models import MerchantMapping
from categories.tests.factories import CategoryFactory
from transactions import listing
from transactions.deletion import delete_transactions, revert_import
from transactions.ingest import ingest
from transactions.models import DeletedTransaction, DeleteReason, ImportBatch, Source, Status, Transaction
from transactions.tests.factories import TransactionFactory, row

pytestmark = pytest.mark.django_db

LIST = "/transactions/"


def _day(day: int) -> datetime.date:
    return datetime.date(2026, 10, day)


def _html(response) -> str:
    return response.content.decode()


def _ids_on_page(response) -> list[int]:
    return [t.pk for t in response.context["page"].rows]


def _fields(t: Transaction) -> dict:
    return {f.attname: getattr(t, f.attname) for f in Transaction._meta.concrete_fields}


@pytest.fixture
def food():
    parent = CategoryFactory(short_desc="food", display_name="Food", color="#ef6c00")
    groceries = CategoryFactory(short_desc="groceries", display_name="Groceries", parent=parent, color=None)
    coffee = CategoryFactory(short_desc="coffee", display_name="Coffee", parent=parent, color="#795548")
    return parent, groceries, coffee


# ---------------------------------------------------------------- anonymous


@pytest.mark.parametrize(("method", "url"), [
    ("get", LIST), ("get", "/transactions/export.csv"), ("get", "/transactions/add"),
    ("post", "/transactions/add"), ("post", "/transactions/bulk"), ("post", "/transactions/undo-delete"),
    ("post", "/transactions/1/category"), ("post", "/transactions/1/merchant"),
    ("post", "/transactions/1/delete"), ("get", "/transactions/trash/"),
    ("post", "/transactions/trash/1/restore"), ("post", "/transactions/trash/1/purge"),
])
def test_transaction_pages_refuse_anonymous(client, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_transaction_pages_refuse_wrong_method(owner_client):
    assert owner_client.post(LIST).status_code == 405
    assert owner_client.get("/transactions/bulk").status_code == 405


# ---------------------------------------------------------------- the list page


def test_transaction_list_full_page_shows_rows(owner_client, food):
    _, groceries, coffee = food
    account = AccountFactory(name="Checking", institution="SoFi")
    TransactionFactory(account=account, description="SAFEWAY #1234 OAKLAND", merchant_name="Safeway",
                       amount=Decimal("54.23"), category=groceries, status=Status.CONFIRMED)
    TransactionFactory(account=account, description="STARBUCKS 0123", merchant_name="Starbucks",
                       amount=Decimal("4.50"), predicted_category=coffee, prediction_confidence=0.8,
                       categorization_tier="merchant_map")
    TransactionFactory(account=account, description="PAYROLL ACME", amount=Decimal("-2500.00"))
    response = owner_client.get(LIST)
    html = _html(response)
    assert response.status_code == 200
    assert "<html" in html and 'id="transactions"' in html
    assert 'title="SAFEWAY #1234 OAKLAND"' in html and 'value="Safeway"' in html
    assert "SoFi Checking" in html
    # A child without its own color takes its parent's; a prediction is marked as one.
    assert "--chip-color: #ef6c00" in html and ">Groceries<" in html
    assert "chip predicted" in html and "(predicted)" in html and "80% sure" in html
    assert 'class="amount expense"' in html and "$54.23" in html
    assert 'class="amount income"' in html and "+$2,500.00" in html
    assert "js/transactions.js" in html


def test_transaction_list_htmx_gets_region_fragment(htmx_client):
    TransactionFactory(description="NETFLIX.COM")
    response = htmx_client.get(LIST, {"q": "netflix", "account": "", "page": ""})
    html = _html(response)
    assert response.status_code == 200
    assert "<html" not in html and html.lstrip().startswith('<div id="transactions">')
    assert "NETFLIX.COM" in html
    # The address bar gets the canonical query, not the form's empty fields.
    assert response["HX-Push-Url"] == "/transactions/?q=netflix"
    assert "HX-Request" in response["Vary"]


def test_transaction_list_history_restore_gets_full_page(htmx_client):
    response = htmx_client.get(LIST, HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in _html(response)


def test_transaction_list_empty_ledger_links_to_import(owner_client):
    html = _html(owner_client.get(LIST))
    assert "No transactions yet" in html and 'href="/import/"' in html
    assert 'href="/transactions/add"' in html


def test_transaction_list_no_results_offers_clear_filters(owner_client):
    TransactionFactory(description="NETFLIX.COM")
    html = _html(owner_client.get(LIST, {"q": "nothing like this"}))
    assert "No transactions match these filters" in html
    assert "Clear filters" in html and 'href="/transactions/" class="clear-filters"' in html
    assert "No transactions yet" not in html


def test_transaction_list_parent_category_includes_children(owner_client, food):
    parent, groceries, coffee = food
    other = CategoryFactory(short_desc="travel", display_name="Travel")
    in_parent = TransactionFactory(category=parent, status=Status.CONFIRMED)
    in_child = TransactionFactory(category=groceries, status=Status.CONFIRMED)
    predicted_child = TransactionFactory(predicted_category=coffee)
    TransactionFactory(category=other, status=Status.CONFIRMED)
    # A confirmed category wins over a stale prediction.
    TransactionFactory(category=other, predicted_category=coffee, status=Status.CONFIRMED)
    uncategorized = TransactionFactory()
    response = owner_client.get(LIST, {"category": parent.pk})
    assert set(_ids_on_page(response)) == {in_parent.pk, in_child.pk, predicted_child.pk}
    assert _ids_on_page(owner_client.get(LIST, {"category": groceries.pk})) == [in_child.pk]
    assert _ids_on_page(owner_client.get(LIST, {"category": "none"})) == [uncategorized.pk]


def test_transaction_list_text_search_matches_description_and_merchant(owner_client):
    by_description = TransactionFactory(description="TRADER JOE S #123", merchant_name="TJ")
    by_merchant = TransactionFactory(description="POS 99881", merchant_name="Trader Joe's Market")
    TransactionFactory(description="SAFEWAY", merchant_name="Safeway")
    assert set(_ids_on_page(owner_client.get(LIST, {"q": "trader"}))) == {by_description.pk, by_merchant.pk}
    assert _ids_on_page(owner_client.get(LIST, {"q": "joe's"})) == [by_merchant.pk]


def test_transaction_list_amount_range_is_on_the_size_either_direction(owner_client):
    small = TransactionFactory(amount=Decimal("5.00"))
    mid = TransactionFactory(amount=Decimal("50.00"))
    refund = TransactionFactory(amount=Decimal("-60.00"))
    TransactionFactory(amount=Decimal("500.00"))
    assert set(_ids_on_page(owner_client.get(LIST, {"min": "10", "max": "100"}))) == {mid.pk, refund.pk}
    assert set(_ids_on_page(owner_client.get(LIST, {"max": "50"}))) == {small.pk, mid.pk}
    assert _ids_on_page(owner_client.get(LIST, {"min": "40", "kind": "income"})) == [refund.pk]
    assert set(_ids_on_page(owner_client.get(LIST, {"max": "60", "kind": "expense"}))) == {small.pk, mid.pk}


def test_transaction_list_month_and_date_range(owner_client):
    last_of_september = TransactionFactory(date=datetime.date(2026, 9, 30))
    first_of_october = TransactionFactory(date=_day(1))
    last_of_october = TransactionFactory(date=_day(31))
    TransactionFactory(date=datetime.date(2026, 11, 1))
    assert set(_ids_on_page(owner_client.get(LIST, {"month": "2026-10"}))) == {
        first_of_october.pk, last_of_october.pk}
    response = owner_client.get(LIST, {"from": "2026-09-30", "to": "2026-10-01"})
    assert set(_ids_on_page(response)) == {last_of_september.pk, first_of_october.pk}


def test_transaction_list_account_status_and_source_filters(owner_client):
    mine = AccountFactory()
    wanted = TransactionFactory(account=mine, status=Status.CONFIRMED, source=Source.PLAID)
    TransactionFactory(account=mine, status=Status.PENDING_REVIEW, source=Source.PLAID)
    TransactionFactory(account=mine, status=Status.CONFIRMED, source=Source.ARCHIVE)
    TransactionFactory(status=Status.CONFIRMED, source=Source.PLAID)
    query = {"account": mine.pk, "status": "confirmed", "source": "plaid"}
    response = owner_client.get(LIST, query)
    assert _ids_on_page(response) == [wanted.pk]
    html = _html(response)
    assert f'<option value="{mine.pk}" selected>' in html and '<option value="plaid" selected>' in html


def test_transaction_list_bad_filter_values_are_explained_not_failed(owner_client):
    TransactionFactory(description="KEPT")
    response = owner_client.get(LIST, {"month": "2026-13", "min": "lots", "account": "x", "page": "-2",
                                       "sort": "drop table", "status": "nope", "from": "31/10/2026"})
    assert response.status_code == 200
    html = _html(response)
    assert "KEPT" in html
    for name in ("month", "min", "account", "page", "status", "from"):
        assert f"Ignored {name}=" in html
    assert response.context["filters"].sort == "-date"


def test_transaction_list_sorts_with_id_as_tie_breaker(owner_client):
    a = TransactionFactory(amount=Decimal("20.00"), description="B", date=_day(2))
    b = TransactionFactory(amount=Decimal("10.00"), description="C", date=_day(3))
    c = TransactionFactory(amount=Decimal("10.00"), description="A", date=_day(1))
    assert _ids_on_page(owner_client.get(LIST)) == [b.pk, a.pk, c.pk]
    assert _ids_on_page(owner_client.get(LIST, {"sort": "date"})) == [c.pk, a.pk, b.pk]
    assert _ids_on_page(owner_client.get(LIST, {"sort": "amount"})) == [b.pk, c.pk, a.pk]
    assert _ids_on_page(owner_client.get(LIST, {"sort": "-amount"})) == [a.pk, c.pk, b.pk]
    assert _ids_on_page(owner_client.get(LIST, {"sort": "description"})) == [c.pk, a.pk, b.pk]
    html = _html(owner_client.get(LIST, {"sort": "amount", "q": "a"}))
    # The Amount header flips direction and keeps the filters.
    assert 'href="/transactions/?q=a&amp;sort=-amount"' in html


def _sixty(account=None) -> list[Transaction]:
    account = account or AccountFactory()
    return [TransactionFactory(account=account, date=_day(1 + i % 28), amount=Decimal(i + 1))
            for i in range(60)]


def test_transaction_list_page_two_shows_the_next_rows(owner_client):
    _sixty()
    expected = list(Transaction.objects.order_by("-date", "-id").values_list("pk", flat=True))
    first = owner_client.get(LIST)
    assert _ids_on_page(first) == expected[:50]
    assert 'rel="next"' in _html(first) and 'href="/transactions/?page=2"' in _html(first)
    assert 'rel="prev"' not in _html(first)
    second = owner_client.get(LIST, {"page": "2"})
    assert _ids_on_page(second) == expected[50:]
    html = _html(second)
    assert 'rel="next"' not in html and 'rel="prev"' in html and "Showing 51–60" in html


def test_transaction_list_last_full_page_has_no_next_link(owner_client):
    for i in range(50):
        TransactionFactory(amount=Decimal(i + 1))
    assert 'rel="next"' not in _html(owner_client.get(LIST))
    beyond = owner_client.get(LIST, {"page": "9"})
    assert beyond.status_code == 200 and "Back to the first page" in _html(beyond)


def test_transaction_list_pages_with_limit_and_never_counts(owner_client):
    _sixty()
    with CaptureQueriesContext(connection) as queries:
        owner_client.get(LIST, {"page": "2", "q": "merchant"})
    sql = " ".join(q["sql"] for q in queries.captured_queries).upper()
    assert "COUNT(" not in sql
    assert "LIMIT 51 OFFSET 50" in sql


def test_transaction_list_runs_a_fixed_number_of_queries(owner_client, owner, django_assert_max_num_queries,
                                                        food):
    _, groceries, coffee = food
    for i, t in enumerate(_sixty() + _sixty()):
        if i % 2:
            t.category, t.status, t.confirmed_by = groceries, Status.CONFIRMED, owner
        else:
            t.predicted_category, t.updated_by = coffee, owner
        t.save()
    # session, user, categories, accounts, the page's ids, its rows, the people who confirmed or edited them
    with django_assert_max_num_queries(7):
        response = owner_client.get(LIST)
    assert len(response.context["page"].rows) == 50
    with django_assert_max_num_queries(7):
        response = owner_client.get(LIST, {"category": groceries.pk, "page": "2"}, HTTP_HX_REQUEST="true")
    assert _html(response).count('<tr id="txn-') == 10


# ---------------------------------------------------------------- CSV export


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_transaction_export_streams_every_filtered_row(owner_client, food):
    _, groceries, _ = food
    account = AccountFactory(name="Card", institution="Discover")
    for i in range(60):
        TransactionFactory(account=account, description=f"SHOP {i}", date=_day(1 + i % 28),
                           amount=Decimal("1.50"), category=groceries, status=Status.CONFIRMED)
    TransactionFactory(description="ELSEWHERE")
    response = owner_client.get("/transactions/export.csv", {"account": account.pk, "page": "2"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv(response)
    assert rows[0] == listing.CSV_COLUMNS
    assert len(rows) == 61
    assert rows[1][1:] == ["Discover Card", "SHOP 55", "Shop 55", "1.50", "Food › Groceries",
                           "confirmed", "csv_import"]


def test_transaction_export_neutralizes_formula_cells(owner_client):
    account = AccountFactory(name="=cmd|' /C calc'!A0", institution="@evil")
    TransactionFactory(account=account, description="=HYPERLINK(\"http://x\")", merchant_name="+1-555",
                       amount=Decimal("-12.34"))
    TransactionFactory(account=account, description="-5 rebate", merchant_name="\tTabbed",
                       amount=Decimal("3.00"))
    rows = _csv(owner_client.get("/transactions/export.csv", {"sort": "amount"}))
    income, expense = rows[1], rows[2]
    assert income[1] == "'@evil =cmd|' /C calc'!A0"
    assert income[2] == "'=HYPERLINK(\"http://x\")" and income[3] == "'+1-555"
    assert income[4] == "-12.34"
    assert expense[2] == "'-5 rebate" and expense[3] == "'\tTabbed" and expense[4] == "3.00"


def test_neutralize_leaves_plain_numbers_only_in_number_columns():
    assert listing.neutralize("-12.34", number=True) == "-12.34"
    assert listing.neutralize("-12.34") == "'-12.34"
    assert listing.neutralize("=1+1", number=True) == "'=1+1"
    assert listing.neutralize("\rx") == "'\rx"
    assert listing.neutralize("Safeway") == "Safeway"


# ---------------------------------------------------------------- inline edits


def test_transaction_category_htmx_confirms_the_row_and_teaches_the_engine(htmx_client, food):
    _, groceries, coffee = food
    t = TransactionFactory(description="WHOLEFDS MKT 10234", merchant_key="wholefds mkt",
                           predicted_category=coffee)
    response = htmx_client.post(f"/transactions/{t.pk}/category", {"category": groceries.pk})
    html = _html(response)
    assert response.status_code == 200
    assert "<html" not in html and html.lstrip().startswith(f'<tr id="txn-{t.pk}"')
    assert ">Groceries<" in html and "(predicted)" not in html
    assert "transactionsChanged" in response["HX-Trigger"]
    t.refresh_from_db()
    assert (t.category_id, t.status) == (groceries.pk, Status.CONFIRMED)
    assert t.confirmed_by is not None
    assert MerchantMapping.objects.get(merchant_pattern="wholefds mkt").category_id == groceries.pk


def test_transaction_category_full_post_redirects_back_with_the_filters(owner_client, food):
    _, groceries, _ = food
    t = TransactionFactory()
    response = owner_client.post(f"/transactions/{t.pk}/category",
                                 {"category": groceries.pk, "query": "q=merchant&page=2&bogus=1"})
    assert response.status_code == 302 and response.url == "/transactions/?q=merchant&page=2"
    t.refresh_from_db()
    assert t.category_id == groceries.pk


def test_transaction_category_changes_an_already_confirmed_row(htmx_client, food):
    _, groceries, coffee = food
    t = TransactionFactory(category=coffee, status=Status.AUTO_CONFIRMED, merchant_key="peets")
    MerchantMapping.objects.create(merchant_pattern="peets", category=coffee, confidence=3)
    htmx_client.post(f"/transactions/{t.pk}/category", {"category": groceries.pk})
    t.refresh_from_db()
    assert (t.category_id, t.status) == (groceries.pk, Status.CONFIRMED)
    mapping = MerchantMapping.objects.get(merchant_pattern="peets")
    assert (mapping.category_id, mapping.overrides) == (groceries.pk, 1)


def test_transaction_category_unknown_category_is_refused(htmx_client):
    t = TransactionFactory()
    assert htmx_client.post(f"/transactions/{t.pk}/category", {"category": "999999"}).status_code == 400
    assert htmx_client.post("/transactions/999999/category", {"category": "1"}).status_code == 404
    t.refresh_from_db()
    assert t.status == Status.PENDING_REVIEW


def test_transaction_merchant_renames_only_the_merchant(owner_client):
    t = TransactionFactory(description="SQ *BLUE BOTTLE 0123", merchant_name="Sq Blue Bottle")
    response = owner_client.post(f"/transactions/{t.pk}/merchant", {"merchant_name": "  Blue Bottle  "},
                                 HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in _html(response) and 'value="Blue Bottle"' in _html(response)
    assert "transactionsChanged" in response["HX-Trigger"]
    t.refresh_from_db()
    assert (t.merchant_name, t.description, t.status) == (
        "Blue Bottle", "SQ *BLUE BOTTLE 0123", Status.PENDING_REVIEW)
    response = owner_client.post(f"/transactions/{t.pk}/merchant", {"merchant_name": ""})
    assert response.status_code == 302 and response.url == "/transactions/"
    t.refresh_from_db()
    assert t.merchant_name is None


# ---------------------------------------------------------------- bulk


def test_transaction_bulk_set_category_confirms_ticked_rows(htmx_client, food):
    _, groceries, _ = food
    ticked = [TransactionFactory(), TransactionFactory(status=Status.CONFIRMED)]
    untouched = TransactionFactory()
    response = htmx_client.post("/transactions/bulk", {
        "action": "category", "category": groceries.pk, "ids": [t.pk for t in ticked], "query": "q=merchant"})
    html = _html(response)
    assert "<html" not in html and html.lstrip().startswith('<div id="transactions">')
    assert 'id="toast" ' in html and 'hx-swap-oob="true"' in html and "2 set to Food › Groceries" in html
    assert 'value="q=merchant"' in html
    assert "transactionsChanged" in response["HX-Trigger"]
    assert set(Transaction.objects.filter(category=groceries, status=Status.CONFIRMED)
               .values_list("pk", flat=True)) == {t.pk for t in ticked}
    untouched.refresh_from_db()
    assert untouched.category_id is None


def test_transaction_bulk_confirm_uses_predictions_and_skips_unpredicted(htmx_client, food):
    _, groceries, _ = food
    predicted = TransactionFactory(predicted_category=groceries)
    unpredicted = TransactionFactory()
    response = htmx_client.post("/transactions/bulk", {"action": "confirm",
                                                       "ids": [predicted.pk, unpredicted.pk]})
    assert "Confirmed 1. 1 skipped" in _html(response)
    predicted.refresh_from_db()
    unpredicted.refresh_from_db()
    assert (predicted.category_id, predicted.status) == (groceries.pk, Status.CONFIRMED)
    assert unpredicted.status == Status.PENDING_REVIEW


def test_transaction_bulk_delete_offers_undo(htmx_client):
    rows = [TransactionFactory(), TransactionFactory()]
    kept = TransactionFactory()
    response = htmx_client.post("/transactions/bulk", {"action": "delete", "ids": [t.pk for t in rows]})
    html = _html(response)
    assert "Deleted 2 transactions." in html and "Undo" in html
    memories = DeletedTransaction.objects.filter(reason=DeleteReason.USER)
    assert sorted(memories.values_list("original_id", flat=True)) == sorted(t.pk for t in rows)
    for memory in memories:
        assert f'name="deleted" value="{memory.pk}"' in html
    assert list(Transaction.objects.values_list("pk", flat=True)) == [kept.pk]
    assert "transactionsChanged" in response["HX-Trigger"]


def test_transaction_bulk_without_ticked_rows_says_so(owner_client):
    TransactionFactory()
    response = owner_client.post("/transactions/bulk", {"action": "delete", "ids": ["x"]}, follow=True)
    assert "Tick at least one transaction first." in _html(response)
    assert Transaction.objects.count() == 1


def test_transaction_bulk_full_post_delete_shows_undo_on_the_list(owner_client):
    t = TransactionFactory(description="GONE SOON")
    response = owner_client.post("/transactions/bulk", {"action": "delete", "ids": [t.pk]})
    assert response.status_code == 302
    html = _html(owner_client.get(response.url))
    memory = DeletedTransaction.objects.get()
    assert "Deleted 1 transaction." in html and f'name="deleted" value="{memory.pk}"' in html
    assert 'hx-swap-oob' not in html
    # The offer is shown once.
    assert "Deleted 1 transaction." not in _html(owner_client.get(LIST))


# ---------------------------------------------------------------- delete and undo


def test_transaction_delete_then_undo_restores_identical_fields(htmx_client, food):
    _, groceries, _ = food
    account = AccountFactory()
    result = ingest([row(3, "SAFEWAY #1234", "54.23", external_id="FIT-9")], account=account,
                    source=Source.CSV_IMPORT, file_name="oct.csv")
    t = Transaction.objects.get(import_batch_id=result.batch_id)
    t.category, t.status, t.notes = groceries, Status.CONFIRMED, "for the party"
    t.save()
    before = _fields(Transaction.objects.get(pk=t.pk))

    response = htmx_client.post(f"/transactions/{t.pk}/delete", {"query": "q=safeway"})
    html = _html(response)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<div id="transactions">') and 'hx-swap-oob="true"' in html
    assert "Undo" in html and 'name="query" value="q=safeway"' in html
    assert "No transactions match these filters" in html
    assert "transactionsChanged" in response["HX-Trigger"]
    assert not Transaction.objects.filter(pk=t.pk).exists()
    memory = DeletedTransaction.objects.get(original_id=t.pk)

    response = htmx_client.post("/transactions/undo-delete", {"deleted": [memory.pk], "query": "q=safeway"})
    html = _html(response)
    assert "Restored 1 transaction." in html and "SAFEWAY #1234" in html
    assert "transactionsChanged" in response["HX-Trigger"]
    assert _fields(Transaction.objects.get(pk=t.pk)) == before
    assert not DeletedTransaction.objects.exists()


def test_transaction_delete_redraws_the_same_page(htmx_client):
    _sixty()
    expected = list(Transaction.objects.order_by("-date", "-id").values_list("pk", flat=True))
    response = htmx_client.post(f"/transactions/{expected[0]}/delete", {"query": "page=2"})
    assert [int(pk) for pk in re.findall(r'<tr id="txn-(\d+)"', _html(response))] == expected[51:]
    assert 'name="query" value="page=2"' in _html(response)


def test_transaction_delete_full_post_redirects_with_undo_offer(owner_client):
    t = TransactionFactory()
    response = owner_client.post(f"/transactions/{t.pk}/delete", {"query": "month=2026-10"})
    assert response.status_code == 302 and response.url == "/transactions/?month=2026-10"
    assert "Undo" in _html(owner_client.get(response.url))


def test_transaction_undo_delete_leaves_reverted_imports_alone(owner_client):
    [memory_id] = delete_transactions([TransactionFactory()], reason=DeleteReason.REVERT)
    owner_client.post("/transactions/undo-delete", {"deleted": [memory_id]})
    assert not Transaction.objects.exists() and DeletedTransaction.objects.count() == 1


def test_transaction_undo_delete_full_post_restores_and_redirects(owner_client):
    t = TransactionFactory()
    ids = delete_transactions([t])
    response = owner_client.post("/transactions/undo-delete", {"deleted": ids + ["junk"]}, follow=True)
    assert "Restored 1 transaction." in _html(response)
    assert Transaction.objects.filter(pk=t.pk).exists()


# ---------------------------------------------------------------- trash


def test_trash_lists_what_people_deleted_newest_first(owner_client):
    older, newer = TransactionFactory(description="OLDER"), TransactionFactory(description="NEWER")
    delete_transactions([older])
    delete_transactions([newer])
    batch_account = AccountFactory()
    result = ingest([row(2, "REVERTED ROW", "9.00")], account=batch_account, source=Source.CSV_IMPORT)
    revert_import(ImportBatch.objects.get(pk=result.batch_id))
    response = owner_client.get("/transactions/trash/")
    html = _html(response)
    assert response.status_code == 200 and "<html" in html
    assert html.index("NEWER") < html.index("OLDER")
    assert "REVERTED ROW" not in html
    assert "re-import" in html and "Delete forever" in html and "Restore" in html


def test_trash_htmx_gets_region_and_pages(htmx_client):
    delete_transactions([TransactionFactory(amount=Decimal(i + 1)) for i in range(55)])
    response = htmx_client.get("/transactions/trash/")
    html = _html(response)
    assert "<html" not in html and html.lstrip().startswith('<div id="trash">')
    assert 'href="/transactions/trash/?page=2"' in html
    second = _html(htmx_client.get("/transactions/trash/", {"page": "2"}))
    assert "Showing 51–55" in second and 'rel="next"' not in second


def test_trash_empty_state(owner_client):
    assert "The trash is empty" in _html(owner_client.get("/transactions/trash/"))


def test_trash_restore_brings_the_row_back(htmx_client):
    t = TransactionFactory(description="COME BACK", amount=Decimal("12.00"))
    before = _fields(Transaction.objects.get(pk=t.pk))
    [memory_id] = delete_transactions([t])
    response = htmx_client.post(f"/transactions/trash/{memory_id}/restore")
    html = _html(response)
    assert response.status_code == 200 and "<html" not in html and "Restored: COME BACK." in html
    assert html.lstrip().startswith('<div id="trash">') and "The trash is empty" in html
    assert "transactionsChanged" in response["HX-Trigger"]
    assert _fields(Transaction.objects.get(pk=t.pk)) == before
    assert not DeletedTransaction.objects.exists()
    assert htmx_client.post(f"/transactions/trash/{memory_id}/restore").status_code == 404


def test_trash_restore_full_post_redirects_to_trash(owner_client):
    [memory_id] = delete_transactions([TransactionFactory()])
    response = owner_client.post(f"/transactions/trash/{memory_id}/restore")
    assert response.status_code == 302 and response.url == "/transactions/trash/"
    assert Transaction.objects.count() == 1


def test_trash_purge_forgets_the_row_so_a_reimport_adds_it_again(htmx_client):
    account = AccountFactory()
    rows = [row(4, "GYM MEMBERSHIP", "30.00")]
    ingest(rows, account=account, source=Source.CSV_IMPORT)
    [memory_id] = delete_transactions(Transaction.objects.all())
    assert ingest(rows, account=account, source=Source.CSV_IMPORT).deleted_skipped == 1
    response = htmx_client.post(f"/transactions/trash/{memory_id}/purge")
    assert response.status_code == 200 and "Deleted forever" in _html(response)
    assert "HX-Trigger" not in response
    assert not DeletedTransaction.objects.exists()
    assert ingest(rows, account=account, source=Source.CSV_IMPORT).added == 1


def test_trash_actions_ignore_other_kinds_of_deletion(owner_client):
    [memory_id] = delete_transactions([TransactionFactory()], reason=DeleteReason.REVERT)
    assert owner_client.post(f"/transactions/trash/{memory_id}/purge").status_code == 404
    assert DeletedTransaction.objects.count() == 1


# ---------------------------------------------------------------- manual entry


def test_transaction_add_page_shows_the_form(owner_client):
    AccountFactory(name="Wallet", institution="Cash")
    response = owner_client.get("/transactions/add")
    html = _html(response)
    assert response.status_code == 200 and 'id="add-form"' in html and "Cash Wallet" in html
    assert f'value="{datetime.date.today().isoformat()}"' in html or "type=\"date\"" in html


def test_transaction_add_without_accounts_says_to_add_one(owner_client):
    assert "There are no accounts yet" in _html(owner_client.get("/transactions/add"))


def test_transaction_add_stores_the_row_through_ingest(owner_client):
    account = AccountFactory()
    response = owner_client.post("/transactions/add", {
        "account": account.pk, "date": "2026-10-05", "description": "  Farmers   market ",
        "amount": "23.40", "kind": "expense"})
    assert response.status_code == 302 and response.url == "/transactions/"
    t = Transaction.objects.get()
    assert (t.description, t.amount, t.date, t.source) == (
        "Farmers market", Decimal("23.40"), _day(5), Source.CSV_IMPORT)
    assert t.import_batch is not None and t.import_batch.file_name == "manual entry"
    assert t.fingerprint and t.status == Status.PENDING_REVIEW
    assert "Added Farmers market" in _html(owner_client.get(LIST))


def test_transaction_add_income_with_category_is_confirmed(owner_client, food):
    _, groceries, _ = food
    account = AccountFactory()
    owner_client.post("/transactions/add", {
        "account": account.pk, "date": "2026-10-05", "description": "Sold old bike",
        "amount": "120", "kind": "income", "category": groceries.pk})
    t = Transaction.objects.get()
    assert t.amount == Decimal("-120.00")
    assert (t.category_id, t.status) == (groceries.pk, Status.CONFIRMED)


def test_transaction_add_shows_clear_errors(owner_client):
    account = AccountFactory()
    response = owner_client.post("/transactions/add", {
        "account": account.pk, "date": "not a date", "description": "   ", "amount": "-5", "kind": "expense"})
    html = _html(response)
    assert response.status_code == 400
    assert "Enter a valid date." in html
    assert "Enter the amount as a positive number." in html
    assert "This field is required." in html or "Describe the transaction" in html
    assert 'aria-invalid="true"' in html
    assert not Transaction.objects.exists()


def test_transaction_add_twice_means_two_purchases(owner_client):
    account = AccountFactory()
    data = {"account": account.pk, "date": "2026-10-05", "description": "Coffee", "amount": "4.50",
            "kind": "expense"}
    owner_client.post("/transactions/add", data)
    response = owner_client.post("/transactions/add", data)
    assert response.status_code == 302
    assert Transaction.objects.count() == 2
    assert ImportBatch.objects.count() == 2
    assert len(set(Transaction.objects.values_list("fingerprint", flat=True))) == 2


# ---------------------------------------------------------------- listing unit


def test_transaction_filters_params_are_canonical():
    filters = listing.TransactionFilters.from_query(QueryDict(
        "q=+tea+&account=&category=none&month=2026-10&min=1,000&sort=-date&page=3&status=bad"))
    assert filters.params.urlencode() == "q=tea&category=none&month=2026-10&min=1000.00"
    assert filters.url_query(3).urlencode().endswith("&page=3")
    assert filters.is_filtered
    assert not listing.TransactionFilters.from_query(QueryDict("sort=amount&page=2")).is_filtered
