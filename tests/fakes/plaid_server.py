"""A fake Plaid API on 127.0.0.1 that the real plaid-python client talks to.

It is a real HTTP server (ThreadingHTTPServer on a random port) answering the
endpoints the app uses with every key plaid-python 46 requires. Credentials
are checked in the PLAID-CLIENT-ID / PLAID-SECRET headers, as the client
sends them. Each item keeps a change log (add / modify / remove events); a
cursor is a position in that log, so paging, restarts and incremental syncs
behave like Plaid's, and `FakeItem.truth()` is the ground truth a sync must
reach. Failures are scripted per endpoint: error responses, stalls (slow or
hung responses), mutation during pagination, a login that needs repairing.

Tests use the `fake_plaid` fixture (`pytest_plugins = ["tests.fakes.fixtures"]`);
benches and scripts use it directly (`with FakePlaid() as fake:`).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import itertools
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from tests.fakes.loopback import LoopbackServer

CLIENT_ID = "fake-client-id"
SECRET = "fake-secret"
INSTITUTIONS = {"ins_109508": "First Platypus Bank", "ins_109509": "First Gingham Credit Union"}
DATA_ENDPOINTS = ("/transactions/sync", "/accounts/get", "/accounts/balance/get",
                  "/investments/holdings/get", "/investments/transactions/get")

_ACCOUNT_SHAPES = [
    ("Plaid Checking", "0000", "depository", "checking", 100.0, 110.0, None),
    ("Plaid Saving", "1111", "depository", "savings", 200.0, 210.0, None),
    ("Plaid Credit Card", "3333", "credit", "credit card", None, 410.0, 2000.0),
]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class FakeAccount:
    account_id: str
    name: str
    mask: str
    type: str
    subtype: str
    available: float | None
    current: float | None
    limit: float | None

    def as_json(self) -> dict:
        balances = {"available": self.available, "current": self.current, "limit": self.limit,
                    "iso_currency_code": "USD", "unofficial_currency_code": None}
        if self.type == "investment":  # InvestmentAccount requires it (see the Plaid reference)
            balances["margin_loan_amount"] = None
        return {
            "account_id": self.account_id, "name": self.name, "official_name": None,
            "mask": self.mask, "type": self.type, "subtype": self.subtype, "balances": balances,
        }


@dataclass
class FakeItem:
    """One bank login: its accounts and the log of every change to its transactions."""

    item_id: str
    access_token: str
    institution_id: str
    accounts: list[FakeAccount]
    log: list[tuple[str, dict]] = field(default_factory=list)
    error: str | None = None
    products: list[str] = field(default_factory=lambda: ["transactions"])
    securities: dict[str, dict] = field(default_factory=dict)
    holdings: list[dict] = field(default_factory=list)
    investment_transactions: list[dict] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def institution_name(self) -> str:
        return INSTITUTIONS.get(self.institution_id, self.institution_id)

    def account(self, index: int) -> str:
        return self.accounts[index].account_id

    def add_account(self, name: str, mask: str, *, type: str = "depository",
                    subtype: str = "checking") -> FakeAccount:
        account = FakeAccount(f"{self.item_id}-acc-{len(self.accounts)}", name, mask, type, subtype,
                              50.0, 50.0, None)
        self.accounts.append(account)
        return account

    # -- investments -----------------------------------------------------------
    def add_investment_account(self, name: str = "Plaid Brokerage", mask: str = "5555") -> int:
        """An investment account (and the investments product); returns its index."""
        if "investments" not in self.products:
            self.products.append("investments")
        self.add_account(name, mask, type="investment", subtype="brokerage")
        return len(self.accounts) - 1

    def add_security(self, security_id: str, *, ticker: str | None, name: str, type: str = "equity",
                     close_price: float | None = None, close_price_as_of: str | None = None,
                     cusip: str | None = None) -> None:
        """A Security with all 22 keys plaid-python requires (most may be null)."""
        self.securities[security_id] = {
            "security_id": security_id, "isin": None, "cusip": cusip, "sedol": None,
            "institution_security_id": None, "institution_id": None, "proxy_security_id": None,
            "name": name, "ticker_symbol": ticker, "is_cash_equivalent": type == "cash", "type": type,
            "close_price": close_price, "close_price_as_of": close_price_as_of, "iso_currency_code": "USD",
            "unofficial_currency_code": None, "market_identifier_code": None, "sector": None,
            "industry": None, "cfi_code": None, "figi": None, "option_contract": None, "fixed_income": None,
        }

    def hold(self, *, account: int, security_id: str, quantity: float, price: float,
             cost_basis: float | None, as_of: str | None = None) -> None:
        self.holdings = [h for h in self.holdings if not (
            h["account_id"] == self.account(account) and h["security_id"] == security_id)]
        self.holdings.append({
            "account_id": self.account(account), "security_id": security_id, "quantity": quantity,
            "institution_price": price, "institution_price_as_of": as_of,
            "institution_value": round(quantity * price, 2), "cost_basis": cost_basis,
            "iso_currency_code": "USD", "unofficial_currency_code": None,
        })

    def add_investment_transaction(self, *, account: int, security_id: str | None, date: str, type: str,
                                   subtype: str, quantity: float, amount: float, price: float,
                                   name: str, fees: float | None = 0.0) -> str:
        txn_id = f"{self.item_id}-inv-{next(self._ids)}"
        self.investment_transactions.append({
            "investment_transaction_id": txn_id, "account_id": self.account(account),
            "security_id": security_id, "date": date, "name": name, "quantity": quantity,
            "amount": amount, "price": price, "fees": fees, "type": type, "subtype": subtype,
            "iso_currency_code": "USD", "unofficial_currency_code": None,
        })
        return txn_id

    def investment_accounts(self) -> list[dict]:
        return [a.as_json() for a in self.accounts if a.type == "investment"]

    def add(self, *, account: int = 0, amount: float, date: str, name: str,
            merchant_name: str | None = None, pending: bool = False,
            pending_transaction_id: str | None = None, transaction_id: str | None = None) -> str:
        """Append an added transaction to the log; returns its id."""
        with self._lock:
            txn_id = transaction_id or f"{self.item_id}-txn-{next(self._ids)}"
            self.log.append(("added", {
                "transaction_id": txn_id, "account_id": self.account(account), "amount": amount,
                "iso_currency_code": "USD", "unofficial_currency_code": None, "date": date,
                "pending": pending, "authorized_date": date, "authorized_datetime": None,
                "datetime": None, "payment_channel": "in store", "transaction_code": None,
                "name": name, "merchant_name": merchant_name,
                "pending_transaction_id": pending_transaction_id,
                "personal_finance_category": None,
            }))
            return txn_id

    def modify(self, transaction_id: str, **changes) -> None:
        with self._lock:
            current = self.truth()[transaction_id]
            self.log.append(("modified", {**current, **changes}))

    def remove(self, transaction_id: str) -> None:
        with self._lock:
            account_id = self.truth()[transaction_id]["account_id"]
            self.log.append(("removed", {"transaction_id": transaction_id, "account_id": account_id}))

    def post(self, pending_id: str, *, amount: float | None = None, date: str | None = None) -> str:
        """The pending transaction posts: Plaid removes it and adds a new posted one."""
        with self._lock:
            pending = self.truth()[pending_id]
            self.remove(pending_id)
            return self.add(
                account=[a.account_id for a in self.accounts].index(pending["account_id"]),
                amount=pending["amount"] if amount is None else amount,
                date=date or pending["date"], name=pending["name"],
                merchant_name=pending["merchant_name"], pending_transaction_id=pending_id)

    def truth(self, upto: int | None = None) -> dict[str, dict]:
        """The live transactions after the first `upto` log entries (all by default)."""
        with self._lock:
            state: dict[str, dict] = {}
            for kind, data in self.log[:upto]:
                if kind == "removed":
                    state.pop(data["transaction_id"], None)
                else:
                    state[data["transaction_id"]] = data
            return state

    def as_json(self) -> dict:
        error = None
        if self.error:
            error = {"error_type": "ITEM_ERROR", "error_code": self.error,
                     "error_message": "the login details of this item have changed",
                     "display_message": None}
        return {
            "item_id": self.item_id, "webhook": None, "error": error, "available_products": [],
            "billed_products": list(self.products), "consent_expiration_time": None,
            "update_type": "background", "institution_id": self.institution_id,
            "institution_name": self.institution_name,
        }


@dataclass
class _Rule:
    path: str
    skip: int
    times: int
    status: int = 0
    body: dict | None = None
    stall: float | None = None  # seconds; math.inf waits until release()


class FakePlaid(LoopbackServer):
    """The server and its state. Start with `start()` or as a context manager."""

    @property
    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _Handler

    def __init__(self, *, client_id: str = CLIENT_ID, secret: str = SECRET) -> None:
        self.client_id = client_id
        self.secret = secret
        self.items: dict[str, FakeItem] = {}
        self.requests: list[tuple[str, dict]] = []
        self.stalled = threading.Event()
        self._release = threading.Event()
        self._rules: list[_Rule] = []
        self._public_tokens: dict[str, str] = {}
        self._mutation: dict[str, int] = {}
        self._lock = threading.RLock()
        self._counter = itertools.count(1)
        self._signing_key = ec.generate_private_key(ec.SECP256R1())
        self.key_id = "fake-key-1"

    # -- lifecycle ---------------------------------------------------------
    def stop(self) -> None:
        self._release.set()
        super().stop()

    # -- items ---------------------------------------------------------------
    def add_item(self, institution_id: str = "ins_109508", *, accounts: int = 3) -> FakeItem:
        with self._lock:
            n = next(self._counter)
            item_id = f"item-{n}-{uuid.uuid4().hex[:6]}"
            shapes = [_ACCOUNT_SHAPES[i % len(_ACCOUNT_SHAPES)] for i in range(accounts)]
            item = FakeItem(
                item_id=item_id, access_token=f"access-sandbox-{uuid.uuid4()}",
                institution_id=institution_id,
                accounts=[FakeAccount(f"{item_id}-acc-{i}", *shape) for i, shape in enumerate(shapes)],
            )
            self.items[item_id] = item
            return item

    def public_token_for(self, item: FakeItem) -> str:
        """What Link's onSuccess would hand the browser for this item."""
        token = f"public-sandbox-{uuid.uuid4()}"
        self._public_tokens[token] = item.item_id
        return token

    def item_by_token(self, access_token: str) -> FakeItem | None:
        return next((i for i in self.items.values() if i.access_token == access_token), None)

    # -- scripted failures ----------------------------------------------------
    def fail(self, path: str, *, status: int, error_type: str, error_code: str, times: int = 1,
             skip: int = 0, message: str = "scripted failure") -> None:
        """The next `times` calls to `path` (after `skip` good ones) answer with this error."""
        body = {"error_type": error_type, "error_code": error_code, "error_message": message,
                "display_message": None, "request_id": "req-fail"}
        with self._lock:
            self._rules.append(_Rule(path, skip, times, status=status, body=body))

    def fail_raw(self, path: str, *, status: int, text: str) -> None:
        """One answer that is not JSON at all (a proxy's error page)."""
        with self._lock:
            self._rules.append(_Rule(path, 0, 1, status=status, body={"__raw__": text}))

    def stall(self, path: str, *, seconds: float = float("inf"), skip: int = 0, times: int = 1) -> None:
        """Hold the next call(s) to `path` for `seconds` (forever: until `release()` or stop)."""
        with self._lock:
            self._release.clear()
            self.stalled.clear()
            self._rules.append(_Rule(path, skip, times, stall=seconds))

    def release(self) -> None:
        self._release.set()

    def mutate_during_pagination(self, item: FakeItem, *, after_pages: int = 1) -> None:
        """After `after_pages` good pages, one page fails with MUTATION_DURING_PAGINATION
        while a new transaction lands (so a restart must pick it up)."""
        self._mutation[item.item_id] = after_pages

    def cursors_requested(self, item: FakeItem) -> list[str]:
        return [body.get("cursor", "") for path, body in self.requests
                if path == "/transactions/sync" and body.get("access_token") == item.access_token]

    def calls(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)

    # -- webhooks ------------------------------------------------------------
    def sign_webhook(self, body: bytes, *, issued_at: float | None = None) -> str:
        """A Plaid-Verification JWT (ES256) for this body, signed by the fake's key."""
        header = _b64(json.dumps({"alg": "ES256", "kid": self.key_id, "typ": "JWT"}).encode())
        claims = _b64(json.dumps({"iat": int(issued_at or time.time()),
                                  "request_body_sha256": hashlib.sha256(body).hexdigest()}).encode())
        der = self._signing_key.sign(f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return f"{header}.{claims}.{_b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"

    def _jwk(self) -> dict:
        numbers = self._signing_key.public_key().public_numbers()
        return {"alg": "ES256", "crv": "P-256", "kid": self.key_id, "kty": "EC", "use": "sig",
                "x": _b64(numbers.x.to_bytes(32, "big")), "y": _b64(numbers.y.to_bytes(32, "big")),
                "created_at": 1_700_000_000, "expired_at": None}

    # -- request handling ----------------------------------------------------
    def _scripted(self, path: str) -> _Rule | None:
        with self._lock:
            for rule in self._rules:
                if rule.path != path:
                    continue
                if rule.skip:
                    rule.skip -= 1
                    return None
                rule.times -= 1
                if rule.times <= 0:
                    self._rules.remove(rule)
                return rule
        return None

    def handle(self, path: str, headers, body: dict) -> tuple[int, dict | str, float | None]:
        """(status, JSON body or raw text, seconds to stall first)."""
        with self._lock:
            self.requests.append((path, body))
        if headers.get("PLAID-CLIENT-ID") != self.client_id or headers.get("PLAID-SECRET") != self.secret:
            return 400, _error("INVALID_INPUT", "INVALID_API_KEYS", "invalid client_id or secret"), None
        rule = self._scripted(path)
        if rule and rule.stall is not None:
            return (*self._answer(path, body), rule.stall)
        if rule:
            raw = rule.body.get("__raw__")
            return rule.status, raw if raw is not None else rule.body, None
        return (*self._answer(path, body), None)

    def _answer(self, path: str, body: dict) -> tuple[int, dict]:
        route = _ROUTES.get(path)
        if route is None:
            return 404, _error("INVALID_REQUEST", "NOT_FOUND", f"no route {path}")
        with self._lock:
            return route(self, body)

    def _item_for(self, body: dict) -> tuple[FakeItem | None, tuple[int, dict] | None]:
        item = self.item_by_token(body.get("access_token", ""))
        if item is None:
            return None, (400, _error("INVALID_INPUT", "INVALID_ACCESS_TOKEN",
                                      "provided access token is in an invalid format"))
        if item.error:
            return None, (400, _error("ITEM_ERROR", item.error,
                                      "the login details of this item have changed"))
        return item, None

    def _link_token_create(self, body: dict) -> tuple[int, dict]:
        expiration = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=4))
        return 200, {"link_token": f"link-sandbox-{uuid.uuid4()}",
                     "expiration": expiration.strftime("%Y-%m-%dT%H:%M:%SZ"), "request_id": "req"}

    def _sandbox_public_token(self, body: dict) -> tuple[int, dict]:
        institution = body.get("institution_id", "")
        if institution not in INSTITUTIONS:
            return 400, _error("INVALID_INPUT", "INVALID_INSTITUTION", "invalid institution_id")
        return 200, {"public_token": self.public_token_for(self.add_item(institution)),
                     "request_id": "req"}

    def _exchange(self, body: dict) -> tuple[int, dict]:
        item_id = self._public_tokens.pop(body.get("public_token", ""), None)
        if item_id is None:
            return 400, _error("INVALID_INPUT", "INVALID_PUBLIC_TOKEN", "invalid public token")
        item = self.items[item_id]
        return 200, {"access_token": item.access_token, "item_id": item.item_id, "request_id": "req"}

    def _accounts(self, body: dict) -> tuple[int, dict]:
        item, failure = self._item_for(body)
        if failure:
            return failure
        return 200, {"accounts": [a.as_json() for a in item.accounts], "item": item.as_json(),
                     "request_id": "req"}

    def _sync(self, body: dict) -> tuple[int, dict]:
        item, failure = self._item_for(body)
        if failure:
            return failure
        cursor = body.get("cursor", "")
        try:
            position = int(cursor.removeprefix("cur-")) if cursor else 0
        except ValueError:
            return 400, _error("INVALID_INPUT", "INVALID_CURSOR", "cursor is not valid")
        if item.item_id in self._mutation:
            if self._mutation[item.item_id] <= 0:
                del self._mutation[item.item_id]
                item.add(amount=1.23, date="2026-10-31", name="LANDED DURING PAGINATION")
                return 400, _error("TRANSACTIONS_ERROR", "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION",
                                   "Underlying transaction data changed since last page was fetched. "
                                   "Please restart pagination from last update.")
            self._mutation[item.item_id] -= 1
        count = int(body.get("count", 100))
        events = item.log[position:position + count]
        added, modified, removed, touched = [], [], [], set()
        for kind, data in events:
            {"added": added, "modified": modified, "removed": removed}[kind].append(
                data if kind != "removed" else {"transaction_id": data["transaction_id"],
                                                "account_id": data["account_id"]})
            touched.add(data["account_id"])
        end = position + len(events)
        return 200, {
            "transactions_update_status": "HISTORICAL_UPDATE_COMPLETE",
            "accounts": [a.as_json() for a in item.accounts if a.account_id in touched],
            "added": added, "modified": modified, "removed": removed,
            "next_cursor": f"cur-{end}", "has_more": end < len(item.log), "request_id": "req",
        }

    def _holdings(self, body: dict) -> tuple[int, dict]:
        item, failure = self._item_for(body)
        if failure:
            return failure
        if "investments" not in item.products:
            return 400, _error("ITEM_ERROR", "PRODUCTS_NOT_SUPPORTED", "investments is not enabled")
        return 200, {"accounts": item.investment_accounts(), "holdings": list(item.holdings),
                     "securities": list(item.securities.values()), "item": item.as_json(),
                     "request_id": "req"}

    def _investment_transactions(self, body: dict) -> tuple[int, dict]:
        item, failure = self._item_for(body)
        if failure:
            return failure
        if "investments" not in item.products:
            return 400, _error("ITEM_ERROR", "PRODUCTS_NOT_SUPPORTED", "investments is not enabled")
        options = body.get("options") or {}
        count, offset = int(options.get("count", 100)), int(options.get("offset", 0))
        start, end = body.get("start_date", ""), body.get("end_date", "")
        matching = sorted((t for t in item.investment_transactions if start <= t["date"] <= end),
                          key=lambda t: (t["date"], t["investment_transaction_id"]), reverse=True)
        page = matching[offset:offset + count]
        named = {t["security_id"] for t in page if t["security_id"]}
        return 200, {"item": item.as_json(), "accounts": item.investment_accounts(),
                     "securities": [s for k, s in item.securities.items() if k in named],
                     "investment_transactions": page, "total_investment_transactions": len(matching),
                     "request_id": "req"}

    def _verification_key(self, body: dict) -> tuple[int, dict]:
        if body.get("key_id") != self.key_id:
            return 400, _error("INVALID_INPUT", "INVALID_WEBHOOK_VERIFICATION_KEY_ID", "unknown key")
        return 200, {"key": self._jwk(), "request_id": "req"}


_ROUTES = {
    "/link/token/create": FakePlaid._link_token_create,
    "/sandbox/public_token/create": FakePlaid._sandbox_public_token,
    "/item/public_token/exchange": FakePlaid._exchange,
    "/accounts/get": FakePlaid._accounts,
    "/accounts/balance/get": FakePlaid._accounts,
    "/transactions/sync": FakePlaid._sync,
    "/investments/holdings/get": FakePlaid._holdings,
    "/investments/transactions/get": FakePlaid._investment_transactions,
    "/webhook_verification_key/get": FakePlaid._verification_key,
}


def _error(error_type: str, error_code: str, message: str) -> dict:
    return {"error_type": error_type, "error_code": error_code, "error_message": message,
            "display_message": None, "request_id": "req-error"}


class _Handler(BaseHTTPRequestHandler):
    fake: FakePlaid
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            body = {}
        status, answer, stall = self.fake.handle(self.path, self.headers, body)
        if stall is not None:
            self.fake.stalled.set()
            self.fake._release.wait(None if stall == float("inf") else stall)
        data = answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/html" if isinstance(answer, str) else "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a timeout test): nothing to answer

    def log_message(self, *args) -> None:
        pass

