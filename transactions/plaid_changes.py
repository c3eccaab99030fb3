"""Applying one Plaid sync update to the ledger: upserts, pending -> posted, removals.

`accounts.sync` gathers every page of an update first, then calls
`apply_plaid_update` inside the same database transaction that stores the
new cursor. Everything here is keyed by Plaid's transaction id, so applying
the same update twice (a sync restarted after a crash) changes nothing.

- New ids go through `transactions.ingest` (dedupe, categorize, insert) like
  every other source. Their content fingerprint is then cleared: a Plaid row
  is identified by its id, and a fingerprint would merge two genuine
  identical purchases (two coffees, same day) that arrive in different syncs.
- Known ids are updated in place: amount, date, description and merchant
  follow the bank; a confirmed or staged category is never touched, and only
  rows still waiting for review are re-predicted.
- A posted row that names its pending row (`pending_transaction_id`) takes
  over that row's notes and, once a person (or auto-confirm) decided it,
  its category and status: the confirmation survives posting, even when the
  amount changed (a tip).
- Removed ids (and pending rows replaced by their posted row) move to
  DeletedTransaction with reason `bank_removed`, restorable like any delete.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction

from categories.engine.merchants import clean_merchant, merchant_key
from categories.engine.pipeline import categorize
from transactions.confirm import PREDICTION_FIELDS
from transactions.deletion import delete_transactions
from transactions.importers.base import ImportRow
from transactions.ingest import CENT, ingest
from transactions.models import DeleteReason, Source, Status, Transaction

_BATCH = 900  # stays under SQLite's bound-parameter limit
_UPDATED_FIELDS = ["date", "amount", "description", "merchant_name", "merchant_key", "is_pending"]
_TAKEN_OVER_FIELDS = [
    "notes", "category", "status", "confirmed_at", "confirmed_by", "predicted_category",
    "categorization_tier", "prediction_confidence", "updated_at", "updated_by",
]


@dataclass
class PlaidUpdateResult:
    """Counts per account id (our Account pk) of what one update did."""

    added: Counter = field(default_factory=Counter)
    modified: Counter = field(default_factory=Counter)
    removed: Counter = field(default_factory=Counter)
    taken_over: int = 0
    skipped: int = 0


def apply_plaid_update(
    *, rows: Mapping[object, Sequence[ImportRow]], pending_links: Mapping[str, str],
    removed_ids: Iterable[str], file_name: str,
) -> PlaidUpdateResult:
    """Upsert `rows` (per Account, `external_id` = Plaid id), carry pending rows
    over to their posted rows (`pending_links`: posted id -> pending id), then
    remove `removed_ids`; all or nothing."""
    result = PlaidUpdateResult()
    with transaction.atomic():
        for account, account_rows in rows.items():
            _upsert(account, account_rows, file_name, result)
        replaced = _take_over_pending(pending_links, result)
        gone = _existing(set(removed_ids) | replaced).values()
        for t in gone:
            result.removed[t.account_id] += 1
        delete_transactions(list(gone), reason=DeleteReason.BANK_REMOVED)
    return result


def _existing(ids: Iterable[str]) -> dict[str, Transaction]:
    ids = sorted(set(ids))
    found: dict[str, Transaction] = {}
    for start in range(0, len(ids), _BATCH):
        for t in Transaction.objects.filter(plaid_transaction_id__in=ids[start:start + _BATCH]):
            found[t.plaid_transaction_id] = t
    return found


def _upsert(account, account_rows: Sequence[ImportRow], file_name: str,
            result: PlaidUpdateResult) -> None:
    known = _existing(r.external_id for r in account_rows)
    new = [r for r in account_rows if r.external_id not in known]
    changed = [(known[r.external_id], r) for r in account_rows if r.external_id in known]
    if new:
        outcome = ingest(new, account=account, source=Source.PLAID, file_name=file_name,
                         file_format="Plaid")
        Transaction.objects.filter(import_batch_id=outcome.batch_id).update(fingerprint=None)
        result.added[account.pk] += outcome.added
        result.skipped += outcome.duplicates + outcome.deleted_skipped
    if changed:
        _update(changed)
        result.modified[account.pk] += len(changed)


def _update(changed: list[tuple[Transaction, ImportRow]]) -> None:
    """The bank's facts win; a person's decision (category, status, notes) stays."""
    for t, row in changed:
        t.date = row.date
        t.amount = row.amount.quantize(CENT)
        t.description = row.description.strip()
        t.merchant_name = clean_merchant(row.description, row.merchant_name)
        t.merchant_key = merchant_key(row.description, row.merchant_name)
        t.is_pending = row.is_pending
    rows = [t for t, _ in changed]
    _save_fields(rows, _UPDATED_FIELDS)
    waiting = [t for t in rows if t.status == Status.PENDING_REVIEW]
    if waiting:
        categorize(waiting)
        _save_fields(waiting, PREDICTION_FIELDS)


def _save_fields(rows: Sequence[Transaction], names: Sequence[str]) -> None:
    """Write these fields of these rows with one prepared UPDATE run by executemany.

    bulk_update builds a CASE expression per field and row, which costs more
    than the whole rest of an incremental sync; the statement here is plain
    SQL with values prepared by the fields themselves, so it runs anywhere.
    """
    if not rows:
        return
    fields = [Transaction._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    sql = (f"UPDATE {quote(Transaction._meta.db_table)} SET "
           f"{', '.join(f'{quote(f.column)} = %s' for f in fields)} WHERE {quote('id')} = %s")
    params = [[f.get_db_prep_save(getattr(t, f.attname), connection) for f in fields] + [t.pk]
              for t in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _take_over_pending(pending_links: Mapping[str, str], result: PlaidUpdateResult) -> set[str]:
    """Give each posted row its pending row's decisions; returns the pending ids replaced."""
    if not pending_links:
        return set()
    posted = _existing(pending_links)
    pending = _existing(pending_links.values())
    updated, replaced = [], set()
    for posted_id, pending_id in pending_links.items():
        new, old = posted.get(posted_id), pending.get(pending_id)
        if new is None or old is None:
            continue
        replaced.add(pending_id)
        new.notes = old.notes or new.notes
        if old.status != Status.PENDING_REVIEW:
            for name in ("category_id", "status", "confirmed_at", "confirmed_by_id",
                         "predicted_category_id", "categorization_tier", "prediction_confidence",
                         "updated_at", "updated_by_id"):
                setattr(new, name, getattr(old, name))
        updated.append(new)
    _save_fields(updated, _TAKEN_OVER_FIELDS)
    result.taken_over += len(updated)
    return replaced
