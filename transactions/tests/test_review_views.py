import datetime
import re
from decimal import Decimal

import pytest

from accounts.tests.factories import AccountFactory
from categories.models import MerchantMapping
from categories.tests.factories import CategoryFactory
from transactions.models import DeletedTransaction, Status, Transaction
from transactions.tests.factories import TransactionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def food():
    return CategoryFactory(short_desc="groceries", display_name="Groceries", color="#ff9800")


@pytest.fixture
def pending(food):
    return TransactionFactory(
        description="SAFEWAY #12", merchant_name="Safeway", merchant_key="safeway",
        predicted_category=food, categorization_tier="merchant_map", prediction_confidence=0.93,
    )


def _changed(response) -> bool:
    return "transactionsChanged" in response.get("HX-Trigger", "")


def test_review_page_full_and_fragment(owner_client, htmx_client, pending):
    page = owner_client.get("/review/")
    html = page.content.decode()
    assert page.status_code == 200 and "<html" in html
    assert "Safeway" in html and "Groceries" in html and "93%" in html and 'id="category-options"' in html
    fragment = htmx_client.get("/review/").content.decode()
    assert "<html" not in fragment and 'id="queue"' in fragment and "Safeway" in fragment


def test_review_page_empty_state(owner_client):
    assert "All caught up" in owner_client.get("/review/").content.decode()


def test_review_accept_stages_the_prediction(htmx_client, pending, food):
    response = htmx_client.post(f"/review/{pending.pk}/accept")
    pending.refresh_from_db()
    assert (pending.status, pending.category) == (Status.PENDING_SAVE, food)
    assert _changed(response) and "staged" in response.content.decode()
    assert "<html" not in response.content.decode()


def test_review_accept_without_htmx_redirects(owner_client, pending):
    response = owner_client.post(f"/review/{pending.pk}/accept")
    assert response.status_code == 302 and response["Location"] == "/review/"
    pending.refresh_from_db()
    assert pending.status == Status.PENDING_SAVE


def test_review_category_by_label_stages_the_choice(htmx_client, pending):
    parent = CategoryFactory(short_desc="food", display_name="Food")
    coffee = CategoryFactory(short_desc="coffee", display_name="Coffee", parent=parent)
    response = htmx_client.post(f"/review/{pending.pk}/category", {"category": "Food › Coffee"})
    pending.refresh_from_db()
    assert (pending.status, pending.category) == (Status.PENDING_SAVE, coffee)
    assert _changed(response)


def test_review_category_unknown_label_changes_nothing(htmx_client, pending):
    response = htmx_client.post(f"/review/{pending.pk}/category", {"category": "Nonsense"})
    pending.refresh_from_db()
    assert pending.status == Status.PENDING_REVIEW and pending.category is None
    assert "Pick a category from the list" in response.content.decode()


def test_review_save_confirms_staged_and_learns(htmx_client, pending, food):
    other = TransactionFactory(description="SAFEWAY #99", merchant_key="safeway", amount=Decimal("3"))
    htmx_client.post(f"/review/{pending.pk}/accept")
    response = htmx_client.post("/review/save")
    pending.refresh_from_db()
    other.refresh_from_db()
    assert pending.status == Status.CONFIRMED and pending.category == food
    assert MerchantMapping.objects.get(merchant_pattern="safeway").category == food
    assert other.predicted_category == food  # re-predicted in the same request
    assert _changed(response) and 'id="queue"' in response.content.decode()


def test_review_accept_above_previews_count_then_stages(htmx_client, pending, food):
    TransactionFactory(predicted_category=food, prediction_confidence=0.5)
    preview = htmx_client.get("/review/accept-above", {"threshold": "90"})
    assert "1 row" in preview.content.decode()
    response = htmx_client.post("/review/accept-above", {"threshold": "90"})
    assert Transaction.objects.filter(status=Status.PENDING_SAVE).count() == 1
    assert _changed(response)


def test_review_delete_then_undo_restores_identically(htmx_client, pending):
    before = Transaction.objects.filter(pk=pending.pk).values().get()
    response = htmx_client.post(f"/review/{pending.pk}/delete")
    assert not Transaction.objects.filter(pk=pending.pk).exists()
    assert DeletedTransaction.objects.count() == 1
    assert "Undo" in response.content.decode() and _changed(response)
    undo = htmx_client.post("/review/undo")
    assert _changed(undo)
    assert Transaction.objects.filter(pk=pending.pk).values().get() == before


def test_review_undo_unstages(htmx_client, pending):
    htmx_client.post(f"/review/{pending.pk}/accept")
    htmx_client.post("/review/undo")
    pending.refresh_from_db()
    assert pending.status == Status.PENDING_REVIEW and pending.category is None


