"""Month by month: spending stacked by parent, income against expenses, and the movers."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from insights.ledger import EXPENSE, INCOME, ZERO, Categories, CategoryInfo, month_totals
from insights.months import Month

TENTH = Decimal("0.1")


@dataclass
class Trend:
    months: list[Month]
    stacks: list[tuple[CategoryInfo, list[Decimal]]]  # expense parents, largest first
    income: list[Decimal]
    expenses: list[Decimal]

    @property
    def savings_rate(self) -> list[Decimal | None]:
        """(income - expenses) / income in percent; None for a month without income."""
        return [((i - e) * 100 / i).quantize(TENTH, ROUND_HALF_UP) if i > 0 else None
                for i, e in zip(self.income, self.expenses, strict=True)]

    @property
    def rows(self) -> list[tuple[Month, Decimal, Decimal, Decimal | None]]:
        return list(zip(self.months, self.income, self.expenses, self.savings_rate, strict=True))

    def stacked_chart(self) -> dict:
        return {
            "type": "stacked",
            "labels": [m.short for m in self.months],
            "datasets": [{"label": top.name, "colors": [top.color], "data": [str(v) for v in values]}
                         for top, values in self.stacks],
        }

    def income_chart(self) -> dict:
        return {
            "type": "income",
            "labels": [m.short for m in self.months],
            "datasets": [
                {"label": "Income", "colors": ["#2e7d32"], "data": [str(v) for v in self.income]},
                {"label": "Expenses", "colors": ["#c62828"], "data": [str(v) for v in self.expenses]},
                {"label": "Savings rate", "colors": ["#1565c0"], "percent": True,
                 "data": [None if r is None else str(r) for r in self.savings_rate]},
            ],
        }


def monthly_trend(last: Month, count: int) -> Trend:
    """`count` months ending with `last`: one summary query, grouped by month and parent."""
    categories = Categories()
    months = last.shift(1 - count).through(last)
    index = {str(m): i for i, m in enumerate(months)}
    totals = month_totals(months[0], last, categories)
    by_top: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO] * len(months))
    income = [ZERO] * len(months)
    for (month, pk), amount in totals.items():
        info = categories[pk]
        if info.kind == EXPENSE:
            by_top[info.top_id][index[month]] += amount
        elif info.kind == INCOME:
            income[index[month]] -= amount
    stacks = sorted(((categories[top], values) for top, values in by_top.items()),
                    key=lambda item: sum(item[1], ZERO), reverse=True)
    expenses = [sum((values[i] for _, values in stacks), ZERO) for i in range(len(months))]
    return Trend(months, stacks, income, expenses)


@dataclass
class Mover:
    category: CategoryInfo
    previous: Decimal
    current: Decimal

    @property
    def change(self) -> Decimal:
        return self.current - self.previous

    @property
    def percent(self) -> Decimal | None:
        if self.previous <= 0:
            return None
        return (self.change * 100 / self.previous).quantize(TENTH, ROUND_HALF_UP)


def month_over_month(month: Month) -> list[Mover]:
    """Every expense category's spending in `month` against the month before, biggest change first."""
    categories = Categories()
    totals = month_totals(month.shift(-1), month, categories)
    pairs: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for (text, pk), amount in totals.items():
        if categories[pk].kind == EXPENSE:
            pairs[pk][text == str(month)] += amount
    movers = [Mover(categories[pk], previous, current) for pk, (previous, current) in pairs.items()]
    return sorted(movers, key=lambda m: (abs(m.change), m.category.name), reverse=True)
