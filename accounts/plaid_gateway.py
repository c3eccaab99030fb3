"""The one door to Plaid: the only module that imports `plaid`.

Everything else in the app sees plain dataclasses with Decimal money and one
error type, `PlaidError`, carrying Plaid's error_type / error_code /
display_message. One client is built per process from settings
(`PLAID_CLIENT_ID`, `PLAID_SECRET`, `PLAID_ENV`, `PLAID_API_HOST`) and every
call has a timeout (`PLAID_TIMEOUT_SECONDS`): the client's default has none.

`/transactions/sync` and the two investments endpoints are read as raw JSON
(`_preload_content=False`): the client's typed models decode about 170
transactions/s, raw JSON about 50x more, so the few fields the app uses are
validated here instead.
Access tokens are passed in and never logged, stored or put in a message.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

import plaid
import urllib3
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.conf import settings
from django.core.signals import setting_changed
from plaid.api import plaid_api
from plaid.model.accounts_balance_get_request import AccountsBalanceGetRequest
from plaid.model.accounts_get_request import AccountsGetRequest
from plaid.model.country_code import CountryCode
from plaid.model.investments_holdings_get_request import InvestmentsHoldingsGetRequest
from plaid.model.investments_transactions_get_request import InvestmentsTransactionsGetRequest
from plaid.model.investments_transactions_get_request_options import (
    InvestmentsTransactionsGetRequestOptions,
)
from plaid.model.item_public_token_exchange_request import ItemPublicTokenExchangeRequest
from plaid.model.link_token_create_request import LinkTokenCreateRequest
from plaid.model.link_token_create_request_update import LinkTokenCreateRequestUpdate
from plaid.model.link_token_create_request_user import LinkTokenCreateRequestUser
from plaid.model.products import Products
from plaid.model.sandbox_public_token_create_request import SandboxPublicTokenCreateRequest
from plaid.model.sandbox_public_token_create_request_options import (
    SandboxPublicTokenCreateRequestOptions,
)
from plaid.model.transactions_sync_request import TransactionsSyncRequest
from plaid.model.webhook_verification_key_get_request import WebhookVerificationKeyGetRequest

HOSTS = {"sandbox": plaid.Environment.Sandbox, "production": plaid.Environment.Production}
SYNC_PAGE_SIZE = 500
INVESTMENT_PAGE_SIZE = 500
CONNECT_TIMEOUT = 10.0
WEBHOOK_MAX_AGE = datetime.timedelta(minutes=5)
CENT = Decimal("0.01")

# Worth retrying with backoff: Plaid or the bank is busy or briefly down.
_RETRYABLE_CODES = {
    "INSTITUTION_DOWN", "INSTITUTION_NOT_RESPONDING", "INTERNAL_SERVER_ERROR",
    "PLANNED_MAINTENANCE", "PRODUCT_NOT_READY", "TIMEOUT", "CONNECTION_FAILED",
}


class PlaidError(Exception):
    """A failed Plaid call: an error response, a timeout, or an unreadable answer.

    `display_message` is Plaid's sentence meant for the user (often empty);
    `str()` is what the app shows and logs: never a token.
    """

    def __init__(self, message: str, *, error_type: str = "API_ERROR", error_code: str = "",
                 display_message: str = "", status: int | None = None, request_id: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.error_type = error_type
        self.error_code = error_code
        self.display_message = display_message or ""
        self.status = status
        self.request_id = request_id

    def __str__(self) -> str:
        text = self.display_message or self.message
        return f"{text} ({self.error_code})" if self.error_code else text

    @property
    def retryable(self) -> bool:
        """Transient: rate limits, bank outages, Plaid 5xx, timeouts and network failures."""
        return (self.error_type == "RATE_LIMIT_EXCEEDED" or self.error_code in _RETRYABLE_CODES
                or (self.status is not None and self.status >= 500))

    @property
    def needs_login(self) -> bool:
        """The bank wants the person to log in again (Link in update mode repairs it)."""
        return self.error_code in ("ITEM_LOGIN_REQUIRED", "PENDING_EXPIRATION", "PENDING_DISCONNECT")

    @property
    def item_gone(self) -> bool:
        """The access token no longer works at all: the bank must be connected anew."""
        return self.error_code in ("ITEM_NOT_FOUND", "INVALID_ACCESS_TOKEN", "USER_PERMISSION_REVOKED")

    @property
    def mutation_during_pagination(self) -> bool:
        return self.error_code == "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION"


@dataclass(frozen=True)
class LinkToken:
    link_token: str
    expiration: datetime.datetime


@dataclass(frozen=True)
class Exchange:
    access_token: str = field(repr=False)
    item_id: str


@dataclass(frozen=True)
class PlaidAccount:
    """One account of an item, with its balances as Plaid reports them."""

    account_id: str
    name: str
    official_name: str
    mask: str
    type: str
    subtype: str
    current: Decimal | None
    available: Decimal | None
    limit: Decimal | None


@dataclass(frozen=True)
class ItemAccounts:
    """An item (one bank login) and its accounts."""

    item_id: str
    institution_id: str
    institution_name: str
    accounts: list[PlaidAccount]
    products: tuple[str, ...] = ()  # billed and requested products, e.g. ("investments", "transactions")


@dataclass(frozen=True, slots=True)
class PlaidTransaction:
    """One transaction; `amount > 0` is money out, as everywhere in the app."""

    transaction_id: str
    account_id: str
    amount: Decimal
    date: datetime.date
    name: str
    merchant_name: str
    pending: bool
    pending_transaction_id: str | None


@dataclass(frozen=True)
class SyncPage:
    """One page of `/transactions/sync`: changes after the cursor it was asked with."""

    added: list[PlaidTransaction]
    modified: list[PlaidTransaction]
    removed: list[str]
    next_cursor: str
    has_more: bool


def is_configured() -> bool:
    return bool(settings.PLAID_CLIENT_ID and settings.PLAID_SECRET)


@cache
def _client() -> plaid_api.PlaidApi:
    if not is_configured():
        raise PlaidError("Plaid is not set up: set PLAID_CLIENT_ID and PLAID_SECRET.",
                         error_type="CONFIGURATION", error_code="NOT_CONFIGURED")
    # Configuration() without a host points at production: always pass one.
    host = settings.PLAID_API_HOST or HOSTS[settings.PLAID_ENV]
    config = plaid.Configuration(
        host=host, api_key={"clientId": settings.PLAID_CLIENT_ID, "secret": settings.PLAID_SECRET})
    return plaid_api.PlaidApi(plaid.ApiClient(config))


def _reset(setting: str, **kwargs) -> None:
    if setting.startswith("PLAID_"):
        _client.cache_clear()
        _verification_key.cache_clear()


setting_changed.connect(_reset)


def _call(method: str, request, *, raw: bool = False):
    """Call one endpoint with a timeout; every failure becomes a PlaidError."""
    timeout = settings.PLAID_TIMEOUT_SECONDS
    options = {"_request_timeout": (min(CONNECT_TIMEOUT, timeout), timeout)}
    if raw:
        options["_preload_content"] = False
    try:
        return getattr(_client(), method)(request, **options)
    except plaid.ApiException as exc:
        raise _from_api_exception(exc) from exc
    except urllib3.exceptions.HTTPError as exc:
        reason = getattr(exc, "reason", None) or exc
        # NewConnectionError subclasses ConnectTimeoutError: test for it first.
        refused = isinstance(reason, urllib3.exceptions.NewConnectionError)
        if not refused and isinstance(reason, urllib3.exceptions.TimeoutError):
            raise PlaidError(f"Plaid did not answer within {timeout:g} s.", error_type="API_ERROR",
                             error_code="TIMEOUT") from exc
        raise PlaidError("Could not reach Plaid (network error).", error_type="API_ERROR",
                         error_code="CONNECTION_FAILED") from exc
    except (plaid.ApiTypeError, plaid.ApiValueError, plaid.ApiAttributeError, TypeError) as exc:
        raise _unreadable(method) from exc


def _from_api_exception(exc: plaid.ApiException) -> PlaidError:
    """Plaid's error body (a str, maybe not JSON: a proxy's 502 page) as a PlaidError."""
    try:
        body = json.loads(exc.body or "{}")
    except (ValueError, TypeError):
        body = {}
    if not isinstance(body, dict):
        body = {}
    return PlaidError(
        str(body.get("error_message") or f"Plaid answered HTTP {exc.status}."),
        error_type=str(body.get("error_type") or "API_ERROR"),
        error_code=str(body.get("error_code") or f"HTTP_{exc.status}"),
        display_message=str(body.get("display_message") or ""),
        status=exc.status, request_id=str(body.get("request_id") or ""),
    )


def _unreadable(what: str) -> PlaidError:
    return PlaidError(f"Plaid sent an answer to {what} that this app cannot read.",
                      error_type="API_ERROR", error_code="UNREADABLE_RESPONSE")


def _money(value) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise TypeError(f"not a number: {value!r}")
    return Decimal(str(value)).quantize(CENT)


def _text(value) -> str:
    """A plain string from a str, None, or one of the client's enum wrappers."""
    value = getattr(value, "value", value)
    return "" if value is None else str(value)