def test_review_why_explains_the_mapping(htmx_client, pending, food):
    MerchantMapping.objects.create(merchant_pattern="safeway", category=food, confidence=4)
    html = htmx_client.get(f"/review/{pending.pk}/why").content.decode()
    assert "safeway" in html and "4 time" in html


def test_review_keep_both_clears_the_duplicate_flag(htmx_client, pending):
    twin = TransactionFactory(account=pending.account, date=pending.date + datetime.timedelta(days=1),
                              possible_duplicate_of=pending, amount=pending.amount)
    page = htmx_client.get("/review/").content.decode()
    assert "Possible duplicate of" in page
    htmx_client.post(f"/review/{twin.pk}/keep-both")
    twin.refresh_from_db()
    assert twin.possible_duplicate_of is None


def test_review_page_runs_a_fixed_number_of_queries(owner_client, food, django_assert_max_num_queries):
    accounts = [AccountFactory() for _ in range(3)]
    for i in range(60):
        TransactionFactory(account=accounts[i % 3], predicted_category=food, prediction_confidence=0.8,
                           date=datetime.date(2026, 10, 1 + i % 28))
    # session, user, categories, the page's ids, its rows, their accounts, the pending counts
    with django_assert_max_num_queries(7):
        assert owner_client.get("/review/").status_code == 200


@pytest.mark.parametrize("path", ["/review/", "/review/1/why", "/review/accept-above"])
def test_review_get_refuses_anonymous(client, path):
    assert client.get(path)["Location"].startswith("/login/")


@pytest.mark.parametrize("path", ["/review/1/accept", "/review/save", "/review/undo",
                                  "/review/1/delete", "/review/1/category"])
def test_review_post_refuses_anonymous(client, path):
    response = client.post(path)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def _queue_rows(food, n: int) -> list[Transaction]:
    account = AccountFactory()
    return [TransactionFactory(account=account, predicted_category=food, prediction_confidence=0.8,
                               description=f"SHOP {i:03d}", date=datetime.date(2026, 10, 1 + i % 28))
            for i in range(n)]


def _row_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'class="review-row[^"]*" id="txn-(\d+)" data-id=', html)]


def test_review_load_more_appends_the_next_rows(owner_client, htmx_client, food):
    rows = _queue_rows(food, 230)
    newest_first = [t.pk for t in sorted(rows, key=lambda t: (t.date, t.pk), reverse=True)]
    page = owner_client.get("/review/").content.decode()
    assert _row_ids(page) == newest_first[:100]
    cursor = re.search(r'hx-get="/review/\?before=([\d-]+_\d+)"', page)[1]
    more = htmx_client.get("/review/", {"before": cursor})
    html = more.content.decode()
    assert more.status_code == 200 and "<html" not in html and 'id="queue"' not in html
    assert _row_ids(html) == newest_first[100:200]
    # The last page has no button; the day the previous page ended on gets no second heading.
    cursor = re.search(r'before=([\d-]+_\d+)"', html)[1]
    last = htmx_client.get("/review/", {"before": cursor}).content.decode()
    assert _row_ids(last) == newest_first[200:] and "load-more" not in last
    shown = Transaction.objects.get(pk=newest_first[99])
    heading = f"<h3>{shown.date:%A, %B} {shown.date.day}, {shown.date.year}</h3>"
    assert heading in page and heading not in html


def test_review_load_more_without_htmx_shows_the_queue_from_there(owner_client, food):
    rows = _queue_rows(food, 120)
    newest_first = [t.pk for t in sorted(rows, key=lambda t: (t.date, t.pk), reverse=True)]
    last_shown = Transaction.objects.get(pk=newest_first[99])
    response = owner_client.get("/review/", {"before": f"{last_shown.date.isoformat()}_{last_shown.pk}"})
    html = response.content.decode()
    assert "<html" in html and _row_ids(html) == newest_first[100:]


@pytest.mark.parametrize("cursor", ["", "yesterday", "2026-10-01", "2026-13-01_5", "2026-10-01_x"])
def test_review_load_more_refuses_a_bad_cursor(htmx_client, cursor):
    assert htmx_client.get("/review/", {"before": cursor}).status_code == 400


def test_review_load_more_runs_a_fixed_number_of_queries(htmx_client, food, django_assert_max_num_queries):
    rows = _queue_rows(food, 150)
    oldest_shown = sorted(rows, key=lambda t: (t.date, t.pk), reverse=True)[99]
    cursor = f"{oldest_shown.date.isoformat()}_{oldest_shown.pk}"
    # session, user, the page's ids, its rows, their accounts, their categories
    with django_assert_max_num_queries(6):
        response = htmx_client.get("/review/", {"before": cursor})
    assert len(_row_ids(response.content.decode())) == 50


def test_review_load_more_refuses_anonymous(client):
    assert client.get("/review/", {"before": "2026-10-01_5"})["Location"].startswith("/login/")
