import datetime
import re
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import Account, AccountType
from transactions.models import Source, Status, Transaction

OPEN = {"/health", "/login/", "/setup/", "/admin/login/"}


def _concrete_paths(resolver=None, prefix="") -> list[str]:
    """Every URL pattern as a path, with 1 standing in for each parameter."""
    paths = []
    for entry in (resolver or get_resolver()).url_patterns:
        route = str(entry.pattern)
        route = re.sub(r"<[^>]+>", "1", route).lstrip("^").rstrip("$").replace("\\Z", "")
        if isinstance(entry, URLResolver):
            paths += _concrete_paths(entry, prefix + route)
        elif isinstance(entry, URLPattern):
            paths.append("/" + prefix + route)
    return [p for p in paths if "(?P" not in p and "\\" not in p]


@pytest.mark.django_db
def test_every_url_redirects_anonymous_requests_to_a_login(client, owner):
    paths = [p for p in _concrete_paths() if p not in OPEN]
    assert len(paths) > 5
    for path in paths:
        response = client.get(path)
        assert response.status_code in (302, 405), path
        if response.status_code == 302:
            assert "login" in response["Location"], path


@pytest.mark.django_db
def test_health_needs_no_login(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok" and response.json()["version"]


def _add(account, status, n=1):
    for i in range(n):
        Transaction.objects.create(
            account=account, date=datetime.date(2026, 11, 1 + i), description=f"T{i}",
            amount=Decimal("5.00"), status=status, source=Source.CSV_IMPORT,
        )


@pytest.mark.django_db
def test_stats_counts_in_one_query(owner_client, django_assert_num_queries):
    account = Account.objects.create(name="A", institution="B", account_type=AccountType.CHECKING)
    _add(account, Status.PENDING_REVIEW, 3)
    _add(account, Status.PENDING_SAVE, 2)
    _add(account, Status.CONFIRMED, 4)
    _add(account, Status.AUTO_CONFIRMED, 1)
    owner_client.get("/health")  # warm the session so only the stats query is counted
    with django_assert_num_queries(3):  # session + user + the one stats query
        response = owner_client.get("/api/stats")
    assert response.json() == {
        "total_transactions": 10, "pending_review": 3, "pending_save": 2, "confirmed": 5,
    }


@pytest.mark.django_db
def test_stats_query_itself_is_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        Transaction.objects.stats()


@pytest.mark.django_db
def test_stats_htmx_returns_the_badge_partial(htmx_client):
    account = Account.objects.create(name="A", institution="B", account_type=AccountType.CHECKING)
    _add(account, Status.PENDING_REVIEW, 2)
    response = htmx_client.get("/api/stats")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="review-badge"' in html and ">2</span>" in html
    assert "<html" not in html


@pytest.mark.django_db
def test_login_redirects_to_setup_until_an_owner_exists(client, django_user_model):
    assert client.get("/login/")["Location"] == "/setup/"
    response = client.post("/setup/", {
        "username": "sam", "email": "sam@example.com",
        "password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase",
    })
    assert response.status_code == 302 and response["Location"] == "/"
    sam = django_user_model.objects.get(username="sam")
    assert sam.is_superuser and sam.is_staff
    assert client.get("/").status_code == 200
    client.logout()
    assert client.get("/setup/")["Location"] == "/login/"


@pytest.mark.django_db
def test_setup_rejects_weak_password(client, django_user_model):
    response = client.post("/setup/", {
        "username": "sam", "password1": "123", "password2": "123",
    })
    assert response.status_code == 200
    assert not django_user_model.objects.exists()


@pytest.mark.django_db
def test_dashboard_empty_state_points_to_import_and_accounts(owner_client):
    html = owner_client.get("/").content.decode()
    assert "No transactions yet" in html
    assert "import a bank file" in html and "accounts" in html


@pytest.mark.django_db
def test_admin_never_shows_an_access_token(owner_client):
    account = Account.objects.create(
        name="Linked", institution="Bank", account_type=AccountType.CHECKING,
        plaid_access_token="access-sandbox-topsecret",
    )
    for url in ("/admin/accounts/account/", f"/admin/accounts/account/{account.pk}/change/"):
        html = owner_client.get(url).content.decode()
        assert "topsecret" not in html and "plaid_access_token" not in html
