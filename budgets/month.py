"""A month of budgets: every figure the month view shows, and the changes it offers.

Spent is the net of confirmed and auto-confirmed rows in a category (a refund
lowers it), read from the monthly category summary; Transfers never count.
Rows still waiting for review are shown apart as pending. Available is the
month's budget plus what rolled over: when a month's budget has rollover on,
its leftover (available minus spent; negative when overspent) carries into
the next month, so a run of rollover months carries the sum of each month's
budget minus its spending. Parents show the sum of their children.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import BigIntegerField, Case, F, Sum, Value, When

from budgets.models import Budget
from insights.ledger import (
    EXPENSE,
    GREY,
    INCOME,
    ZERO,
    Categories,
    CategoryInfo,
    month_totals,
    pending_totals,
)
from insights.models import UNCATEGORIZED, LedgerCategoryMonth, cents
from insights.months import Month

CENT = Decimal("0.01")
ALL = CategoryInfo(-1, "All categories", GREY, None, -1, EXPENSE)
DOLLAR = Decimal("1")


@dataclass
class Line:
    """One category's month (or, for a group's total, the sum of its lines)."""

    category: CategoryInfo
    budget: Decimal | None = None
    rollover: bool = False
    carried: Decimal = ZERO
    spent: Decimal = ZERO
    pending: Decimal = ZERO
    last_month: Decimal = ZERO
    average: Decimal = ZERO

    @property
    def available(self) -> Decimal:
        return (self.budget or ZERO) + self.carried

    @property
    def remaining(self) -> Decimal:
        return self.available - self.spent

    @property
    def over(self) -> bool:
        return self.spent > self.available

    @property
    def percent(self) -> int:
        """Spent as a share of available for the bar, 0-100 (full when over)."""
        if self.over and self.spent > 0:
            return 100
        if self.available <= 0:
            return 0
        return int(max(self.spent, ZERO) * 100 / self.available)

    @property
    def pending_percent(self) -> int:
        """The pending part of the bar, after the spent part, never past the end."""
        if self.available <= 0 or self.pending <= 0:
            return 0
        return min(int(self.pending * 100 / self.available), 100 - self.percent)

    def expected_by(self, elapsed: Decimal) -> Decimal:
        """What steady spending would have used of `available` by this point of the month."""
        return (self.available * elapsed).quantize(CENT)


@dataclass
class Group:
    top: CategoryInfo
    lines: list[Line]
    total: Line = field(init=False)

    def __post_init__(self) -> None:
        budgets = [line.budget for line in self.lines if line.budget is not None]
        self.total = Line(
            self.top, budget=sum(budgets, ZERO) if budgets else None,
            **{name: sum((getattr(line, name) for line in self.lines), ZERO)
               for name in ("carried", "spent", "pending", "last_month", "average")},
        )


@dataclass
class BudgetMonth:
    month: Month
    groups: list[Group]
    income: Decimal
    elapsed: Decimal  # share of the month gone by: 1 for past months, 0 for future ones

    @property
    def lines(self) -> list[Line]:
        return [line for group in self.groups for line in group.lines]

    def _sum(self, name: str) -> Decimal:
        return sum((getattr(line, name) or ZERO for line in self.lines), ZERO)

    @property
    def budgeted(self) -> Decimal:
        return self._sum("budget")

    @property
    def carried(self) -> Decimal:
        return self._sum("carried")

    @property
    def available(self) -> Decimal:
        return self._sum("available")

    @property
    def spent(self) -> Decimal:
        return self._sum("spent")

    @property
    def pending(self) -> Decimal:
        return self._sum("pending")

    @property
    def left(self) -> Decimal:
        return self.available - self.spent

    @property
    def net(self) -> Decimal:
        return self.income - self.spent

    @property
    def total(self) -> Line:
        """The whole month as one line (for the overall bar)."""
        return Group(ALL, self.lines).total

    def over_pace(self, limit: int = 5) -> list[tuple[Line, Decimal]]:
        """Budgeted categories ahead of a steady pace, most ahead first: (line, amount ahead)."""
        ahead = [
            (line, line.spent - line.expected_by(self.elapsed))
            for line in self.lines
            if line.available > 0 and line.spent > line.expected_by(self.elapsed)
        ]
        return sorted(ahead, key=lambda pair: pair[1], reverse=True)[:limit]


def _elapsed(month: Month, today: datetime.date) -> Decimal:
    if today > month.last:
        return Decimal(1)
    if today < month.first:
        return Decimal(0)
    return Decimal(today.day) / Decimal(month.days)


def carried_into(month: Month) -> dict[int, Decimal]:
    """{category id: amount carried into `month`} for categories whose previous month rolls over.

    Walks back over budget rows (a dozen a year per category) to where the
    run of rollover months starts, then sums each run's spending in one query.
    """
    ending = list(Budget.objects.filter(month=str(month.shift(-1)), rollover=True)
                  .values_list("category_id", flat=True))
    if not ending:
        return {}
    starts: dict[int, Month] = {}
    budgeted: dict[int, Decimal] = defaultdict(lambda: ZERO)
    broken: set[int] = set()
    rows = (Budget.objects.filter(category_id__in=ending, rollover=True, month__lt=str(month))
            .order_by("category_id", "-month").values_list("category_id", "month", "amount"))
    for category_id, text, amount in rows:
        if category_id in broken:
            continue
        if text != str(starts.get(category_id, month).shift(-1)):
            broken.add(category_id)
            continue
        starts[category_id] = Month.parse(text)
        budgeted[category_id] += amount
    # One index-only range per category; each row counts only from its own run's start.
    in_run = Case(*(When(category_id=pk, month__gte=str(start), then=F("total_cents"))
                    for pk, start in starts.items()), default=Value(0), output_field=BigIntegerField())
    spent = dict(
        LedgerCategoryMonth.objects.filter(category_id__in=list(starts), month__gte=str(min(starts.values())),
                                   month__lt=str(month))
        .values("category_id").annotate(total=Sum(in_run)).values_list("category_id", "total")
    )
    return {pk: budgeted[pk] - cents(spent.get(pk)) for pk in starts}


def budget_month(month: Month, *, today: datetime.date) -> BudgetMonth:
    """Every expense category with a budget, a carry, or spending this month or in the
    three before it, grouped under its parent."""
    categories = Categories()
    totals = month_totals(month.shift(-3), month, categories)
    pending = pending_totals(month.first, month.last, categories)
    budgets = {b.category_id: b for b in Budget.objects.filter(month=str(month))}
    carried = carried_into(month)
    shown = {pk for _, pk in totals} | set(pending) | set(budgets) | set(carried)
    this, last = str(month), str(month.shift(-1))
    earlier = [str(month.shift(-n)) for n in (1, 2, 3)]
    groups: dict[int, list[Line]] = defaultdict(list)
    for pk in shown:
        info = categories[pk]
        if info.kind != EXPENSE:
            continue
        budget = budgets.get(pk)
        groups[info.top_id].append(Line(
            info, budget=budget.amount if budget else None, rollover=bool(budget and budget.rollover),
            carried=carried.get(pk, ZERO), spent=totals.get((this, pk), ZERO),
            pending=pending.get(pk, ZERO), last_month=totals.get((last, pk), ZERO),
            average=(sum((totals.get((m, pk), ZERO) for m in earlier), ZERO) / 3).quantize(
                CENT, ROUND_HALF_UP),
        ))
    ordered = sorted(groups.items(), key=lambda item: (item[0] == UNCATEGORIZED,
                                                        categories[item[0]].name.lower()))
    income = -sum((v for (m, pk), v in totals.items() if m == this and categories[pk].kind == INCOME), ZERO)
    return BudgetMonth(
        month=month,
        groups=[Group(categories[top], sorted(lines, key=lambda line: (not line.category.is_top,
                                                                          line.category.name.lower())))
                for top, lines in ordered],
        income=income, elapsed=_elapsed(month, today),
    )


def _expense(category_id: int) -> CategoryInfo:
    info = Categories()[category_id]
    if info.id != category_id or info.kind != EXPENSE:
        raise ValueError(f"category {category_id} is not an expense category")
    return info


@transaction.atomic
def set_budget(*, month: Month, category_id: int, amount: Decimal | None) -> None:
    """Set one category's budget for the month; None removes it."""
    _expense(category_id)
    if amount is None:
        Budget.objects.filter(month=str(month), category_id=category_id).delete()
        return
    Budget.objects.update_or_create(month=str(month), category_id=category_id, defaults={"amount": amount})


