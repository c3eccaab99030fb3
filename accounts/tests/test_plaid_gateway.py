"""The gateway against the fake Plaid server, through the real plaid-python client."""

import datetime
import json
import time
from decimal import Decimal

import pytest

from accounts import plaid_gateway as gateway
from accounts.plaid_gateway import PlaidError
from tests.fakes.plaid_server import FakePlaid

pytest_plugins = ["tests.fakes.fixtures"]


def test_gateway_links_a_sandbox_bank_and_reads_its_accounts(fake_plaid):
    public = gateway.sandbox_public_token(institution_id="ins_109508")
    exchange = gateway.exchange_public_token(public)
    item = fake_plaid.items[exchange.item_id]
    assert exchange.access_token == item.access_token
    assert exchange.access_token not in repr(exchange)
    accounts = gateway.get_accounts(exchange.access_token)
    assert accounts.institution_id == "ins_109508"
    assert accounts.institution_name == "First Platypus Bank"
    checking, saving, card = accounts.accounts
    assert (checking.name, checking.mask, checking.type, checking.subtype) == (
        "Plaid Checking", "0000", "depository", "checking")
    assert checking.current == Decimal("110.00") and checking.available == Decimal("100.00")
    assert card.type == "credit" and card.limit == Decimal("2000.00") and card.available is None
    assert gateway.get_balances(exchange.access_token).accounts[1].current == Decimal("210.00")


def test_gateway_sends_credentials_as_headers_only(fake_plaid, settings):
    settings.PLAID_SECRET = "wrong"
    with pytest.raises(PlaidError) as caught:
        gateway.sandbox_public_token(institution_id="ins_109508")
    assert caught.value.error_code == "INVALID_API_KEYS" and caught.value.status == 400
    assert not caught.value.retryable
    assert all("secret" not in body and "client_id" not in body for _, body in fake_plaid.requests)


def test_gateway_link_token_for_new_banks_and_update_mode(fake_plaid):
    token = gateway.create_link_token(user_id="1")
    assert token.link_token.startswith("link-sandbox-")
    assert token.expiration.tzinfo is not None
    path, body = fake_plaid.requests[-1]
    assert body["products"] == ["transactions"] and body["user"] == {"client_user_id": "1"}
    assert "access_token" not in body
    gateway.create_link_token(user_id="1", access_token="access-x", add_accounts=True)
    _, body = fake_plaid.requests[-1]
    assert body["access_token"] == "access-x" and "products" not in body
    assert body["update"] == {"account_selection_enabled": True}


def test_gateway_sync_page_returns_decimals_and_plain_fields(fake_plaid):
    item = fake_plaid.add_item()
    first = item.add(amount=12.34, date="2026-10-01", name="SQ *BLUE BOTTLE", merchant_name="Blue Bottle")
    item.add(account=2, amount=-250, date="2026-10-02", name="PAYMENT THANK YOU")
    page = gateway.sync_page(access_token=item.access_token, cursor="", count=1)
    assert page.has_more and page.next_cursor == "cur-1"
    (txn,) = page.added
    assert txn.transaction_id == first and txn.amount == Decimal("12.34")
    assert txn.date == datetime.date(2026, 10, 1) and txn.merchant_name == "Blue Bottle"
    assert not txn.pending and txn.pending_transaction_id is None
    rest = gateway.sync_page(access_token=item.access_token, cursor=page.next_cursor)
    assert not rest.has_more and rest.added[0].amount == Decimal("-250.00")
    assert "cursor" not in fake_plaid.requests[0][1]  # "" is sent as "leave it out"