def create_link_token(*, user_id: str, access_token: str | None = None,
                      add_accounts: bool = False) -> LinkToken:
    """A token that opens Link: for a new bank, or with `access_token` in update mode
    (repair a login; with `add_accounts`, also pick more accounts of that bank)."""
    fields = {
        "client_name": settings.PLAID_CLIENT_NAME[:30], "language": "en",
        "country_codes": [CountryCode(code) for code in settings.PLAID_COUNTRY_CODES],
        "user": LinkTokenCreateRequestUser(client_user_id=user_id),
    }
    if settings.PLAID_WEBHOOK_URL:
        fields["webhook"] = settings.PLAID_WEBHOOK_URL
    if access_token:
        fields["access_token"] = access_token
        if add_accounts:
            fields["update"] = LinkTokenCreateRequestUpdate(account_selection_enabled=True)
    else:
        fields["products"] = [Products("transactions")]
        # A brokerage may also share holdings (investments); a bank without them still links.
        fields["optional_products"] = [Products("investments")]
    response = _call("link_token_create", LinkTokenCreateRequest(**fields))
    return LinkToken(link_token=response.link_token, expiration=response.expiration)


def exchange_public_token(public_token: str) -> Exchange:
    response = _call("item_public_token_exchange",
                     ItemPublicTokenExchangeRequest(public_token=public_token))
    return Exchange(access_token=response.access_token, item_id=response.item_id)


