"""Unusual spending: charges far above their merchant's (or category's) usual, and this
month's pace against the three months before.

"Usual" is robust, so one earlier splurge does not hide the next: the median
and quartiles of the last BASELINE_DAYS of charges at that merchant (or, for a
merchant seen fewer than MIN_HISTORY times, in that category). A recent charge
is flagged when it is beyond Tukey's far fence (Q3 + 3 x IQR), at least half
again the median, and at least MIN_EXCESS above it.

The quartiles are window functions over one sort of the window's rows (read
in date order through the date index), then a window over the few rows that
matter (the quartile positions and each merchant's top three recent
charges), so nothing is joined and Python sees only flagged rows. The ORM
cannot express a window over a window, so this one query is SQL (standard,
for SQLite and PostgreSQL alike).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection

from insights import revision
from insights.ledger import EXPENSE, INCOME, TRANSFER, ZERO, Categories, CategoryInfo, month_totals
from insights.months import Month
from transactions.models import PENDING_STATUSES, Transaction

RECENT_DAYS = 31
BASELINE_DAYS = 90
MIN_HISTORY = 5
MIN_EXCESS = 20  # whole dollars: SQLite compares a Decimal parameter as text
TOP = 3  # recent charges tested per merchant or category: the largest ones
CENT = Decimal("0.01")

SQL = """
WITH ranked AS (
  SELECT id, category_id, {key} AS k, date, amount,
         ROW_NUMBER() OVER (PARTITION BY {key} ORDER BY amount, id) AS rn,
         COUNT(*) OVER (PARTITION BY {key} ORDER BY amount, id
                        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS n
  FROM transactions
  WHERE status NOT IN ({statuses}) AND date >= %s AND date <= %s AND amount > 0
    AND (category_id IS NULL OR category_id NOT IN ({excluded})) {extra}
),
picked AS (
  SELECT * FROM ranked
  WHERE rn IN ((n + 1) / 2, (n + 2) / 2, (n + 3) / 4, (3 * n + 3) / 4) OR (date >= %s AND rn > n - %s)
),
stats AS (
  SELECT id, category_id, date, amount, rn, n,
         AVG(CASE WHEN rn IN ((n + 1) / 2, (n + 2) / 2) THEN amount END) OVER (PARTITION BY k) AS median,
         MAX(CASE WHEN rn = (n + 3) / 4 THEN amount END) OVER (PARTITION BY k) AS q1,
         MAX(CASE WHEN rn = (3 * n + 3) / 4 THEN amount END) OVER (PARTITION BY k) AS q3
  FROM picked
)
SELECT id, category_id, CAST(median AS TEXT), n,
       CASE WHEN n >= %s AND amount > q3 + 3 * (q3 - q1) AND amount >= 1.5 * median
            AND amount - median >= %s THEN 1 ELSE 0 END
FROM stats
WHERE date >= %s AND rn > n - %s {which}
"""


def _far(today: datetime.date, key: str, excluded: list[int], *, extra: str = "", extra_params=(),
         which: str = "", which_params=()) -> list[tuple]:
    """(id, category id, median, history, flagged) for the largest recent charges per `key`."""
    recent = today - datetime.timedelta(days=RECENT_DAYS)
    sql = SQL.format(key=key, statuses=", ".join(["%s"] * len(PENDING_STATUSES)),
                     excluded=", ".join(["%s"] * len(excluded)) or "NULL", extra=extra, which=which)
    params = [*PENDING_STATUSES, today - datetime.timedelta(days=BASELINE_DAYS), today, *excluded,
              *extra_params, recent, TOP, MIN_HISTORY, MIN_EXCESS, recent, TOP, *which_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@dataclass
class Unusual:
    transaction: Transaction
    usual: Decimal  # the median it is compared with
    history: int  # how many charges that median is of
    basis: str  # "merchant" or "category"

    @property
    def excess(self) -> Decimal:
        return self.transaction.amount - self.usual

    @property
    def times(self) -> Decimal:
        return (self.transaction.amount / self.usual).quantize(Decimal("0.1"), ROUND_HALF_UP)


# (today, ledger revision, excluded categories) -> what `_flagged` found. The
# statistics sort three months of charges per merchant and per category, which
# costs more than a page may; they change only when counted money does.
_FLAGGED: dict[tuple, dict[int, tuple[Decimal, int, str]]] = {}
_FLAGGED_KEEP = 8


def unusual_transactions(today: datetime.date, *, limit: int = 25) -> list[Unusual]:
    """Charges of the last RECENT_DAYS far above what is usual for their merchant or category,
    largest excess first."""
    categories = Categories()
    excluded = [*categories.ids(INCOME), *categories.ids(TRANSFER)]
    # The revision is read before the statistics: a write landing in between
    # only makes this answer newer than its key, and the next request recomputes.
    key = (today, revision.current(), tuple(sorted(excluded)))
    found = _FLAGGED.get(key)
    if found is None:
        found = _flagged(today, excluded)
        while len(_FLAGGED) >= _FLAGGED_KEEP:
            _FLAGGED.pop(next(iter(_FLAGGED)))
        _FLAGGED[key] = found
    loaded = Transaction.objects.select_related("account", "category").in_bulk(list(found))
    unusual = [Unusual(loaded[pk], *found[pk]) for pk in found if pk in loaded]
    return sorted(unusual, key=lambda u: (u.excess, u.transaction.pk), reverse=True)[:limit]


def _flagged(today: datetime.date, excluded: list[int]) -> dict[int, tuple[Decimal, int, str]]:
    """Transaction id -> (usual amount, history, basis) for every recent charge far above usual."""
    found: dict[int, tuple[Decimal, int, str]] = {}
    thin: dict[int, int] = {}  # recent charge id -> category, for merchants with little history
    for pk, category_id, median, n, flagged in _far(today, "merchant_key", excluded):
        if n < MIN_HISTORY:
            thin[pk] = category_id
        elif flagged:
            found[pk] = (Decimal(median).quantize(CENT), n, "merchant")
    if thin:
        ids, cats = sorted(thin), sorted({c for c in thin.values() if c is not None})
        rows = _far(today, "category_id", excluded,
                    extra=f"AND category_id IN ({', '.join(['%s'] * len(cats)) or 'NULL'})",
                    extra_params=cats, which=f"AND id IN ({', '.join(['%s'] * len(ids))})", which_params=ids)
        for pk, _, median, n, flagged in rows:
            if flagged and n >= MIN_HISTORY:
                found[pk] = (Decimal(median).quantize(CENT), n, "category")
    return found


@dataclass
class Pace:
    category: CategoryInfo
    so_far: Decimal
    baseline: Decimal  # average monthly spending over the three months before
    elapsed: Decimal

    @property
    def expected(self) -> Decimal:
        return (self.baseline * self.elapsed).quantize(CENT, ROUND_HALF_UP)

    @property
    def difference(self) -> Decimal:
        return self.so_far - self.expected

    @property
    def ratio(self) -> Decimal | None:
        return (self.so_far / self.expected).quantize(Decimal("0.01")) if self.expected > 0 else None


def spending_pace(today: datetime.date) -> list[Pace]:
    """Each expense parent's spending so far this month against its 3-month average at the
    same share of the month, fastest first."""
    categories = Categories()
    month = Month.of(today)
    totals = month_totals(month.shift(-3), month, categories)
    so_far: dict[int, Decimal] = defaultdict(lambda: ZERO)
    earlier: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for (text, pk), amount in totals.items():
        info = categories[pk]
        if info.kind != EXPENSE:
            continue
        (so_far if text == str(month) else earlier)[info.top_id] += amount
    elapsed = Decimal(today.day) / Decimal(month.days)
    paces = [Pace(categories[top], so_far[top], (earlier[top] / 3).quantize(CENT, ROUND_HALF_UP), elapsed)
             for top in set(so_far) | set(earlier)]
    return sorted(paces, key=lambda p: (p.difference, p.category.name), reverse=True)
