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
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from accounts.models import Account, AccountType
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


def _open_to_pairing() -> RawSQL:
    """Unpaired, and pending or already a transfer: as expressions no index can serve.

    SQLite keeps no statistics here, so it takes `status = ...` and
    `transfer_pair_id IS NULL` for selective and walked those indexes across
    the whole ledger (14 ms a call at 20k rows); left as filters, the
    (account, date) index reads just the window (0.7 ms). `|| ''` and `+ 0`
    change no value, in SQLite or PostgreSQL.
    """
    transfers = sorted(transfer_category_ids())
    listed = ", ".join(["%s"] * len(transfers)) or "NULL"
    return RawSQL(
        '"transactions"."transfer_pair_id" + 0 IS NULL AND ("transactions"."status" || \'\' = %s '
        f'OR "transactions"."category_id" + 0 IN ({listed}))',
        [Status.PENDING_REVIEW, *transfers], output_field=BooleanField())


def pair_transfers(account, new_rows: Sequence) -> int:
    """Pair new, still-pending rows of `account` with opposite rows in other accounts.

    `new_rows` are rows just stored for `account` (model instances or the
    ingest's lightweight rows; they are found again by fingerprint). Returns
    the number of pairs made. Costs one query when no other account has a
    matching row, which is the usual case.
    """
    candidates = [r for r in new_rows if r.status == Status.PENDING_REVIEW and r.amount
                  and r.fingerprint and getattr(r, "transfer_pair_id", None) is None]
    if not candidates:
        return 0
    window = datetime.timedelta(days=settings.BUDGET_TRANSFER_WINDOW_DAYS)
    low = min(r.date for r in candidates) - window
    high = max(r.date for r in candidates) + window
    wanted = {-r.amount for r in candidates}
    pool: dict = {}
    # Naming the other accounts lets the (account, date) index skip this
    # account's own rows, which are most of the window during an import.
    others = list(Account.objects.exclude(pk=account.pk).values_list("pk", flat=True))
    for row in (
        Transaction.objects.filter(account_id__in=others, date__range=(low, high))
        .filter(_open_to_pairing()).order_by()
        .values_list("id", "date", "amount", "account__account_type", "status")
    ):
        if row[2] in wanted:
            pool.setdefault(row[2], []).append(row)
    candidates = [r for r in candidates if -r.amount in pool]
    if not candidates:
        return 0
    ids = dict(Transaction.objects.filter(
        account_id=account.pk, fingerprint__in=[r.fingerprint for r in candidates]
    ).values_list("fingerprint", "id"))
    mine = [(ids[r.fingerprint], r) for r in candidates if r.fingerprint in ids]
    rejected = set(
        RejectedTransferPair.objects.filter(
            Q(first_id__in=[pk for pk, _ in mine]) | Q(second_id__in=[pk for pk, _ in mine])
        ).values_list("first_id", "second_id")
    )
    card_leaf, transfer_leaf = _leaf(CARD_PAYMENT), _leaf(ACCOUNT_TRANSFER)
    taken: set[int] = set()
    pairs = 0
    for pk, row in sorted(mine, key=lambda item: (item[1].date, item[0])):
        best = None
        for other in pool[-row.amount]:
            other_pk, other_date = other[0], other[1]
            if (other_pk in taken or tuple(sorted((pk, other_pk))) in rejected
                    or abs((other_date - row.date).days) > window.days):
                continue
            if best is None or abs((other_date - row.date).days) < abs((best[1] - row.date).days):
                best = other
        if best is None:
            continue
        taken.add(best[0])
        card = AccountType.CREDIT_CARD in (account.account_type, best[3])
        prediction = {"predicted_category_id": card_leaf if card else transfer_leaf,
                      "categorization_tier": Tier.TRANSFER,
                      "prediction_confidence": TRANSFER_CONFIDENCE}
        Transaction.objects.filter(pk=pk).update(transfer_pair_id=best[0], **prediction)
        partner = Transaction.objects.filter(pk=best[0])
        partner.update(transfer_pair_id=pk)
        partner.filter(status=Status.PENDING_REVIEW).update(**prediction)
        pairs += 1
    return pairs


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
