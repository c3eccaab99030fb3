"""Confirming transactions: the one path every confirmation takes.

The review queue's save, an email reply and bulk actions all end here, so
the engine learns from every confirmation the same way, and other rows of the
same merchant that still wait for review are re-predicted at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from categories.engine.learning import learn_from
from categories.engine.pipeline import categorize
from transactions.models import Status, Transaction

FIELDS = ["category", "status", "confirmed_at", "confirmed_by"]
# Correcting a confirmed row's category is an edit, recorded as such.
EDIT_FIELDS = ["updated_at", "updated_by"]
PREDICTION_FIELDS = [
    "predicted_category", "categorization_tier", "prediction_confidence", "category", "status",
    "confirmed_at",
]


@dataclass
class ConfirmResult:
    confirmed: list[int] = field(default_factory=list)
    repredicted: list[int] = field(default_factory=list)
    skipped: int = 0


@transaction.atomic
def confirm(transactions: Sequence[Transaction], *, user=None, correcting: bool = False) -> ConfirmResult:
    """Confirm each row with its staged `category`, else its prediction.

    Rows with neither are skipped (counted). Already-confirmed rows are left
    as they are, unless `correcting`: then a person has just chosen their
    category anew (the transactions page), the engine learns the correction,
    and a row that was already confirmed keeps who confirmed it and records
    that `user` edited it.
    Learns merchant mappings in date order, then re-predicts still-pending rows
    of the same merchants.
    """
    result = ConfirmResult()
    now = timezone.now()
    edited = False
    done = []
    for t in sorted(transactions, key=lambda t: (t.date, t.pk or 0)):
        was_confirmed = t.status in (Status.CONFIRMED, Status.AUTO_CONFIRMED)
        if was_confirmed and not correcting:
            continue
        category_id = t.category_id or t.predicted_category_id
        if not category_id:
            result.skipped += 1
            continue
        t.category_id = category_id
        t.status = Status.CONFIRMED
        if was_confirmed:
            # Who confirmed it first (a person, or the engine) stays on record.
            t.updated_at, t.updated_by = now, user
            edited = True
        else:
            t.confirmed_at, t.confirmed_by = now, user
        done.append(t)
    Transaction.objects.bulk_update(done, FIELDS + EDIT_FIELDS if edited else FIELDS, batch_size=500)
    learn_from(done)
    result.confirmed = [t.pk for t in done]
    result.repredicted = repredict_pending({t.merchant_key for t in done if t.merchant_key})
    return result


def repredict_pending(merchant_keys: set[str]) -> list[int]:
    """Re-run the engine on rows still waiting for review for these merchants.

    Only what the engine reads is loaded, and only rows whose outcome changed
    are written: a merchant with hundreds of waiting rows made each save
    spend most of its time building and rewriting rows that came out the same.
    """
    if not merchant_keys:
        return []
    pending = list(Transaction.objects.filter(
        status=Status.PENDING_REVIEW, merchant_key__in=sorted(merchant_keys)
    ).only("id", "date", "description", "merchant_name", "merchant_key", "amount", *PREDICTION_FIELDS))
    if not pending:
        return []
    before = {t.pk: _outcome(t) for t in pending}
    categorize(pending)
    save_predictions([t for t in pending if _outcome(t) != before[t.pk]])
    return [t.pk for t in pending]


def _outcome(t: Transaction) -> tuple:
    return (t.predicted_category_id, t.categorization_tier, t.prediction_confidence,
            t.category_id, t.status, t.confirmed_at)


def save_predictions(rows: Sequence[Transaction]) -> None:
    """Write predictions back with one UPDATE per distinct outcome.

    Re-predicted rows of one merchant mostly share an outcome, so this is a
    handful of statements where `bulk_update` would build one CASE per field
    and row.
    """
    groups: dict[tuple, list[int]] = {}
    for t in rows:
        groups.setdefault(_outcome(t), []).append(t.pk)
    for (predicted, tier, confidence, category, status, confirmed_at), ids in groups.items():
        for start in range(0, len(ids), 900):
            Transaction.objects.filter(pk__in=ids[start:start + 900]).update(
                predicted_category_id=predicted, categorization_tier=tier,
                prediction_confidence=confidence, category_id=category, status=status,
                confirmed_at=confirmed_at,
            )