@pytest.mark.parametrize(("status", "error_type", "code", "retryable"), [
    (429, "RATE_LIMIT_EXCEEDED", "TRANSACTIONS_SYNC_LIMIT", True),
    (400, "INSTITUTION_ERROR", "INSTITUTION_DOWN", True),
    (500, "API_ERROR", "INTERNAL_SERVER_ERROR", True),
    (400, "ITEM_ERROR", "ITEM_LOGIN_REQUIRED", False),
    (400, "TRANSACTIONS_ERROR", "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION", False),
])
def test_gateway_error_bodies_become_one_error_type(fake_plaid, status, error_type, code, retryable):
    item = fake_plaid.add_item()
    fake_plaid.fail("/transactions/sync", status=status, error_type=error_type, error_code=code)
    with pytest.raises(PlaidError) as caught:
        gateway.sync_page(access_token=item.access_token, cursor="")
    error = caught.value
    assert (error.status, error.error_type, error.error_code, error.retryable) == (
        status, error_type, code, retryable)
    assert error.needs_login == (code == "ITEM_LOGIN_REQUIRED")
    assert item.access_token not in str(error)


def test_gateway_non_json_error_body_is_handled(fake_plaid):
    item = fake_plaid.add_item()
    fake_plaid.fail_raw("/transactions/sync", status=502, text="<html>Bad gateway</html>")
    with pytest.raises(PlaidError) as caught:
        gateway.sync_page(access_token=item.access_token, cursor="")
    assert caught.value.error_code == "HTTP_502" and caught.value.retryable


def test_gateway_unknown_token_is_an_item_gone(fake_plaid):
    with pytest.raises(PlaidError) as caught:
        gateway.get_accounts("access-sandbox-nope")
    assert caught.value.item_gone


def test_gateway_times_out_on_a_slow_answer(fake_plaid, settings):
    settings.PLAID_TIMEOUT_SECONDS = 0.3
    item = fake_plaid.add_item()
    fake_plaid.stall("/transactions/sync", seconds=3)
    started = time.monotonic()
    with pytest.raises(PlaidError) as caught:
        gateway.sync_page(access_token=item.access_token, cursor="")
    assert time.monotonic() - started < 2
    assert caught.value.error_code == "TIMEOUT" and caught.value.retryable
    fake_plaid.release()


def test_gateway_network_failure_is_retryable(settings):
    with FakePlaid() as fake:
        url = fake.url
    settings.PLAID_CLIENT_ID, settings.PLAID_SECRET, settings.PLAID_API_HOST = "c", "s", url
    with pytest.raises(PlaidError) as caught:
        gateway.get_accounts("access-x")
    assert caught.value.error_code == "CONNECTION_FAILED" and caught.value.retryable


def test_gateway_refuses_to_run_unconfigured(settings):
    settings.PLAID_CLIENT_ID = ""
    assert not gateway.is_configured()
    with pytest.raises(PlaidError, match="PLAID_CLIENT_ID"):
        gateway.get_accounts("access-x")


def test_gateway_production_host_unless_overridden(settings):
    settings.PLAID_CLIENT_ID, settings.PLAID_SECRET, settings.PLAID_API_HOST = "c", "s", ""
    settings.PLAID_ENV = "production"
    assert gateway._client().api_client.configuration.host == "https://production.plaid.com"
    settings.PLAID_ENV = "sandbox"
    assert gateway._client().api_client.configuration.host == "https://sandbox.plaid.com"


def test_gateway_verifies_webhook_signatures(fake_plaid):
    body = json.dumps({"webhook_type": "TRANSACTIONS", "webhook_code": "SYNC_UPDATES_AVAILABLE"}).encode()
    good = fake_plaid.sign_webhook(body)
    assert gateway.verify_webhook(body=body, verification_header=good)
    assert not gateway.verify_webhook(body=body + b" ", verification_header=good)
    old = fake_plaid.sign_webhook(body, issued_at=time.time() - 600)
    assert not gateway.verify_webhook(body=body, verification_header=old)
    forged = FakePlaid().sign_webhook(body)  # same kid, another key
    assert not gateway.verify_webhook(body=body, verification_header=forged)
    assert not gateway.verify_webhook(body=body, verification_header="not-a-jwt")
