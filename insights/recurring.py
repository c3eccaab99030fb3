"""The recurring monitor: subscriptions and bills found in the confirmed ledger.

Detection only: it never creates transactions. A merchant is recurring when
at least three of its charges follow a cadence: weekly (each 7 days after the
last, within 2 days), monthly (the same day of the next month, within 3) or
yearly (the same date a year on, within 2), each amount within 7.5% of the
one before; a rise of up to 50% continues the series and is flagged as a
price increase. Merchants of categories marked recurring (bills whose amount
varies) need only the cadence, and are listed as irregular when they have
none. A person can dismiss a merchant for good.

The heavy lifting is SQL: per-merchant counts, totals and spread come from
the monthly summary, and only candidates (at least three charges, at most
about weekly, amounts that barely vary, or a recurring category) have their
dates and amounts fetched to test the cadence in Python.
"""

from __future__ import annotations

import bisect
import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, ExpressionWrapper, F, FloatField, Max, Q, Sum, When
from django.db.models.functions import Cast

from insights.ledger import EXPENSE, INCOME, TRANSFER, Categories, CategoryInfo, confirmed_rows
from insights.models import LedgerMonth, RecurringDismissal
from insights.months import Month

WINDOW_DAYS = 3 * 366 + 31  # a yearly charge needs three years to show three times
MIN_CHARGES = 3
SAME = Decimal("0.075")
MAX_RISE = Decimal("1.5")
MAX_PER_MONTH = 6  # more often than about weekly is shopping, not a subscription
SPREAD = 0.25  # largest coefficient of variation of a candidate's amounts (a filter, not money)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month = Month.of(day).shift(months)
    return month.first.replace(day=min(day.day, month.days))


@dataclass(frozen=True)
class Cadence:
    name: str
    per_year: int
    slack: int  # days either side of the expected date
    months: int = 0
    days: int = 0

    def after(self, day: datetime.date) -> datetime.date:
        """When the next charge is expected after one on `day`."""
        return _add_months(day, self.months) if self.months else day + datetime.timedelta(days=self.days)

    @property
    def length(self) -> int:
        return self.days or self.months * 31


WEEKLY = Cadence("weekly", 52, 2, days=7)
MONTHLY = Cadence("monthly", 12, 3, months=1)
YEARLY = Cadence("yearly", 1, 2, months=12)
CADENCES = (MONTHLY, WEEKLY, YEARLY)


@dataclass
class Subscription:
    key: str
    name: str
    category: CategoryInfo
    cadence: Cadence | None  # None: a recurring-category merchant without a steady rhythm
    dates: list[datetime.date]
    amounts: list[Decimal]
    today: datetime.date

    @property
    def first(self) -> datetime.date:
        return self.dates[0]

    @property
    def last(self) -> datetime.date:
        return self.dates[-1]

    @property
    def typical(self) -> Decimal:
        """The current price; for a bill that varies or has no rhythm, the median of its last three."""
        if self.cadence is None or not self.fixed:
            return statistics.median(self.amounts[-3:]).quantize(Decimal("0.01"))
        return self.amounts[-1]

    @property
    def fixed(self) -> bool:
        """A set price: each charge within 7.5% of the one before, or a rise (a price change)."""
        return all(a * (1 - SAME) <= b <= a * MAX_RISE
                   for a, b in zip(self.amounts, self.amounts[1:], strict=False))

    @property
    def next_expected(self) -> datetime.date | None:
        return self.cadence.after(self.last) if self.cadence else None

    @property
    def annual_cost(self) -> Decimal:
        if self.cadence is None:
            year_ago = self.today - datetime.timedelta(days=365)
            return sum((a for d, a in zip(self.dates, self.amounts, strict=True) if d > year_ago), Decimal(0))
        return self.typical * self.cadence.per_year

    @property
    def price_increase(self) -> tuple[Decimal, Decimal] | None:
        """(old, new) when one of the last three charges rose over the one before."""
        if self.cadence is None or not self.fixed:
            return None
        recent = self.amounts[-3:]
        rises = [(a, b) for a, b in zip(recent, recent[1:], strict=False) if b > a]
        return rises[-1] if rises else None

    @property
    def missed(self) -> bool:
        """Overdue: the next charge is later than its cadence allows."""
        expected = self.next_expected
        return bool(expected and self.today > expected + datetime.timedelta(days=self.cadence.slack))

    @property
    def is_new(self) -> bool:
        """Started recently: its first charge is within about three cycles."""
        if self.cadence is None or self.cadence is YEARLY:
            return False
        cycles = datetime.timedelta(days=3 * self.cadence.length + self.cadence.slack)
        return self.first >= self.today - cycles

    @property
    def ended(self) -> bool:
        """Overdue by more than a whole cycle: taken as cancelled and no longer listed."""
        expected = self.next_expected
        return bool(expected and self.today > self.cadence.after(expected)
                    + datetime.timedelta(days=self.cadence.slack))


