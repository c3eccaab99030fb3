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
from django.db.models import Q, QuerySet

from accounts.models import Account
from categories.models import Category
from transactions.confirm import ConfirmResult, confirm
from transactions.models import Status, Transaction
from transactions.related import attach

PAGE_SIZE = 100
# The columns a queue row shows (transactions/display.py); building the others cost as much.
_ROW_FIELDS = ("id", "account", "date", "description", "merchant_name", "amount", "category",
               "predicted_category", "status", "source", "categorization_tier", "prediction_confidence",
               "possible_duplicate_of")


def queue(limit: int = PAGE_SIZE, before: tuple[datetime.date, int] | None = None, *,
          categories: Sequence[Category] | None = None) -> list[Transaction]:
    """Pending rows, newest first (keyset pagination on (date, id)).

    The page's ids come from the (status, date) index alone, then those rows
    with what they show: joining every pending row before sorting, as one
    query did, cost more than the rest of the page. Their accounts and
    categories are attached (transactions/related.py); given every category
    (the page reads them for its picker), rows take theirs from that list.
    """
    ids = Transaction.objects.pending()
    if before:
        day, pk = before
        ids = ids.filter(Q(date__lt=day) | Q(date=day, id__lt=pk))
    wanted = list(ids.order_by("-date", "-id").values_list("pk", flat=True)[:limit])
    found = {t.pk: t for t in Transaction.objects.filter(pk__in=wanted).only(*_ROW_FIELDS).order_by()}
    rows = [found[pk] for pk in wanted if pk in found]
    originals = _attach_originals(rows)
    attach([*rows, *originals], ("account",), Account.objects.without_secrets())
    attach(rows, ("category", "predicted_category"), Category.objects.all(), categories or ())
    return rows


def _attach_originals(rows: list[Transaction]) -> list[Transaction]:
    """Read the transactions flagged rows may duplicate, in one query (none when none is
    flagged), and return them for their accounts to be attached with the rows'."""
    flagged = [t for t in rows if t.possible_duplicate_of_id]
    if not flagged:
        return []
    originals = Transaction.objects.only(*_ROW_FIELDS).in_bulk({t.possible_duplicate_of_id for t in flagged})
    for t in flagged:
        t.possible_duplicate_of = originals.get(t.possible_duplicate_of_id)
    return list(originals.values())


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue and the cursor of the next ("" when this is the last)."""

    rows: list[Transaction]
    more: str


def queue_page(before: tuple[datetime.date, int] | None = None, limit: int = PAGE_SIZE, *,
               categories: Sequence[Category] | None = None) -> QueuePage:
    """`limit` pending rows after `before`, and whether more wait past them (one extra row read)."""
    rows = queue(limit + 1, before, categories=categories)
    if len(rows) <= limit:
        return QueuePage(rows, "")
    last = rows[limit - 1]
    return QueuePage(rows[:limit], f"{last.date.isoformat()}_{last.pk}")


def parse_cursor(text: str) -> tuple[datetime.date, int] | None:
    """The (date, id) of a "Load more" cursor like "2026-10-31_123", None when it does not parse."""
    day, _, pk = (text or "").partition("_")
    try:
        return datetime.date.fromisoformat(day), int(pk)
    except ValueError:
        return None


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