def sandbox_public_token(*, institution_id: str) -> str:
    """Sandbox only: a public token for a test bank, skipping Link (and a browser) entirely."""
    fields = {"institution_id": institution_id, "initial_products": [Products("transactions")]}
    if settings.PLAID_WEBHOOK_URL:
        fields["options"] = SandboxPublicTokenCreateRequestOptions(webhook=settings.PLAID_WEBHOOK_URL)
    return _call("sandbox_public_token_create", SandboxPublicTokenCreateRequest(**fields)).public_token


def get_accounts(access_token: str) -> ItemAccounts:
    """The item and its accounts with cached balances (free; used when linking)."""
    return _item_accounts(_call("accounts_get", AccountsGetRequest(access_token=access_token)),
                          "/accounts/get")


def get_balances(access_token: str) -> ItemAccounts:
    """The item and its accounts with real-time balances (slow: may take 30 s)."""
    return _item_accounts(
        _call("accounts_balance_get", AccountsBalanceGetRequest(access_token=access_token)),
        "/accounts/balance/get")


def _item_accounts(response, what: str) -> ItemAccounts:
    try:
        item = response.item
        products = [*(item.get("billed_products") or []), *(item.get("products") or [])]
        return ItemAccounts(
            item_id=item.item_id, institution_id=_text(item.get("institution_id")),
            institution_name=_text(item.get("institution_name")),
            products=tuple(sorted({_text(p) for p in products})),
            accounts=[
                PlaidAccount(
                    account_id=a.account_id, name=a.name, official_name=_text(a.official_name),
                    mask=_text(a.mask), type=_text(a.type), subtype=_text(a.subtype),
                    current=_money(a.balances.current), available=_money(a.balances.available),
                    limit=_money(a.balances.limit),
                )
                for a in response.accounts
            ],
        )
    except (AttributeError, TypeError, KeyError, plaid.ApiAttributeError) as exc:
        raise _unreadable(what) from exc


