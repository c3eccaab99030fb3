"""The Accounts and Connect pages: full pages, htmx fragments, DB changes, events, access."""

import json

import pytest

from accounts import views
from accounts.models import Account, ConnectionStatus, SyncLog, SyncStatus
from accounts.tests.factories import AccountFactory, LinkedAccountFactory, link_fake_item
from transactions.models import Transaction

pytest_plugins = ["tests.fakes.fixtures"]
pytestmark = pytest.mark.django_db

LINK_SCRIPT = "cdn.plaid.com/link/v2/stable/link-initialize.js"


def _events(response) -> str:
    return response.headers.get("HX-Trigger", "")


def test_account_list_page_shows_banks_balances_and_manual_accounts(owner_client):
    linked = LinkedAccountFactory(name="Plaid Checking", mask="0000", balance_current="110.00",
                                  last_sync_error="Rate limit; will retry.")
    SyncLog.objects.create(account=linked, trigger="scheduled", status=SyncStatus.ERROR,
                           error_message="INSTITUTION_DOWN at 3am")
    AccountFactory(name="Cash jar", institution="Home", mask="")
    html = owner_client.get("/accounts/").content.decode()
    assert "<html" in html and 'id="accounts"' in html
    assert "First Platypus Bank" in html and "Plaid Checking" in html and "…0000" in html
    assert "$110.00" in html and "Rate limit; will retry." in html and "INSTITUTION_DOWN at 3am" in html
    assert "Sync now" in html and "Cash jar" in html and "Add a manual account" in html
    assert LINK_SCRIPT not in html  # Link loads only on the Connect page
    assert linked.plaid_access_token not in html


def test_account_list_htmx_gets_the_fragment(htmx_client):
    AccountFactory(name="Cash jar")
    html = htmx_client.get("/accounts/").content.decode()
    assert "<html" not in html and html.lstrip().startswith('<div id="accounts">')
    assert "Cash jar" in html


def test_account_list_offers_connect_only_when_plaid_is_configured(owner_client, settings):
    settings.PLAID_CLIENT_ID, settings.PLAID_SECRET = "", ""
    assert "set PLAID_CLIENT_ID" in owner_client.get("/accounts/").content.decode()
    settings.PLAID_CLIENT_ID, settings.PLAID_SECRET = "id", "secret"
    assert 'href="/accounts/connect"' in owner_client.get("/accounts/").content.decode()


def test_account_create_full_page_and_htmx(owner_client, htmx_client):
    response = owner_client.post("/accounts/new", {
        "name": "Everyday", "institution": "Credit Union", "account_type": "checking",
        "mask": "1234 5678 9012"})
    assert response.status_code == 302 and response["Location"] == "/accounts/"
    account = Account.objects.get(name="Everyday")
    assert account.mask == "9012" and not account.plaid_item_id
    response = htmx_client.post("/accounts/new", {
        "name": "Savings", "institution": "Credit Union", "account_type": "savings", "mask": ""})
    html = response.content.decode()
    assert "<html" not in html and "Added Credit Union Savings." in html
    assert "accountsChanged" in _events(response)
    assert Account.objects.count() == 2


def test_account_create_refuses_a_bad_form_with_sentences(htmx_client):
    response = htmx_client.post("/accounts/new", {"name": "", "institution": "X",
                                                  "account_type": "checking", "mask": "12-34"})
    html = response.content.decode()
    assert "This field is required." in html and "Use only the digits" in html
    assert not Account.objects.exists() and "accountsChanged" not in _events(response)


def test_account_edit_page_and_save(owner_client, htmx_client):
    account = AccountFactory(name="Old name", mask="1111")
    html = owner_client.get(f"/accounts/{account.pk}/edit").content.decode()
    assert "<html" in html and f"Edit {account}" in html and 'value="Old name"' in html
    fragment = htmx_client.get(f"/accounts/{account.pk}/edit").content.decode()
    assert "<html" not in fragment and 'value="Old name"' in fragment
    response = htmx_client.post(f"/accounts/{account.pk}/edit", {
        "name": "New name", "institution": account.institution, "account_type": "credit_card",
        "mask": "2222"})
    assert "Saved" in response.content.decode() and "accountsChanged" in _events(response)
    account.refresh_from_db()
    assert (account.name, account.account_type, account.mask) == ("New name", "credit_card", "2222")


def test_account_edit_of_a_linked_account_keeps_its_link(htmx_client):
    account = LinkedAccountFactory()
    htmx_client.post(f"/accounts/{account.pk}/edit", {
        "name": "Bills", "institution": account.institution, "account_type": "checking", "mask": ""})
    account.refresh_from_db()
    assert account.name == "Bills" and account.plaid_item_id == "item-test"
    assert account.plaid_access_token == "access-sandbox-secret-token"