def _series(cadence: Cadence, dates: list[datetime.date], amounts: list[Decimal],
            any_amount: bool) -> list[int]:
    """The longest chain of charges that follow the cadence (latest wins ties), as indexes.

    Charge j links to a later charge i when i falls within the cadence's slack
    of the date expected after j and (unless any amount goes) its amount is
    within 7.5% below to 50% above j's.
    """
    expected = [cadence.after(day) for day in dates]  # ascending, like dates
    slack = datetime.timedelta(days=cadence.slack)
    length = [1] * len(dates)
    previous = [-1] * len(dates)
    for i, day in enumerate(dates):
        low, high = bisect.bisect_left(expected, day - slack), bisect.bisect_right(expected, day + slack)
        for j in range(low, min(high, i)):
            fits = any_amount or amounts[j] * (1 - SAME) <= amounts[i] <= amounts[j] * MAX_RISE
            if fits and length[j] + 1 >= length[i]:
                length[i], previous[i] = length[j] + 1, j
    end = max(range(len(dates)), key=lambda i: (length[i], i), default=-1)
    chain = []
    while end >= 0:
        chain.append(end)
        end = previous[end]
    return chain[::-1]


def _candidates(since: datetime.date, categories: Categories) -> dict[str, bool]:
    """{merchant key: in a recurring category} for merchants worth a cadence test, in SQL."""
    recurring = [pk for pk in categories.ids(EXPENSE) if categories[pk].is_recurring]
    spread = ExpressionWrapper(F("squares") * Cast("n", FloatField()), output_field=FloatField())
    bound = ExpressionWrapper(Cast("total", FloatField()) * Cast("total", FloatField()) * (1 + SPREAD ** 2),
                              output_field=FloatField())
    rows = (
        LedgerMonth.objects.filter(month__gte=str(Month.of(since)))
        .exclude(category_id__in=[*categories.ids(INCOME), *categories.ids(TRANSFER)])
        .exclude(merchant_key__in=RecurringDismissal.objects.values("merchant_key"))
        .values("merchant_key")
        .annotate(n=Sum("count"), total=Sum("total_cents"), squares=Sum("squares"), active=Count("id"),
                  recurring=Max(Case(When(category_id__in=recurring, then=1), default=0)))
        .annotate(spread=spread, bound=bound)
        .filter(Q(n__gte=MIN_CHARGES, total__gt=0, n__lte=F("active") * MAX_PER_MONTH,
                  spread__lte=F("bound"))
                | Q(recurring=1, n__gte=2))
        .values_list("merchant_key", "recurring")
    )
    return {key: bool(flag) for key, flag in rows}


def recurring_charges(today: datetime.date) -> list[Subscription]:
    """Current subscriptions and bills, largest annual cost first (dismissed ones left out)."""
    categories = Categories()
    since = today - datetime.timedelta(days=WINDOW_DAYS)
    candidates = _candidates(since, categories)
    charges: dict[str, list[tuple]] = defaultdict(list)
    for row in (confirmed_rows().filter(merchant_key__in=list(candidates), date__gte=since, date__lte=today,
                                        amount__gt=0)
                .exclude(category_id__in=categories.ids(TRANSFER))
                .order_by("merchant_key", "date", "id")
                .values_list("merchant_key", "date", "amount", "merchant_name", "category_id")):
        charges[row[0]].append(row[1:])
    found = []
    for key, rows in charges.items():
        dates = [r[0] for r in rows]
        amounts = [r[1] for r in rows]
        name, category = rows[-1][2] or key, categories[rows[-1][3]]
        bill = candidates[key]
        best, cadence = [], None
        for option in CADENCES:
            chain = _series(option, dates, amounts, any_amount=bill)
            if len(chain) >= MIN_CHARGES and (len(chain), chain[-1]) > (len(best), best[-1] if best else -1):
                best, cadence = chain, option
        if cadence is not None:
            sub = Subscription(key, name, category, cadence, [dates[i] for i in best],
                               [amounts[i] for i in best], today)
        elif bill and len(dates) >= 2:
            sub = Subscription(key, name, category, None, dates, amounts, today)
        else:
            continue
        if not sub.ended:
            found.append(sub)
    return sorted(found, key=lambda s: (s.annual_cost, s.name), reverse=True)


def dismiss(merchant_key: str) -> None:
    """Hide a merchant from the monitor for good."""
    RecurringDismissal.objects.get_or_create(merchant_key=merchant_key)


def undismiss(merchant_key: str) -> None:
    RecurringDismissal.objects.filter(merchant_key=merchant_key).delete()
