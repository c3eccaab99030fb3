"""Delete, restore, and revert whole imports, without ever losing a row.

Deleting moves a transaction into DeletedTransaction with a snapshot of every
field, so restoring brings it back identical (same id when it is free, same
category, status, source and ids) and deduplication sees it as present again.
A revert of an import is a delete of exactly its rows, so it can be undone too.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from transactions.models import DeletedTransaction, DeleteReason, ImportBatch, Transaction

_DATES = {"date"}
_DATETIMES = {"created_at", "confirmed_at", "updated_at"}
_DECIMALS = {"amount"}


def _snapshot(t: Transaction) -> dict:
    data = {}
    for f in Transaction._meta.concrete_fields:
        value = getattr(t, f.attname)
        if isinstance(value, (datetime.date, datetime.datetime, Decimal)):
            value = value.isoformat() if not isinstance(value, Decimal) else str(value)
        data[f.attname] = value
    return data


def _from_snapshot(data: dict) -> Transaction:
    values = dict(data)
    for name in _DATES:
        values[name] = datetime.date.fromisoformat(values[name])
    for name in _DATETIMES:
        if values.get(name):
            values[name] = datetime.datetime.fromisoformat(values[name])
    for name in _DECIMALS:
        values[name] = Decimal(values[name])
    known = {f.attname for f in Transaction._meta.concrete_fields}
    return Transaction(**{k: v for k, v in values.items() if k in known})


@transaction.atomic
def delete_transactions(
    transactions: Iterable[Transaction], *, user=None, reason: str = DeleteReason.USER
) -> list[int]:
    """Move rows to DeletedTransaction; returns the DeletedTransaction ids (for undo)."""
    rows = list(Transaction.objects.filter(pk__in=[t.pk for t in transactions])
                .select_related("account", "category"))
    if not rows:
        return []
    now = timezone.now()
    memories = DeletedTransaction.objects.bulk_create([
        DeletedTransaction(
            original_id=t.pk, account_id=t.account_id, account_name=str(t.account),
            date=t.date, description=t.description, merchant_name=t.merchant_name,
            amount=t.amount, category_name=t.category.display_name if t.category else None,
            status=t.status, source=t.source, deleted_at=now, reason=reason,
            fingerprint=t.fingerprint, external_id=t.external_id,
            plaid_transaction_id=t.plaid_transaction_id, import_batch_id=t.import_batch_id,
            snapshot=_snapshot(t), deleted_by=user,
        )
        for t in rows
    ])
    Transaction.objects.filter(pk__in=[t.pk for t in rows]).delete()
    return [m.pk for m in memories]


@transaction.atomic
def restore(deleted_ids: Iterable[int]) -> list[Transaction]:
    """Bring deleted rows back as they were; rows already present again are skipped."""
    memories = list(DeletedTransaction.objects.filter(pk__in=list(deleted_ids), snapshot__isnull=False))
    taken = set(Transaction.objects.filter(
        pk__in=[m.original_id for m in memories]).values_list("pk", flat=True))
    restored = []
    for memory in memories:
        t = _from_snapshot(memory.snapshot)
        if t.pk in taken:
            t.pk = None
        for link in ("possible_duplicate_of_id", "transfer_pair_id", "import_batch_id"):
            if not _exists(link, getattr(t, link)):
                setattr(t, link, None)
        if _duplicate_present(t):
            continue
        t.save(force_insert=True)
        restored.append(t)
    DeletedTransaction.objects.filter(pk__in=[m.pk for m in memories]).delete()
    return restored


def _exists(link: str, pk: int | None) -> bool:
    if pk is None:
        return False
    model = ImportBatch if link == "import_batch_id" else Transaction
    return model.objects.filter(pk=pk).exists()


def _duplicate_present(t: Transaction) -> bool:
    """True when the same row came back meanwhile (re-imported): restoring would double it."""
    same = Transaction.objects.filter(account_id=t.account_id)
    return bool(
        (t.fingerprint and same.filter(fingerprint=t.fingerprint).exists())
        or (t.external_id and same.filter(external_id=t.external_id).exists())
        or (t.plaid_transaction_id
            and Transaction.objects.filter(plaid_transaction_id=t.plaid_transaction_id).exists())
    )


@dataclass
class RevertResult:
    batch: ImportBatch
    removed: int


@transaction.atomic
def revert_import(batch: ImportBatch, *, user=None) -> RevertResult:
    """Remove exactly the rows a batch added (restorable with `undo_revert`)."""
    rows = list(batch.transactions.all())
    delete_transactions(rows, user=user, reason=DeleteReason.REVERT)
    batch.reverted_at = timezone.now()
    batch.save(update_fields=["reverted_at"])
    return RevertResult(batch, len(rows))


@transaction.atomic
def undo_revert(batch: ImportBatch) -> list[Transaction]:
    """Bring a reverted batch's rows back."""
    ids = DeletedTransaction.objects.filter(
        import_batch_id=batch.pk, reason=DeleteReason.REVERT
    ).values_list("pk", flat=True)
    restored = restore(list(ids))
    batch.reverted_at = None
    batch.save(update_fields=["reverted_at"])
    return restored

