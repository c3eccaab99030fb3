"""What the review and list rows show, in every state a row can be in.

The rows are built in Python (transactions/display.py), so escaping and each
branch of the markup are checked here through the pages that show them.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tests.factories import AccountFactory
from categories.tests.factories import CategoryFactory
from transactions.models import Source, Status
from transactions.tests.factories import TransactionFactory

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script> & \'quoted\''


@pytest.fixture
def food():
    return CategoryFactory(short_desc="groceries", display_name="Groceries", color="#ff9800")


def _row(html: str, pk: int) -> str:
    """The markup of one row: from its opening tag to the next row (or the end)."""
    start = re.search(rf'<(div|tr) [^>]*id="txn-{pk}"', html).start()
    following = re.search(r'<(div class="review-row|tr id="txn-)', html[start + 1:])
    return html[start:start + 1 + following.start()] if following else html[start:]


def test_review_row_escapes_what_a_bank_sends(owner_client, food):
    account = AccountFactory(name="Chk <&>")
    t = TransactionFactory(account=account, description=HOSTILE, merchant_name=HOSTILE,
                           predicted_category=food, prediction_confidence=0.5, categorization_tier="ai")
    row = _row(owner_client.get("/review/").content.decode(), t.pk)
    assert "<script>" not in row
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quoted&#x27;" in row
    assert "Chk &lt;&amp;&gt;" in row
    assert 'aria-label="Category for &lt;script&gt;' in row


def test_review_row_predicted_staged_and_unpredicted(owner_client, htmx_client, food):
    predicted = TransactionFactory(predicted_category=food, prediction_confidence=0.93,
                                   categorization_tier="merchant_map", amount=Decimal("12.50"))
    staged = TransactionFactory(status=Status.PENDING_SAVE, category=food, amount=Decimal("-40.00"))
    bare = TransactionFactory()
    html = owner_client.get("/review/").content.decode()
    shown = _row(html, predicted.pk)
    assert 'class="review-row"' in shown and "--chip-color: #ff9800" in shown and ">Groceries<" in shown
    assert "93% · " in shown and 'class="amount expense">$12.50<' in shown
    assert re.search(r'class="small accept"\s*>Accept', shown)
    assert f'hx-post="/review/{predicted.pk}/accept"' in shown
    assert f'hx-get="/review/{predicted.pk}/why"' in shown
    shown = _row(html, staged.pk)
    assert 'class="review-row staged"' in shown and 'class="staged-label">staged<' in shown
    assert 'class="amount income">+$40.00<' in shown and 'class="small accept" disabled' in shown
    shown = _row(html, bare.pk)
    assert ">no prediction<" in shown and 'class="small accept" disabled' in shown
    assert 'hx-swap-oob' not in html.split('id="queue"')[1].split("review-day")[1]
    assert 'id="queue-counts">2 waiting · 1 staged<' in html
    # After an action the row comes with the save button and the toolbar's counts out of band.
    response = htmx_client.post(f"/review/{predicted.pk}/accept").content.decode()
    assert 'id="save-staged" data-key="s" hx-swap-oob="true">Save 2 staged<' in response
    assert 'id="queue-counts" hx-swap-oob="true">1 waiting · 2 staged<' in response
    response = htmx_client.post(f"/review/{bare.pk}/delete").content.decode()
    assert "deleted-toast" in response and 'hx-swap-oob="true">0 waiting · 2 staged<' in response
    response = htmx_client.post(f"/review/{bare.pk}/accept").content.decode()  # gone: counts only
    assert response.count('hx-swap-oob="true"') == 2 and "0 waiting · 2 staged" in response


def test_review_row_picker_error_transfer_and_duplicate(htmx_client, owner_client, food):
    account = AccountFactory(name="Checking")
    original = TransactionFactory(account=account, status=Status.CONFIRMED, category=food,
                                  description="COSTCO WHOLESALE " + "X" * 60, date=datetime.date(2026, 3, 7),
                                  amount=Decimal("99.00"), source=Source.PLAID)
    flagged = TransactionFactory(possible_duplicate_of=original)
    transfer = TransactionFactory(categorization_tier="transfer", predicted_category=food,
                                  prediction_confidence=1.0)
    html = owner_client.get("/review/").content.decode()
    shown = _row(html, flagged.pk)
    assert "Possible duplicate of: Mar 7 · Checking · COSTCO WHOLESALE XXXX" in shown
    assert "…" in shown.split("Possible duplicate of:")[1] and "$99.00 (Plaid)" in shown
    assert f'action="/review/{flagged.pk}/keep-both"' in shown and ">Delete this one<" in shown
    assert f'action="/review/{transfer.pk}/not-transfer"' in _row(html, transfer.pk)
    assert "not-transfer" not in shown
    response = htmx_client.post(f"/review/{flagged.pk}/category", {"category": "no such thing"})
    row = response.content.decode()
    assert 'class="picker-input" aria-invalid="true"' in row
    assert '<p class="errorlist" role="alert">Pick a category from the list.</p>' in row


def test_list_row_shows_each_state(owner_client, owner, food, settings):
    settings.TIME_ZONE = "America/New_York"
    account = AccountFactory(institution="Bank & Co", name="Checking")
    income = TransactionFactory(account=account, status=Status.CONFIRMED, category=food, amount=Decimal("-5"),
                                confirmed_by=owner, description=HOSTILE, merchant_name="")
    edited = TransactionFactory(account=account, status=Status.CONFIRMED, category=food, is_pending=True,
                                possible_duplicate_of=income, updated_by=owner,
                                updated_at=datetime.datetime(2026, 10, 2, 3, 30, tzinfo=datetime.UTC))
    owner.first_name = "Sam"
    owner.save()
    predicted = TransactionFactory(account=account, predicted_category=food, prediction_confidence=0.8,
                                   categorization_tier="ai", amount=Decimal("1234.5"))
    html = owner_client.get("/transactions/").content.decode()
    shown = _row(html, income.pk)
    assert "<script>" not in shown and ">Bank &amp; Co Checking<" in shown
    assert 'class="amount income" title="money in">+$5.00<' in shown
    assert 'name="merchant_name" value=""' in shown
    assert 'placeholder="&lt;script&gt;alert(&quot;x&quot;)&lt;/' in shown
    assert '<small class="muted who">by Sam</small>' in shown and ">Change…<" in shown
    shown = _row(html, edited.pk)
    assert f"Looks like transaction #{income.pk} from another source" in shown
    assert "pending at the bank" in shown
    assert timezone.localtime(edited.updated_at).strftime("%Y-%m-%d %H:%M") == "2026-10-01 23:30"
    assert '<span title="2026-10-01 23:30">edited by Sam</span>' in shown
    shown = _row(html, predicted.pk)
    assert 'class="chip predicted" style="--chip-color: #ff9800"' in shown and "80% sure" in shown
    assert 'class="amount expense" title="money out">$1,234.50<' in shown and "who" not in shown
    bare = TransactionFactory(account=account)
    shown = _row(owner_client.get("/transactions/").content.decode(), bare.pk)
    assert '<span class="muted">—</span>' in shown and ">Choose…<" in shown
    assert re.search(r'name="query" value="[^"]*"', shown)
