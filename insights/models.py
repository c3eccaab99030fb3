"""What the reports read besides the ledger itself: a monthly summary and dismissals.

Reports never write to the ledger. `LedgerMonth` is derived data that the
database keeps in step with `transactions` (see `insights/summary.py`);
`RecurringDismissal` is the one thing a person writes here.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone

UNCATEGORIZED = 0


class LedgerMonth(models.Model):
    """Confirmed money for one month, category and merchant, kept exact by database triggers.

    Why it exists: budgets, rollover chains, trends, top merchants and the
    recurring monitor would otherwise scan hundreds of thousands of rows per
    page at a million transactions; a covering index on transactions still
    left a 24-month trend at 130 ms+ (measured, see bench/bench_budgets.py). Why triggers: every write path
    (ingest's bulk_create, review's bulk_update, deletion, restore, revert,
    an edit in the admin, raw SQL) changes `transactions`, and only the
    database sees them all. Only confirmed and auto-confirmed rows count;
    `category_id` is 0 for a confirmed row whose category was deleted.
    Amounts are whole cents (exact integers); `squares` is the sum of squared
    cents, a float because it is only a spread filter for the recurring
    monitor and a bigint could overflow.
    """

    month = models.CharField(max_length=7)
    category_id = models.IntegerField()
    merchant_key = models.CharField(max_length=200)
    merchant_name = models.CharField(max_length=200)
    count = models.IntegerField()
    total_cents = models.BigIntegerField()
    squares = models.FloatField()

    class Meta:
        db_table = "ledger_months"
        constraints = [
            models.UniqueConstraint(
                fields=["month", "category_id", "merchant_key"], name="uq_ledger_month_key"
            ),
        ]
        # Covering and in merchant order, so the recurring monitor's per-merchant
        # totals over three years stream without a sort and never touch the table.
        indexes = [
            models.Index(fields=["merchant_key", "month", "category_id", "count", "total_cents", "squares"],
                         name="idx_ledger_month_merchant"),
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.category_id} {self.merchant_key}: {self.total}"

    @property
    def total(self) -> Decimal:
        return cents(self.total_cents)


class LedgerCategoryMonth(models.Model):
    """Confirmed money for one month and category: `LedgerMonth` without the merchant.

    Kept by the same triggers. Why a second table: a category's long run of
    months (rollover over years, trends) then reads one row per month instead
    of one per merchant and month (measured: 60 ms down to a few on 1M rows).
    """

    month = models.CharField(max_length=7)
    category_id = models.IntegerField()
    count = models.IntegerField()
    total_cents = models.BigIntegerField()

    class Meta:
        db_table = "ledger_category_months"
        constraints = [
            models.UniqueConstraint(fields=["month", "category_id"], name="uq_ledger_category_month"),
        ]
        indexes = [
            models.Index(fields=["category_id", "month", "total_cents"], name="idx_ledger_category_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.category_id}: {cents(self.total_cents)}"


class LedgerRevision(models.Model):
    """One row whose `token` the database redraws on every change to counted money.

    See `insights/revision.py`.
    """

    token = models.BigIntegerField(default=0)

    class Meta:
        db_table = "ledger_revision"

    def __str__(self) -> str:
        return f"ledger revision {self.token}"


def cents(value: int | None) -> Decimal:
    """Whole cents from the summary as money: 123456 -> Decimal("1234.56")."""
    return Decimal(value or 0).scaleb(-2)


class RecurringDismissal(models.Model):
    """A merchant a person said is not a subscription: the monitor hides it for good."""

    merchant_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "recurring_dismissals"
        ordering = ["merchant_key"]

    def __str__(self) -> str:
        return self.merchant_key
