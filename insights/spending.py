"""Spending by category for a period: parents, or one parent's children (drill-down)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from insights.ledger import EXPENSE, ZERO, Categories, CategoryInfo, category_totals
from insights.months import Period


@dataclass
class Slice:
    category: CategoryInfo
    total: Decimal
    share: Decimal  # percent of the period's spending, one decimal
    drillable: bool  # a parent with children to open


@dataclass
class Spending:
    period: Period
    parent: CategoryInfo | None
    slices: list[Slice]
    total: Decimal

    def chart(self) -> dict:
        """Doughnut data: amounts as strings (Decimal), colors, and ids to drill into."""
        return {
            "type": "doughnut",
            "labels": [s.category.name for s in self.slices],
            "datasets": [{"label": "Spent", "data": [str(s.total) for s in self.slices],
                          "colors": [s.category.color for s in self.slices]}],
            "drill": [s.category.id if s.drillable else None for s in self.slices],
        }


def spending_by_category(period: Period, *, parent_id: int | None = None) -> Spending:
    """Net spending per parent category (or per child of `parent_id`), largest first.

    Categories whose refunds outweigh their spending are left out of the
    slices (a doughnut has no negative slices) but still lower the total.
    """
    categories = Categories()
    totals = category_totals(period.first, period.last, categories)
    parent = categories[parent_id] if parent_id else None
    if parent is not None and (parent.id != parent_id or not parent.is_top or parent.kind != EXPENSE):
        raise ValueError(f"category {parent_id} is not an expense parent")
    grouped: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for pk, amount in totals.items():
        info = categories[pk]
        if info.kind != EXPENSE:
            continue
        if parent is None:
            grouped[info.top_id] += amount
        elif info.top_id == parent.id:
            grouped[pk] += amount
    total = sum(grouped.values(), ZERO)
    positive = sorted(((pk, amount) for pk, amount in grouped.items() if amount > 0),
                      key=lambda item: item[1], reverse=True)
    slices = [
        Slice(categories[pk], amount,
              (amount * 100 / total).quantize(Decimal("0.1")) if total > 0 else ZERO,
              parent is None and bool(categories.children(pk)))
        for pk, amount in positive
    ]
    return Spending(period, parent, slices, total)
