"""Transfer pairing: money that leaves one of the household's accounts and
arrives in another (a checking payment to a credit card) is not spending.

A pair is two rows in different accounts with opposite amounts within
`BUDGET_TRANSFER_WINDOW_DAYS`. Both are predicted as Transfers; a pair a
person rejects is remembered and never proposed again.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from accounts.models import AccountType
from categories.models import Category
from transactions.models import RejectedTransferPair, Status, Tier, Transaction

TRANSFER_CONFIDENCE = 0.9
CARD_PAYMENT = "credit_card_payment"
ACCOUNT_TRANSFER = "account_transfer"


def transfer_category_ids() -> set[int]:
    """Transfers and its children: every spending figure excludes these."""
    return set(
        Category.objects.filter(
            Q(short_desc=Category.TRANSFERS) | Q(parent__short_desc=Category.TRANSFERS)
        ).values_list("id", flat=True)
    )


def _leaf(short_desc: str) -> int | None:
    found = Category.objects.filter(short_desc__in=[short_desc, Category.TRANSFERS]).values_list(
        "short_desc", "id"
    )
    by_name = dict(found)
    return by_name.get(short_desc) or by_name.get(Category.TRANSFERS)


def pair_transfers(new: Sequence[Transaction]) -> int:
    """Pair saved, still-pending rows with opposite rows in other accounts; return pairs made."""
    candidates = [t for t in new if t.pk and t.status == Status.PENDING_REVIEW
                  and t.transfer_pair_id is None and t.amount]
    if not candidates:
        return 0
    window = datetime.timedelta(days=settings.BUDGET_TRANSFER_WINDOW_DAYS)
    low = min(t.date for t in candidates) - window
    high = max(t.date for t in candidates) + window
    transfers = transfer_category_ids()
    wanted = {-t.amount for t in candidates}
    pool: dict = {}
    for other in (
        Transaction.objects.filter(date__range=(low, high), transfer_pair__isnull=True)
        .filter(Q(status=Status.PENDING_REVIEW) | Q(category_id__in=transfers))
        .select_related("account")
        .only("id", "date", "amount", "account_id", "account__account_type", "status")
    ):
        if other.amount in wanted:
            pool.setdefault(other.amount, []).append(other)
    if not pool:
        return 0
    ids = [t.pk for t in candidates]
    rejected = set(
        RejectedTransferPair.objects.filter(Q(first_id__in=ids) | Q(second_id__in=ids))
        .values_list("first_id", "second_id")
    )
    card_leaf, transfer_leaf = _leaf(CARD_PAYMENT), _leaf(ACCOUNT_TRANSFER)
    taken: set[int] = set()
    updates = []
    for t in sorted(candidates, key=lambda t: (t.date, t.pk)):
        if t.pk in taken:
            continue
        best = None
        for other in pool.get(-t.amount, ()):
            if (other.pk in taken or other.pk == t.pk or other.account_id == t.account_id
                    or tuple(sorted((t.pk, other.pk))) in rejected
                    or abs((other.date - t.date).days) > window.days):
                continue
            if best is None or abs((other.date - t.date).days) < abs((best.date - t.date).days):
                best = other
        if best is None:
            continue
        taken |= {t.pk, best.pk}
        is_card = AccountType.CREDIT_CARD in (t.account.account_type, best.account.account_type)
        leaf = card_leaf if is_card else transfer_leaf
        for row, partner in ((t, best), (best, t)):
            row.transfer_pair_id = partner.pk
            if row.status == Status.PENDING_REVIEW:
                row.predicted_category_id = leaf
                row.categorization_tier = Tier.TRANSFER
                row.prediction_confidence = TRANSFER_CONFIDENCE
            updates.append(row)
    Transaction.objects.bulk_update(
        updates,
        ["transfer_pair", "predicted_category", "categorization_tier", "prediction_confidence"],
        batch_size=500,
    )
    return len(updates) // 2


@transaction.atomic
def reject_transfer_pair(t: Transaction) -> None:
    """Unpair t from its partner, remember the refusal, and re-predict both."""
    from categories.engine.pipeline import categorize

    partner = Transaction.objects.filter(pk=t.transfer_pair_id).first()
    if partner is None:
        return
    first, second = sorted((t.pk, partner.pk))
    RejectedTransferPair.objects.get_or_create(first_id=first, second_id=second)
    rows = [t, partner]
    for row in rows:
        row.transfer_pair_id = None
        if row.status == Status.PENDING_REVIEW:
            row.predicted_category_id = row.categorization_tier = row.prediction_confidence = None
    categorize(rows, auto_confirm=False)
    Transaction.objects.bulk_update(
        rows, ["transfer_pair", "predicted_category", "categorization_tier", "prediction_confidence"]
    )
