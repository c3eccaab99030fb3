"""Plaid items (one bank login each): linking, syncing, repairing.

The accounts of an item share one access token and one cursor, so an item is
synced as a whole, in three steps:

1. Claim the item: one conditional UPDATE sets a claim token on the item's
   accounts only where no fresh claim exists. Whoever updates the rows runs;
   a second sync (the scheduler while someone clicks "Sync now", another
   process) is refused politely. A claim older than
   `PLAID_SYNC_CLAIM_TIMEOUT_SECONDS` is free again, so a killed process
   cannot block its item forever.
2. Collect every page of `/transactions/sync` from the stored cursor, before
   writing anything. Any failure mid-loop, notably
   TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION, throws the pages away and
   restarts from the cursor the loop began with (Plaid's rule); transient
   failures back off exponentially with jitter first.
3. Apply the whole update and store the new cursor in ONE database
   transaction (`transactions.plaid_changes`). A crash before the commit
   leaves the old cursor and the old rows; after it, the new ones. Either
   way the next sync reaches exactly the bank's truth, and because changes
   are upserts keyed by Plaid id, re-applying a page is harmless.

Then balances are refreshed, and for items with the investments product the
holdings and investment activity are fetched and applied to investments.db
in one transaction of their own (`investments.plaid_import`): if that fails
the old holdings stay and the result says so. Every attempt leaves a
SyncLog row per account.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts import plaid_gateway as gateway
from accounts.models import Account, AccountType, ConnectionStatus, SyncLog, SyncStatus, SyncTrigger
from accounts.plaid_gateway import PlaidError
from investments.plaid_import import activity_start, apply_plaid_investments, wants_investments
from notifications.notify import notify_after_commit
from transactions.importers.base import ImportRow
from transactions.plaid_changes import apply_plaid_update

log = logging.getLogger(__name__)

MAX_RESTARTS = 3
LOGIN_MESSAGE = ("{bank} asks you to log in again (a changed password or security step). "
                 "Use Reconnect; syncing of this bank is paused until then.")
GONE_MESSAGE = "{bank} is no longer connected at Plaid. Connect the bank again."
TOKEN_MESSAGE = ("The stored access to {bank} cannot be decrypted with the current keys "
                 "(FERNET_KEYS). Restore the old key or connect the bank again.")
BUSY_MESSAGE = "Another sync of this bank is running; it was not started twice."


class _ClaimLost(Exception):
    """Our claim on the item went stale and was taken: roll back, the other sync wins."""


class _TokenUnreadable(Exception):
    """No configured Fernet key opens the stored access token."""


@dataclass
class ItemSyncResult:
    """What one sync of one item did; `str()` is the summary line commands print."""

    item_id: str
    institution: str
    status: str = SyncStatus.SUCCESS
    added: int = 0
    modified: int = 0
    removed: int = 0
    skipped: int = 0
    duration: float = 0.0
    message: str = ""
    balances_updated: bool = False
    investments: str = ""  # what the investments step did, when it ran and succeeded

    @property
    def changed(self) -> bool:
        return bool(self.added or self.modified or self.removed)

    def __str__(self) -> str:
        if self.status == SyncStatus.SKIPPED:
            return f"{self.institution}: skipped. {self.message}"
        if self.status == SyncStatus.ERROR:
            return f"{self.institution}: failed after {self.duration:.1f} s. {self.message}"
        text = (f"{self.institution}: {self.added} added, {self.modified} modified, "
                f"{self.removed} removed")
        if self.skipped:
            text += f", {self.skipped} skipped"
        text += ", balances updated" if self.balances_updated else ""
        text += f", {self.investments}" if self.investments else ""
        text += f" in {self.duration:.1f} s"
        return f"{text}. {self.message}" if self.message else text


@dataclass
class _Update:
    """Everything one run of pages said, reduced to the final word per transaction."""

    latest: dict[str, gateway.PlaidTransaction] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)
    cursor: str = ""


# -- claiming -------------------------------------------------------------------

def _claim(item_id: str) -> str | None:
    """Claim the item for this sync with one conditional UPDATE; None when it is taken."""
    token = uuid.uuid4().hex
    now = timezone.now()
    stale = now - timedelta(seconds=settings.PLAID_SYNC_CLAIM_TIMEOUT_SECONDS)
    free = Q(sync_claim_token="") | Q(sync_claimed_at__isnull=True) | Q(sync_claimed_at__lt=stale)
    items = Account.objects.of_item(item_id)
    if not items.filter(free).update(sync_claim_token=token, sync_claimed_at=now):
        return None
    if items.exclude(sync_claim_token=token).exists():  # a racer holds some of the accounts
        _release(item_id, token)
        return None
    return token


def _release(item_id: str, token: str) -> None:
    Account.objects.of_item(item_id).filter(sync_claim_token=token).update(
        sync_claim_token="", sync_claimed_at=None)


def _retrying(call: Callable[[], object]):
    """`call()`, retrying transient Plaid failures with exponential backoff and full jitter."""
    attempts = max(1, settings.PLAID_RETRY_ATTEMPTS)
    failures = 0
    while True:
        try:
            return call()
        except PlaidError as exc:
            failures += 1
            if not exc.retryable or failures >= attempts:
                raise
            ceiling = min(settings.PLAID_RETRY_MAX_SECONDS,
                          settings.PLAID_RETRY_BASE_SECONDS * 2 ** (failures - 1))
            delay = random.uniform(0, ceiling)
            log.info("Plaid %s, retrying in %.2f s (attempt %d of %d)", exc.error_code, delay,
                     failures + 1, attempts)
            time.sleep(delay)


# -- collecting pages ---------------------------------------------------------------

def _pages(access_token: str, start: str) -> _Update:
    update = _Update(cursor=start)
    while True:
        page = gateway.sync_page(access_token=access_token, cursor=update.cursor)
        for txn in (*page.added, *page.modified):
            update.removed.discard(txn.transaction_id)
            update.latest.pop(txn.transaction_id, None)  # re-insert: keep the bank's order
            update.latest[txn.transaction_id] = txn
        for txn_id in page.removed:
            update.latest.pop(txn_id, None)
            update.removed.add(txn_id)
        update.cursor = page.next_cursor
        if not page.has_more:
            return update


def _collect(access_token: str, start: str) -> _Update:
    """All pages after `start`, restarting from `start` whenever a page fails."""
    restarts = 0
    while True:
        try:
            return _retrying(lambda: _pages(access_token, start))
        except PlaidError as exc:
            if not exc.mutation_during_pagination or restarts >= MAX_RESTARTS:
                raise
            restarts += 1
            log.info("Plaid data changed during pagination; restarting from the saved cursor")


# -- syncing ---------------------------------------------------------------------

def sync_item(item_id: str, *, trigger: str = SyncTrigger.MANUAL) -> ItemSyncResult:
    """Sync one item: transactions (all or nothing, with the cursor), then balances.

    Never raises: failures are recorded (SyncLog, `last_sync_error`) and
    returned, so one failing bank never stops the others.
    """
    started = time.monotonic()
    accounts = list(Account.objects.of_item(item_id).order_by("pk"))
    institution = accounts[0].institution if accounts else item_id
    result = ItemSyncResult(item_id=item_id, institution=institution)
    if not accounts:
        result.status, result.message = SyncStatus.ERROR, f"No account is linked to item {item_id}."
        return result
    claim = _claim(item_id)
    if claim is None:
        result.status, result.message = SyncStatus.SKIPPED, BUSY_MESSAGE
        SyncLog.objects.bulk_create([
            SyncLog(account=a, trigger=trigger, status=SyncStatus.SKIPPED, error_message=BUSY_MESSAGE,
                    duration_seconds=0) for a in accounts])
        return result
    logs = _open_logs(accounts, trigger)
    try:
        per_account = _run(item_id, accounts, claim, result)
    except Exception as exc:  # recorded, never propagated: the next bank still syncs
        if isinstance(exc, PlaidError):
            log.warning("sync of item %s failed: %s %s (Plaid request %s)", item_id, exc.error_type,
                        exc.error_code, exc.request_id or "-")
        elif not isinstance(exc, (_TokenUnreadable, _ClaimLost)):
            log.exception("sync of item %s failed", item_id)
        result.status, result.message = SyncStatus.ERROR, _record_failure(item_id, institution, exc)
        per_account = {}
    finally:
        _release(item_id, claim)
    result.duration = time.monotonic() - started
    _close_logs(logs, result, per_account)
    notify_after_commit()  # mail about new rows to review; never blocks or fails the sync
    return result


def _open_logs(accounts: list[Account], trigger: str) -> list[SyncLog]:
    """RUNNING rows for this attempt; any RUNNING row left for these accounts is from a
    sync that died (we hold the claim, so nothing else runs) and is marked as such."""
    SyncLog.objects.filter(account__in=accounts, status=SyncStatus.RUNNING).update(
        status=SyncStatus.ERROR, error_message="Interrupted: the process stopped before finishing.")
    return SyncLog.objects.bulk_create([
        SyncLog(account=a, trigger=trigger, status=SyncStatus.RUNNING, started_at=timezone.now())
        for a in accounts])


def _close_logs(logs: list[SyncLog], result: ItemSyncResult, per_account: dict) -> None:
    for entry in logs:
        added, modified, removed = per_account.get(entry.account_id, (0, 0, 0))
        SyncLog.objects.filter(pk=entry.pk).update(
            status=result.status, added=added, modified=modified, removed=removed,
            duration_seconds=round(result.duration, 3), error_message=result.message or None)


def _run(item_id: str, accounts: list[Account], claim: str, result: ItemSyncResult) -> dict:
    """Collect, apply with the cursor, refresh balances; returns counts per account pk."""
    access_token = accounts[0].plaid_access_token
    if not access_token:
        raise _TokenUnreadable
    update = _collect(access_token, accounts[0].plaid_cursor or "")
    rows, links = _rows(update, accounts, result)
    with transaction.atomic():
        applied = apply_plaid_update(rows=rows, pending_links=links, removed_ids=update.removed,
                                     file_name=f"Plaid sync: {result.institution}")
        saved = Account.objects.of_item(item_id).filter(sync_claim_token=claim).update(
            plaid_cursor=update.cursor, last_synced_at=timezone.now(), last_sync_error=None,
            plaid_connection_status=ConnectionStatus.CONNECTED)
        if not saved:
            raise _ClaimLost
    result.added = sum(applied.added.values())
    result.modified = sum(applied.modified.values())
    result.removed = sum(applied.removed.values())
    result.skipped += applied.skipped
    products = None
    try:
        item = _retrying(lambda: gateway.get_balances(access_token))
        _store_balances(accounts, item)
        result.balances_updated, products = True, item.products
    except PlaidError as exc:
        result.message = f"Transactions are up to date but balances were not updated: {exc}"
        Account.objects.of_item(item_id).update(last_sync_error=result.message)
    if wants_investments(accounts, products):
        _sync_investments(item_id, access_token, accounts, result)
    return {pk: (applied.added[pk], applied.modified[pk], applied.removed[pk])
            for pk in {a.pk for a in accounts}}


def _sync_investments(item_id: str, access_token: str, accounts: list[Account],
                      result: ItemSyncResult) -> None:
    """Holdings and investment activity, applied all or nothing; a failure keeps the old
    holdings, says so in the result, and leaves the bank transactions just saved alone."""
    today = timezone.localdate()
    start = activity_start(accounts, today)
    try:
        holdings = _retrying(lambda: gateway.get_holdings(access_token))
        activity = _retrying(
            lambda: gateway.get_investment_transactions(access_token, start=start, end=today))
        applied = apply_plaid_investments(accounts=accounts, holdings=holdings, activity=activity,
                                          today=today)
    except PlaidError as exc:
        note = f"Investments were not updated (holdings shown are from the last good sync): {exc}"
        result.message = f"{result.message} {note}".strip()
        Account.objects.of_item(item_id).update(last_sync_error=result.message)
        return
    result.investments = str(applied)


def _rows(update: _Update, accounts: list[Account], result: ItemSyncResult):
    """ImportRows per Account (by `plaid_account_id`), and posted id -> pending id links."""
    by_plaid_id = {a.plaid_account_id: a for a in accounts if a.plaid_account_id}
    skip_pending = settings.BUDGET_PLAID_SKIP_PENDING
    rows: dict[Account, list[ImportRow]] = defaultdict(list)
    links: dict[str, str] = {}
    for txn in update.latest.values():
        account = by_plaid_id.get(txn.account_id)
        if account is None or (skip_pending and txn.pending):
            result.skipped += 1
            continue
        rows[account].append(ImportRow(
            date=txn.date, description=txn.name, amount=txn.amount, external_id=txn.transaction_id,
            merchant_name=txn.merchant_name, is_pending=txn.pending))
        if txn.pending_transaction_id:
            links[txn.transaction_id] = txn.pending_transaction_id
    return rows, links


def _store_balances(accounts: list[Account], item: gateway.ItemAccounts) -> None:
    by_plaid_id = {a.account_id: a for a in item.accounts}
    now = timezone.now()
    for account in accounts:
        found = by_plaid_id.get(account.plaid_account_id)
        if found is not None:
            Account.objects.filter(pk=account.pk).update(
                balance_current=found.current, balance_available=found.available,
                balance_limit=found.limit, balance_updated_at=now)


def _record_failure(item_id: str, bank: str, exc: Exception) -> str:
    """Store a sentence a person can act on; flag items only a person can repair."""
    items = Account.objects.of_item(item_id)
    if isinstance(exc, _TokenUnreadable):
        message, status = TOKEN_MESSAGE.format(bank=bank), ConnectionStatus.RECONNECT
    elif isinstance(exc, PlaidError) and exc.needs_login:
        message, status = LOGIN_MESSAGE.format(bank=bank), ConnectionStatus.ERROR
    elif isinstance(exc, PlaidError) and exc.item_gone:
        message, status = GONE_MESSAGE.format(bank=bank), ConnectionStatus.RECONNECT
    elif isinstance(exc, PlaidError):
        message, status = str(exc), None
    elif isinstance(exc, _ClaimLost):
        message, status = "This sync took too long and another one took over; nothing was saved.", None
    else:
        message, status = f"Internal error ({type(exc).__name__}); see the server log.", None
    fields = {"last_sync_error": message}
    if status:
        fields["plaid_connection_status"] = status
    items.update(**fields)
    return message


def sync_items(*, trigger: str = SyncTrigger.SCHEDULED,
               include_needing_user: bool = False) -> list[ItemSyncResult]:
    """Sync every linked item, one after another. Items waiting for a person to
    reconnect are reported as skipped (not logged: nothing was attempted)."""
    results = []
    waiting = set(Account.objects.needing_user().item_ids())
    for item_id in Account.objects.item_ids():
        if item_id in waiting and not include_needing_user:
            bank = Account.objects.of_item(item_id).values_list("institution", flat=True).first()
            results.append(ItemSyncResult(
                item_id=item_id, institution=bank, status=SyncStatus.SKIPPED,
                message="It needs you to reconnect it first (Accounts page)."))
            continue
        results.append(sync_item(item_id, trigger=trigger))
    return results


def sync_in_background(item_id: str, *, trigger: str) -> threading.Thread:
    """Start `sync_item` in a thread (webhooks must answer fast); returns the thread."""

    def work() -> None:
        close_old_connections()
        try:
            sync_item(item_id, trigger=trigger)
        finally:
            connection.close()

    thread = threading.Thread(target=work, name=f"plaid-sync-{item_id}", daemon=True)
    thread.start()
    return thread


# -- linking and repairing ------------------------------------------------------------

_TYPES = {"credit": AccountType.CREDIT_CARD, "loan": AccountType.LOAN,
          "investment": AccountType.INVESTMENT, "brokerage": AccountType.INVESTMENT}
_SAVINGS = {"savings", "money market", "cd", "hsa"}


def account_type_of(plaid_account: gateway.PlaidAccount) -> str:
    if plaid_account.type == "depository":
        return AccountType.SAVINGS if plaid_account.subtype in _SAVINGS else AccountType.CHECKING
    return _TYPES.get(plaid_account.type, AccountType.OTHER)


def link_token(*, user_id: int, account: Account | None = None, add_accounts: bool = False) -> str:
    """A Link token: for a new bank, or for `account`'s item in update mode (repair the
    login; with `add_accounts`, also share more accounts). Raises PlaidError."""
    access_token = account.plaid_access_token if account is not None else None
    return gateway.create_link_token(user_id=str(user_id), access_token=access_token,
                                     add_accounts=add_accounts).link_token


@dataclass
class LinkResult:
    """What linking a bank did, or why it was refused (`already_linked`)."""

    institution: str
    accounts: list[Account] = field(default_factory=list)
    adopted: list[Account] = field(default_factory=list)
    already_linked: Account | None = None
    sync: ItemSyncResult | None = None


def linked_institution(institution_id: str) -> Account | None:
    """An account of the item already linked for this institution, if any."""
    if not institution_id:
        return None
    return Account.objects.linked().filter(plaid_institution_id=institution_id).first()


def link_item(*, public_token: str, institution_id: str, institution_name: str = "",
              trigger: str = SyncTrigger.INITIAL) -> LinkResult:
    """Link a bank from Link's public token: one Account per Plaid account, then the first sync.

    Refused (nothing exchanged) when the institution is already linked:
    linking it twice would double every transaction; update mode adds accounts instead.
    Raises PlaidError when Plaid refuses.
    """
    existing = linked_institution(institution_id)
    if existing is not None:
        return LinkResult(institution=existing.institution, already_linked=existing)
    exchange = gateway.exchange_public_token(public_token)
    item = _retrying(lambda: gateway.get_accounts(exchange.access_token))
    bank = (institution_name or item.institution_name or institution_id or "Bank")[:50]
    result = LinkResult(institution=bank)
    with transaction.atomic():
        for plaid_account in item.accounts:
            account, adopted = _account_for(plaid_account, bank)
            account.plaid_item_id = exchange.item_id
            account.plaid_access_token = exchange.access_token
            account.plaid_institution_id = institution_id or item.institution_id
            account.plaid_connection_status = ConnectionStatus.CONNECTED
            account.save()
            (result.adopted if adopted else result.accounts).append(account)
    result.sync = sync_item(exchange.item_id, trigger=trigger)
    return result


def _account_for(plaid_account: gateway.PlaidAccount, bank: str) -> tuple[Account, bool]:
    """A manual account of the same bank, type and last digits is linked instead of
    duplicated, so its imported history and the synced transactions share one ledger."""
    kind = account_type_of(plaid_account)
    if plaid_account.mask:
        manual_accounts = Account.objects.filter(mask=plaid_account.mask, account_type=kind).exclude(
            pk__in=Account.objects.linked().values("pk"))
        for manual in manual_accounts:
            if manual.institution.lower() in bank.lower() or bank.lower() in manual.institution.lower():
                manual.plaid_account_id = plaid_account.account_id
                return manual, True
    return Account(
        name=plaid_account.name[:100], institution=bank, account_type=kind,
        mask=plaid_account.mask[:20], plaid_account_id=plaid_account.account_id,
        balance_current=plaid_account.current, balance_available=plaid_account.available,
        balance_limit=plaid_account.limit, balance_updated_at=timezone.now(),
    ), False


@dataclass
class RepairResult:
    new_accounts: list[Account]
    sync: ItemSyncResult


def repair_item(account: Account, *, add_accounts: bool = False) -> RepairResult:
    """After Link in update mode succeeded: the item works again (the access token is
    unchanged, nothing to exchange). Picks up newly shared accounts, then syncs."""
    item_id = account.plaid_item_id
    Account.objects.of_item(item_id).update(plaid_connection_status=ConnectionStatus.CONNECTED,
                                            last_sync_error=None)
    new_accounts = []
    if add_accounts:
        known = set(Account.objects.of_item(item_id).values_list("plaid_account_id", flat=True))
        item = _retrying(lambda: gateway.get_accounts(account.plaid_access_token))
        with transaction.atomic():
            for plaid_account in item.accounts:
                if plaid_account.account_id in known:
                    continue
                new, _ = _account_for(plaid_account, account.institution)
                new.plaid_item_id = item_id
                new.plaid_access_token = account.plaid_access_token
                new.plaid_institution_id = account.plaid_institution_id
                new.plaid_cursor = account.plaid_cursor
                new.plaid_connection_status = ConnectionStatus.CONNECTED
                new.save()
                new_accounts.append(new)
    return RepairResult(new_accounts=new_accounts, sync=sync_item(item_id, trigger=SyncTrigger.MANUAL))


def mark_needs_login(item_id: str) -> None:
    bank = Account.objects.of_item(item_id).values_list("institution", flat=True).first() or "The bank"
    Account.objects.of_item(item_id).update(plaid_connection_status=ConnectionStatus.ERROR,
                                            last_sync_error=LOGIN_MESSAGE.format(bank=bank))


def handle_webhook(payload: dict, *, start_sync: Callable[[str], object]) -> str:
    """Act on one verified webhook; returns what was done (for the log)."""
    item_id = str(payload.get("item_id") or "")
    if not item_id or not Account.objects.of_item(item_id).exists():
        return "ignored: unknown item"
    kind = (payload.get("webhook_type"), payload.get("webhook_code"))
    if kind == ("TRANSACTIONS", "SYNC_UPDATES_AVAILABLE"):
        start_sync(item_id)
        return "sync started"
    error_code = (payload.get("error") or {}).get("error_code")
    if kind == ("ITEM", "ERROR") and error_code == "ITEM_LOGIN_REQUIRED":
        mark_needs_login(item_id)
        return "marked as needing login"
    if kind == ("ITEM", "LOGIN_REPAIRED"):
        Account.objects.of_item(item_id).update(plaid_connection_status=ConnectionStatus.CONNECTED,
                                                last_sync_error=None)
        return "marked as repaired"
    return "ignored"


# -- what the Accounts page shows -----------------------------------------------------------

@dataclass
class Bank:
    """One linked bank login and its accounts, with its recent sync history."""

    item_id: str
    accounts: list[Account]
    logs: list[SyncLog]

    @property
    def lead(self) -> Account:
        """The account that stands for the item (URLs, history: each attempt logs every account)."""
        return self.accounts[0]

    @property
    def institution(self) -> str:
        return self.lead.institution

    @property
    def needs_user(self) -> bool:
        return self.lead.plaid_connection_status in (ConnectionStatus.ERROR, ConnectionStatus.RECONNECT)

    @property
    def errors(self) -> list[SyncLog]:
        return [entry for entry in self.logs if entry.status == SyncStatus.ERROR][:3]


def banks(*, history: int = 5) -> list[Bank]:
    """Every linked bank, by institution, with its last `history` sync attempts."""
    grouped: dict[str, list[Account]] = defaultdict(list)
    for account in Account.objects.linked().order_by("institution", "pk"):
        grouped[account.plaid_item_id].append(account)
    return [
        Bank(item_id=item_id, accounts=accounts,
             logs=list(SyncLog.objects.filter(account=accounts[0]).order_by("-started_at", "-pk")[:history]))
        for item_id, accounts in grouped.items()
    ]


def bank_of(account: Account) -> Bank | None:
    return next((bank for bank in banks() if bank.item_id == account.plaid_item_id), None)