@dataclass
class CopyResult:
    copied: int
    kept: int


@transaction.atomic
def copy_previous(*, month: Month) -> CopyResult:
    """Copy last month's budgets (amount and rollover) to categories with none yet this month."""
    existing = set(Budget.objects.filter(month=str(month)).values_list("category_id", flat=True))
    previous = list(Budget.objects.filter(month=str(month.shift(-1))))
    new = [Budget(category_id=b.category_id, month=str(month), amount=b.amount, rollover=b.rollover)
           for b in previous if b.category_id not in existing]
    Budget.objects.bulk_create(new)
    return CopyResult(copied=len(new), kept=len(previous) - len(new))


@transaction.atomic
def set_to_average(*, month: Month, category_id: int | None = None) -> int:
    """Set budgets to the three previous months' average spend, rounded to whole dollars.

    One category, or every expense category with a budget this month or any
    spending in those three months. Returns how many budgets were set.
    """
    categories = Categories()
    if category_id is not None:
        _expense(category_id)
    spent = month_totals(month.shift(-3), month.shift(-1), categories)
    by_category: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for (_, pk), amount in spent.items():
        by_category[pk] += amount
    if category_id is not None:
        targets = [category_id]
    else:
        budgeted = Budget.objects.filter(month=str(month)).values_list("category_id", flat=True)
        targets = sorted(pk for pk in {*by_category, *budgeted}
                         if pk != UNCATEGORIZED and categories[pk].kind == EXPENSE)
    for pk in targets:
        average = max((by_category[pk] / 3).quantize(DOLLAR, ROUND_HALF_UP), ZERO)
        Budget.objects.update_or_create(month=str(month), category_id=pk,
                                        defaults={"amount": average.quantize(CENT)})
    return len(targets)


@transaction.atomic
def toggle_rollover(*, month: Month, category_id: int) -> bool:
    """Switch rollover for one category's month (a zero budget is made if there is none)."""
    _expense(category_id)
    budget, created = Budget.objects.get_or_create(
        month=str(month), category_id=category_id, defaults={"amount": ZERO, "rollover": True})
    if not created:
        budget.rollover = not budget.rollover
        budget.save(update_fields=["rollover"])
    return budget.rollover
