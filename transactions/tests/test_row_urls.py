"""The review and transactions rows build their action URLs from one reversed prefix (to save
reversing them row by row): every URL a row carries must resolve to the view it is meant for."""

import re

import pytest
from django.urls import resolve

from categories.tests.factories import CategoryFactory
from transactions.tests.factories import TransactionFactory

pytestmark = pytest.mark.django_db


def _views(html: str) -> dict[str, str]:
    urls = set(re.findall(r'(?:action|hx-post|hx-get)="(/[^"?]*)"', html))
    return {url: resolve(url).url_name for url in urls}


def test_review_row_urls_resolve_to_their_views(owner_client):
    original = TransactionFactory(description="FIRST")
    t = TransactionFactory(description="SECOND", predicted_category=CategoryFactory(),
                           prediction_confidence=0.9, categorization_tier="transfer",
                           possible_duplicate_of=original)
    views = _views(owner_client.get("/review/").content.decode())
    for action in ("accept", "category", "delete", "why", "keep_both", "not_transfer"):
        assert views[f"/review/{t.pk}/{action.replace('_', '-')}"] == f"review_{action}"


def test_transaction_row_urls_resolve_to_their_views(owner_client):
    t = TransactionFactory(description="ROW")
    views = _views(owner_client.get("/transactions/").content.decode())
    for action in ("category", "merchant", "delete"):
        assert views[f"/transactions/{t.pk}/{action}"] == f"transaction_{action}"


@pytest.mark.parametrize("url", ["/review/", "/transactions/"])
def test_every_form_that_posts_carries_the_csrf_token(owner_client, url):
    TransactionFactory(description="ROW", predicted_category=CategoryFactory(), prediction_confidence=0.9)
    html = owner_client.get(url).content.decode()
    forms = re.findall(r'<form method="post".*?</form>', html, flags=re.S)
    tokens = [re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form) for form in forms]
    assert len(forms) >= 3 and all(t and len(t[1]) == 64 for t in tokens)