def sync_page(*, access_token: str, cursor: str, count: int | None = None) -> SyncPage:
    """One page of changes after `cursor` ("" = from the beginning), read as raw JSON."""
    fields = {"access_token": access_token, "count": count or SYNC_PAGE_SIZE}
    if cursor:  # the client refuses None; leaving it out asks for the full history
        fields["cursor"] = cursor
    response = _call("transactions_sync", TransactionsSyncRequest(**fields), raw=True)
    try:
        body = json.loads(response.data, parse_float=Decimal)
    except ValueError as exc:
        raise _unreadable("/transactions/sync") from exc
    finally:
        response.release_conn()
    try:
        if not isinstance(body["has_more"], bool) or not isinstance(body["next_cursor"], str):
            raise TypeError("has_more or next_cursor has the wrong type")
        return SyncPage(
            added=[_transaction(t) for t in body["added"]],
            modified=[_transaction(t) for t in body["modified"]],
            removed=[_required_str(r, "transaction_id") for r in body["removed"]],
            next_cursor=body["next_cursor"], has_more=body["has_more"],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise _unreadable("/transactions/sync") from exc


def _required_str(data: dict, key: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value:
        raise TypeError(f"{key} must be a non-empty string")
    return value


def _transaction(data: dict) -> PlaidTransaction:
    amount = _money(data["amount"])
    if amount is None or not isinstance(data["pending"], bool):
        raise TypeError("amount and pending are required")
    name = data.get("name") or data.get("merchant_name") or data.get("original_description") or ""
    return PlaidTransaction(
        transaction_id=_required_str(data, "transaction_id"),
        account_id=_required_str(data, "account_id"),
        amount=amount,
        date=datetime.date.fromisoformat(_required_str(data, "date")[:10]),
        name=str(name).strip() or "(no description)",
        merchant_name=str(data.get("merchant_name") or ""),
        pending=data["pending"],
        pending_transaction_id=data.get("pending_transaction_id") or None,
    )


@dataclass(frozen=True, slots=True)
class PlaidSecurity:
    """A security as Plaid describes it; only `security_id` is always there."""

    security_id: str
    name: str
    ticker: str
    type: str
    cusip: str
    isin: str
    currency: str
    close_price: Decimal | None
    close_price_as_of: datetime.date | None


@dataclass(frozen=True, slots=True)
class PlaidHolding:
    """A position; `cost_basis` is the total paid (None: the institution does not say)."""

    account_id: str
    security_id: str
    quantity: Decimal
    institution_price: Decimal
    institution_price_as_of: datetime.date | None
    cost_basis: Decimal | None


@dataclass(frozen=True, slots=True)
class PlaidInvestmentTransaction:
    """Investment activity; `amount > 0` is cash out of the account (Plaid's convention and ours)."""

    investment_transaction_id: str
    account_id: str
    security_id: str | None
    date: datetime.date
    name: str
    quantity: Decimal
    amount: Decimal
    price: Decimal | None
    fees: Decimal
    type: str
    subtype: str


@dataclass(frozen=True)
class Holdings:
    """`/investments/holdings/get`: every position of the item and the securities they name."""

    holdings: list[PlaidHolding]
    securities: list[PlaidSecurity]


@dataclass(frozen=True)
class InvestmentActivity:
    """Every page of `/investments/transactions/get` for a date range."""

    transactions: list[PlaidInvestmentTransaction]
    securities: list[PlaidSecurity]


def _raw(method: str, request, what: str) -> dict:
    response = _call(method, request, raw=True)
    try:
        body = json.loads(response.data, parse_float=Decimal)
    except ValueError as exc:
        raise _unreadable(what) from exc
    finally:
        response.release_conn()
    if not isinstance(body, dict):
        raise _unreadable(what)
    return body


def _number(value) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise TypeError(f"not a number: {value!r}")
    return Decimal(value)


def _date_or_none(value) -> datetime.date | None:
    return datetime.date.fromisoformat(value[:10]) if isinstance(value, str) and value else None


def _security(data: dict) -> PlaidSecurity:
    close = data.get("close_price")
    return PlaidSecurity(
        security_id=_required_str(data, "security_id"), name=str(data.get("name") or ""),
        ticker=str(data.get("ticker_symbol") or ""), type=str(data.get("type") or ""),
        cusip=str(data.get("cusip") or ""), isin=str(data.get("isin") or ""),
        currency=str(data.get("iso_currency_code") or "USD"),
        close_price=None if close is None else _number(close),
        close_price_as_of=_date_or_none(data.get("close_price_as_of")),
    )


def get_holdings(access_token: str) -> Holdings:
    """The item's investment positions and securities, read as raw JSON."""
    body = _raw("investments_holdings_get", InvestmentsHoldingsGetRequest(access_token=access_token),
                "/investments/holdings/get")
    try:
        return Holdings(
            holdings=[PlaidHolding(
                account_id=_required_str(h, "account_id"), security_id=_required_str(h, "security_id"),
                quantity=_number(h["quantity"]), institution_price=_number(h["institution_price"]),
                institution_price_as_of=_date_or_none(h.get("institution_price_as_of")),
                cost_basis=_money(h.get("cost_basis")),
            ) for h in body["holdings"]],
            securities=[_security(s) for s in body["securities"]],
        )
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise _unreadable("/investments/holdings/get") from exc


def get_investment_transactions(access_token: str, *, start: datetime.date,
                                end: datetime.date) -> InvestmentActivity:
    """Every investment transaction from `start` to `end`, paging by offset to the reported total."""
    what = "/investments/transactions/get"
    transactions: list[PlaidInvestmentTransaction] = []
    securities: dict[str, PlaidSecurity] = {}
    while True:
        options = InvestmentsTransactionsGetRequestOptions(count=INVESTMENT_PAGE_SIZE,
                                                           offset=len(transactions))
        body = _raw("investments_transactions_get", InvestmentsTransactionsGetRequest(
            access_token=access_token, start_date=start, end_date=end, options=options), what)
        try:
            total = body["total_investment_transactions"]
            page = [_investment_transaction(t) for t in body["investment_transactions"]]
            for security in body.get("securities") or []:
                parsed = _security(security)
                securities[parsed.security_id] = parsed
            if isinstance(total, bool) or not isinstance(total, int):
                raise TypeError("total_investment_transactions is not an integer")
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            raise _unreadable(what) from exc
        transactions += page
        if len(transactions) >= total or not page:
            return InvestmentActivity(transactions=transactions, securities=list(securities.values()))


def _investment_transaction(data: dict) -> PlaidInvestmentTransaction:
    price, amount = data.get("price"), _money(data["amount"])
    if amount is None:
        raise TypeError("amount is required")
    return PlaidInvestmentTransaction(
        investment_transaction_id=_required_str(data, "investment_transaction_id"),
        account_id=_required_str(data, "account_id"),
        security_id=data.get("security_id") or None,
        date=datetime.date.fromisoformat(_required_str(data, "date")[:10]),
        name=str(data.get("name") or "").strip(),
        quantity=_number(data["quantity"]), amount=amount,
        price=None if price is None else _number(price), fees=_money(data.get("fees")) or Decimal("0.00"),
        type=_required_str(data, "type"), subtype=str(data.get("subtype") or ""),
    )


@cache
def _verification_key(key_id: str) -> ec.EllipticCurvePublicKey:
    response = _call("webhook_verification_key_get", WebhookVerificationKeyGetRequest(key_id=key_id))
    key = response.key
    if key.expired_at is not None or key.crv != "P-256":
        raise PlaidError("The webhook's signing key is expired or unknown.",
                         error_type="INVALID_INPUT", error_code="WEBHOOK_KEY_EXPIRED")
    numbers = ec.EllipticCurvePublicNumbers(
        int.from_bytes(_b64(key.x), "big"), int.from_bytes(_b64(key.y), "big"), ec.SECP256R1())
    return numbers.public_key()


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_webhook(*, body: bytes, verification_header: str) -> bool:
    """True when the Plaid-Verification JWT (ES256) signs exactly this body, recently.

    Checks: the signing key (fetched from Plaid by its `kid`, cached), the
    signature, `iat` at most five minutes old, and `request_body_sha256`.
    """
    try:
        header_b64, claims_b64, signature_b64 = verification_header.split(".")
        header = json.loads(_b64(header_b64))
        claims = json.loads(_b64(claims_b64))
        signature = _b64(signature_b64)
        if header.get("alg") != "ES256" or len(signature) != 64 or not header.get("kid"):
            return False
        key = _verification_key(str(header["kid"]))
        key.verify(
            encode_dss_signature(int.from_bytes(signature[:32], "big"),
                                 int.from_bytes(signature[32:], "big")),
            f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()),
        )
        issued = float(claims["iat"])
    except (ValueError, TypeError, KeyError, AttributeError, InvalidSignature, PlaidError):
        return False
    if abs(time.time() - issued) > WEBHOOK_MAX_AGE.total_seconds():
        return False
    return hmac.compare_digest(str(claims.get("request_body_sha256", "")),
                               hashlib.sha256(body).hexdigest())
