"""Reading the confirmed ledger for reports: categories by kind, and money per month.

Every figure here counts confirmed and auto-confirmed rows only and leaves
out Transfers (the transfers parent and its children). Totals by month and
category come from the `ledger_category_months` summary in one GROUP BY query;
pending rows, which the summary leaves out on purpose, are summed from the
ledger (few rows, found through the status index).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import IntegerField, Sum, Value
from django.db.models.functions import Coalesce

from categories.models import Category
from insights.models import UNCATEGORIZED, LedgerCategoryMonth, cents
from insights.months import Month
from transactions.models import PENDING_STATUSES, Transaction

EXPENSE, INCOME, TRANSFER = "expense", "income", "transfer"
GREY = "#9e9e9e"
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class CategoryInfo:
    id: int
    name: str
    color: str
    parent_id: int | None
    top_id: int
    kind: str
    is_recurring: bool = False
    parent_name: str = ""

    @property
    def label(self) -> str:
        return f"{self.parent_name} › {self.name}" if self.parent_name else self.name

    @property
    def is_top(self) -> bool:
        return self.parent_id is None


NO_CATEGORY = CategoryInfo(UNCATEGORIZED, "Uncategorized", GREY, None, UNCATEGORIZED, EXPENSE)


class Categories:
    """Every category read once (a few dozen rows): names, colors, parents and kind.

    A category is income when it or its parent is marked income, a transfer
    when it is the Transfers parent or one of its children, else an expense.
    """

    def __init__(self) -> None:
        rows = list(Category.objects.values(
            "id", "display_name", "color", "parent_id", "is_income", "is_recurring", "short_desc"))
        by_id = {row["id"]: row for row in rows}
        self._info: dict[int, CategoryInfo] = {UNCATEGORIZED: NO_CATEGORY}
        for row in rows:
            parent = by_id.get(row["parent_id"]) if row["parent_id"] else None
            top = parent or row
            if top["short_desc"] == Category.TRANSFERS:
                kind = TRANSFER
            elif row["is_income"] or (parent and parent["is_income"]):
                kind = INCOME
            else:
                kind = EXPENSE
            self._info[row["id"]] = CategoryInfo(
                id=row["id"], name=row["display_name"],
                color=row["color"] or (parent and parent["color"]) or GREY,
                parent_id=parent["id"] if parent else None, top_id=top["id"], kind=kind,
                is_recurring=bool(row["is_recurring"] or (parent and parent["is_recurring"])),
                parent_name=parent["display_name"] if parent else "",
            )

    def __getitem__(self, category_id: int | None) -> CategoryInfo:
        return self._info.get(category_id or UNCATEGORIZED, NO_CATEGORY)

    def ids(self, kind: str) -> list[int]:
        return sorted(pk for pk, info in self._info.items() if info.kind == kind and pk != UNCATEGORIZED)

    def children(self, top_id: int) -> list[CategoryInfo]:
        return [info for info in self._info.values() if info.parent_id == top_id]


def confirmed_rows():
    """Confirmed and auto-confirmed transactions, for the few reports that read rows.

    Written as "not pending" (the two sets cover every status; a test keeps
    it so) because SQLite, which keeps no statistics here, would otherwise
    walk the four-valued status index instead of the date or merchant index.
    """
    return Transaction.objects.exclude(status__in=PENDING_STATUSES)


def month_totals(first: Month, last: Month, categories: Categories) -> dict[tuple[str, int], Decimal]:
    """{("YYYY-MM", category id): net confirmed amount} for the months, Transfers left out."""
    rows = (
        LedgerCategoryMonth.objects.filter(month__gte=str(first), month__lte=str(last))
        .exclude(category_id__in=categories.ids(TRANSFER))
        .values("month", "category_id")
        .annotate(total=Sum("total_cents"))
        .values_list("month", "category_id", "total")
    )
    return {(month, category_id): cents(total) for month, category_id, total in rows}


def category_totals(first: Month, last: Month, categories: Categories) -> dict[int, Decimal]:
    """{category id: net confirmed amount} over the months, Transfers left out."""
    rows = (
        LedgerCategoryMonth.objects.filter(month__gte=str(first), month__lte=str(last))
        .exclude(category_id__in=categories.ids(TRANSFER))
        .values("category_id")
        .annotate(total=Sum("total_cents"))
        .values_list("category_id", "total")
    )
    return {category_id: cents(total) for category_id, total in rows}


def pending_totals(first: datetime.date, last: datetime.date, categories: Categories) -> dict[int, Decimal]:
    """{category id: net amount} of rows still waiting for review between two days.

    A waiting row counts under its staged category, else its prediction
    (else Uncategorized), so a budget shows what review is likely to add.
    """
    rows = (
        Transaction.objects.pending().filter(date__gte=first, date__lte=last)
        .annotate(bucket=Coalesce("category_id", "predicted_category_id", Value(UNCATEGORIZED),
                                output_field=IntegerField()))
        .exclude(bucket__in=categories.ids(TRANSFER))
        .values("bucket")
        .annotate(total=Sum("amount"))
        .values_list("bucket", "total")
    )
    return {bucket: total or ZERO for bucket, total in rows}