def test_account_sync_now_htmx_updates_the_card_and_counts(fake_plaid, htmx_client):
    item = fake_plaid.add_item()
    account = link_fake_item(fake_plaid, item).accounts[0]
    item.add(amount=12.00, date="2026-10-01", name="BOOKSHOP")
    response = htmx_client.post(f"/accounts/{account.pk}/sync")
    html = response.content.decode()
    assert "<html" not in html and html.lstrip().startswith(f'<article class="bank" id="bank-{account.pk}"')
    assert "1 added, 0 modified, 0 removed" in html and "balances updated" in html
    assert "transactionsChanged" in _events(response)
    assert Transaction.objects.get().description == "BOOKSHOP"
    quiet = htmx_client.post(f"/accounts/{account.pk}/sync")
    assert "transactionsChanged" not in _events(quiet)
    assert item.access_token not in html


def test_account_sync_now_full_page_redirects_with_the_summary(fake_plaid, owner_client):
    item = fake_plaid.add_item()
    account = link_fake_item(fake_plaid, item).accounts[0]
    response = owner_client.post(f"/accounts/{account.pk}/sync", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/"
    assert "0 added, 0 modified, 0 removed" in response.content.decode()


def test_account_sync_now_is_refused_politely_while_another_runs(htmx_client):
    account = LinkedAccountFactory(sync_claim_token="someone-else")
    from django.utils import timezone

    Account.objects.update(sync_claimed_at=timezone.now())
    html = htmx_client.post(f"/accounts/{account.pk}/sync").content.decode()
    assert "Another sync of this bank is running" in html


def test_account_sync_of_a_manual_account_is_not_found(htmx_client):
    assert htmx_client.post(f"/accounts/{AccountFactory().pk}/sync").status_code == 404


def test_account_needing_login_shows_reconnect(fake_plaid, owner_client, htmx_client):
    item = fake_plaid.add_item()
    account = link_fake_item(fake_plaid, item).accounts[0]
    item.error = "ITEM_LOGIN_REQUIRED"
    html = htmx_client.post(f"/accounts/{account.pk}/sync").content.decode()
    assert "log in again" in html
    page = owner_client.get("/accounts/").content.decode()
    assert f"/accounts/connect?mode=reconnect&amp;account={account.pk}" in page and "Reconnect" in page
    assert "Needs attention" in page


def test_connect_page_loads_link_only_there(owner_client, fake_plaid):
    html = owner_client.get("/accounts/connect").content.decode()
    assert LINK_SCRIPT in html and "js/plaid_link.js" in html
    assert 'id="plaid-link"' in html and 'data-mode="new"' in html
    assert "<script>" not in html.replace(" ", "")  # no inline scripts


def test_connect_page_update_mode_for_a_linked_bank(owner_client, fake_plaid):
    account = LinkedAccountFactory()
    html = owner_client.get(f"/accounts/connect?mode=reconnect&account={account.pk}").content.decode()
    assert "Reconnect First Platypus Bank" in html and 'data-mode="reconnect"' in html
    assert f"/accounts/{account.pk}/link-repaired" in html
    assert account.plaid_access_token not in html


def test_connect_page_without_plaid_keys_explains(owner_client, settings):
    settings.PLAID_CLIENT_ID = ""
    html = owner_client.get("/accounts/connect").content.decode()
    assert "Plaid is not set up" in html and LINK_SCRIPT not in html


def test_link_token_new_and_update_mode(owner_client, fake_plaid):
    response = owner_client.post("/accounts/link-token", {"mode": "new"})
    assert response.json()["link_token"].startswith("link-sandbox-")
    item = fake_plaid.add_item()
    account = link_fake_item(fake_plaid, item).accounts[0]
    response = owner_client.post("/accounts/link-token", {"mode": "add", "account": account.pk})
    assert item.access_token not in response.content.decode()
    _, sent = [r for r in fake_plaid.requests if r[0] == "/link/token/create"][-1]
    assert sent["access_token"] == item.access_token and sent["update"]["account_selection_enabled"]


def test_link_token_reports_plaid_failures(owner_client, fake_plaid):
    fake_plaid.fail("/link/token/create", status=400, error_type="INVALID_INPUT",
                    error_code="INVALID_FIELD")
    response = owner_client.post("/accounts/link-token", {"mode": "new"})
    assert response.status_code == 502 and "INVALID_FIELD" in response.json()["error"]


def test_link_exchange_creates_accounts_and_syncs(htmx_client, fake_plaid):
    item = fake_plaid.add_item()
    item.add(amount=30.00, date="2026-10-01", name="FUEL STATION")
    response = htmx_client.post("/accounts/link-exchange", {
        "public_token": fake_plaid.public_token_for(item), "institution_id": "ins_109508",
        "institution_name": "First Platypus Bank"})
    html = response.content.decode()
    assert "<html" not in html and "Linked First Platypus Bank" in html
    assert "Plaid Checking …0000" in html and "1 added" in html
    assert {"accountsChanged", "transactionsChanged"} <= set(json.loads(_events(response)))
    accounts = Account.objects.of_item(item.item_id)
    assert accounts.count() == 3 and {a.plaid_connection_status for a in accounts} == {"connected"}
    assert accounts.get(mask="3333").account_type == "credit_card"
    assert item.access_token not in html


def test_link_exchange_refuses_a_bank_already_linked(htmx_client, fake_plaid):
    first = fake_plaid.add_item()
    link_fake_item(fake_plaid, first)
    second = fake_plaid.add_item()
    response = htmx_client.post("/accounts/link-exchange", {
        "public_token": fake_plaid.public_token_for(second), "institution_id": "ins_109508"})
    html = response.content.decode()
    assert "already linked" in html and "mode=add" in html
    assert fake_plaid.calls("/item/public_token/exchange") == 1
    assert Account.objects.count() == 3 and "accountsChanged" not in _events(response)


def test_link_exchange_reports_a_bad_public_token(htmx_client, fake_plaid):
    html = htmx_client.post("/accounts/link-exchange", {"public_token": "public-bad"}).content.decode()
    assert "Plaid refused to link the bank" in html and "INVALID_PUBLIC_TOKEN" in html
    assert not Account.objects.exists()


def test_link_repaired_resumes_syncing(htmx_client, fake_plaid):
    item = fake_plaid.add_item()
    account = link_fake_item(fake_plaid, item).accounts[0]
    item.error = "ITEM_LOGIN_REQUIRED"
    htmx_client.post(f"/accounts/{account.pk}/sync")
    assert Account.objects.needing_user().count() == 3
    item.error = None
    item.add(amount=3.00, date="2026-10-02", name="PARKING")
    response = htmx_client.post(f"/accounts/{account.pk}/link-repaired", {"mode": "reconnect"})
    html = response.content.decode()
    assert "is connected again" in html and "1 added" in html
    assert "transactionsChanged" in _events(response)
    assert not Account.objects.needing_user().exists()
    assert set(Account.objects.values_list("plaid_connection_status", flat=True)) == {
        ConnectionStatus.CONNECTED}


def test_webhook_is_off_by_default(client):
    assert client.post("/plaid/webhook", b"{}", content_type="application/json").status_code == 404


def test_webhook_verifies_and_starts_a_sync(client, fake_plaid, settings, monkeypatch):
    settings.PLAID_WEBHOOK_URL = "https://budget.example.com/plaid/webhook"
    item = fake_plaid.add_item()
    link_fake_item(fake_plaid, item)
    started = []
    monkeypatch.setattr(views, "sync_in_background",
                        lambda item_id, trigger: started.append((item_id, trigger)))
    body = json.dumps({"webhook_type": "TRANSACTIONS", "webhook_code": "SYNC_UPDATES_AVAILABLE",
                       "item_id": item.item_id, "environment": "sandbox"}).encode()
    unsigned = client.post("/plaid/webhook", body, content_type="application/json")
    assert unsigned.status_code == 401 and not started
    signed = client.post("/plaid/webhook", body, content_type="application/json",
                         headers={"Plaid-Verification": fake_plaid.sign_webhook(body)})
    assert signed.status_code == 200 and signed.json() == {"result": "sync started"}
    assert started == [(item.item_id, "webhook")]


@pytest.mark.parametrize("path", ["/accounts/", "/accounts/new", "/accounts/1/edit", "/accounts/connect"])
def test_account_pages_refuse_anonymous(client, path):
    assert client.get(path)["Location"].startswith("/login/")


@pytest.mark.parametrize("path", ["/accounts/new", "/accounts/1/edit", "/accounts/1/sync",
                                  "/accounts/link-token", "/accounts/link-exchange",
                                  "/accounts/1/link-repaired"])
def test_account_actions_refuse_anonymous(client, path):
    assert client.post(path)["Location"].startswith("/login/")
    assert not Account.objects.exists()


def test_access_token_never_appears_in_any_page_or_the_admin(owner_client, htmx_client, fake_plaid):
    item = fake_plaid.add_item()
    account = link_fake_item(fake_plaid, item).accounts[0]
    token = item.access_token
    pages = [
        owner_client.get("/accounts/"), htmx_client.get("/accounts/"),
        owner_client.get(f"/accounts/{account.pk}/edit"),
        owner_client.get(f"/accounts/connect?mode=add&account={account.pk}"),
        owner_client.get(f"/admin/accounts/account/{account.pk}/change/"),
        owner_client.get("/admin/accounts/account/"), owner_client.get("/admin/accounts/synclog/"),
        htmx_client.post(f"/accounts/{account.pk}/sync"),
        owner_client.post("/accounts/link-token", {"mode": "reconnect", "account": account.pk}),
    ]
    assert all(page.status_code == 200 for page in pages)
    assert not any(token in page.content.decode() for page in pages)
