"""The review queue's actions, as plain functions the views call.

Staging (`pending_save`) records a person's choice without confirming it:
the staged category is kept in `category`, and budgets ignore staged rows
because they read only confirmed statuses. "Save" confirms every staged row
through `transactions.confirm`, so the engine learns. Each action returns
what is needed to undo it.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet

from transactions.confirm import ConfirmResult, confirm
from transactions.models import Status, Transaction

PAGE_SIZE = 100


def queue(limit: int = PAGE_SIZE, before: tuple[datetime.date, int] | None = None) -> list[Transaction]:
    """Pending rows, newest first (keyset pagination on (date, id))."""
    rows = (
        Transaction.objects.pending()
        .select_related("account", "predicted_category", "predicted_category__parent", "category",
                        "category__parent", "possible_duplicate_of",
                        "possible_duplicate_of__account")
        .order_by("-date", "-id")
    )
    if before:
        day, pk = before
        rows = rows.filter(date__lte=day).exclude(date=day, id__gte=pk)
    return list(rows[:limit])


def by_day(rows: Sequence[Transaction]) -> list[tuple[datetime.date, list[Transaction]]]:
    groups: list[tuple[datetime.date, list[Transaction]]] = []
    for t in rows:
        if not groups or groups[-1][0] != t.date:
            groups.append((t.date, []))
        groups[-1][1].append(t)
    return groups


def _pending(ids: Sequence[int]) -> QuerySet:
    return Transaction.objects.pending().filter(pk__in=list(ids))


@dataclass
class Staged:
    ids: list[int]
    previous: list[tuple[int, str, int | None]]  # (id, status, category_id) before, for undo


@transaction.atomic
def stage(ids: Sequence[int], *, category_id: int | None = None) -> Staged:
    """Stage rows with a chosen category, or with their prediction when none is given."""
    rows = list(_pending(ids))
    previous = {t.pk: (t.status, t.category_id) for t in rows}
    staged = []
    for t in rows:
        chosen = category_id or t.predicted_category_id
        if not chosen:
            continue
        t.category_id = chosen
        t.status = Status.PENDING_SAVE
        staged.append(t)
    Transaction.objects.bulk_update(staged, ["category", "status"])
    return Staged([t.pk for t in staged], [(t.pk, *previous[t.pk]) for t in staged])


def accept_above_count(threshold: float) -> int:
    return _above(threshold).count()


def _above(threshold: float) -> QuerySet:
    return Transaction.objects.filter(
        status=Status.PENDING_REVIEW, predicted_category__isnull=False,
        prediction_confidence__gte=threshold,
    )


def accept_above(threshold: float) -> Staged:
    """Stage every waiting row whose prediction is at least `threshold` sure."""
    return stage(list(_above(threshold).values_list("pk", flat=True)))


@transaction.atomic
def unstage(previous: Sequence[Sequence]) -> list[int]:
    """Put staged rows back as they were (undo of `stage`); confirmed rows are left alone."""
    before = {int(pk): (status, category_id) for pk, status, category_id in previous}
    rows = list(Transaction.objects.filter(pk__in=list(before), status=Status.PENDING_SAVE))
    for t in rows:
        t.status, t.category_id = before[t.pk]
    Transaction.objects.bulk_update(rows, ["status", "category"])
    return [t.pk for t in rows]


def save_staged(*, user=None) -> ConfirmResult:
    """Confirm every staged row (the engine learns from each)."""
    return confirm(list(Transaction.objects.filter(status=Status.PENDING_SAVE)), user=user)


def keep_both(pk: int) -> None:
    """A flagged possible duplicate is a genuine transaction: clear the flag."""
    Transaction.objects.filter(pk=pk).update(possible_duplicate_of=None)


