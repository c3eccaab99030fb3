"""The portfolio's figures: value, day change, gain against cost basis, allocation.

Each holding is valued at its security's latest close from any source (a
provider, the institution, a person), and its day change is against the
close of the day before that one; both come from one range read of recent
weeks over the (security, date) index, so ten years of daily prices cost
nothing.
Cash is worth its quantity and is never stale. A close older than
INVESTMENTS_STALE_MARKET_DAYS market days (Monday to Friday; exchange
holidays are not known) marks the holding stale: it is still counted, at
that old price, but the page says so.

Money is rounded to cents per holding, and totals are sums of those cents,
so the page's rows always add up to its totals. Chart data are strings.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.db.models import F, OuterRef, Subquery, Window
from django.db.models.functions import DenseRank
from django.utils import timezone

from accounts.models import Account
from investments.models import Holding, Price, Security, SecurityType, plain

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
TOP_HOLDINGS = 10
# Closes are looked for in this many recent days first (see `_latest_closes`).
RECENT_DAYS = 10
# Sources that may have a close for the same day (providers, institution, manual).
PRICE_SOURCES = 4
# Fixed palette so a type keeps its color between visits.
TYPE_COLORS = {
    SecurityType.EQUITY: "#1565c0", SecurityType.ETF: "#2e7d32", SecurityType.MUTUAL_FUND: "#6a1b9a",
    SecurityType.BOND: "#ef6c00", SecurityType.CASH: "#607d8b", SecurityType.OPTION: "#c62828",
    SecurityType.CRYPTO: "#f9a825", SecurityType.OTHER: "#8d6e63",
}
HOLDING_COLORS = ["#1565c0", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f", "#c62828", "#f9a825",
                  "#5d4037", "#ad1457", "#283593", "#9e9e9e"]


def market_days_between(start: datetime.date, end: datetime.date) -> int:
    """Weekdays after `start` up to and including `end`."""
    if end <= start:
        return 0
    weeks, rest = divmod((end - start).days, 7)
    extra = sum(1 for n in range(1, rest + 1) if (start + datetime.timedelta(days=n)).weekday() < 5)
    return weeks * 5 + extra


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    return None if not whole else (part * HUNDRED / whole).quantize(Decimal("0.1"))


@dataclass
class Position:
    """One holding, valued."""

    holding: Holding
    account: Account
    price: Decimal | None
    price_date: datetime.date | None
    price_source: str
    previous: Decimal | None
    today: datetime.date
    weight: Decimal | None = None  # percent of the portfolio's value, set once the total is known

    @property
    def security(self) -> Security:
        return self.holding.security

    @property
    def quantity_text(self) -> str:
        return plain(self.holding.quantity)

    @cached_property
    def is_cash(self) -> bool:
        return self.security.security_type == SecurityType.CASH

    @cached_property
    def priced(self) -> bool:
        return self.is_cash or self.price is not None

    @cached_property
    def value(self) -> Decimal:
        if self.is_cash:
            return self.holding.quantity.quantize(CENT)
        return (self.holding.quantity * self.price).quantize(CENT) if self.price is not None else ZERO

    @cached_property
    def day_change(self) -> Decimal:
        if self.is_cash or self.price is None or self.previous is None:
            return ZERO
        return (self.holding.quantity * (self.price - self.previous)).quantize(CENT)

    @cached_property
    def gain(self) -> Decimal | None:
        if self.holding.cost_basis is None or not self.priced:
            return None
        return self.value - self.holding.cost_basis

    @cached_property
    def gain_percent(self) -> Decimal | None:
        return None if self.gain is None else percent(self.gain, self.holding.cost_basis)

    @cached_property
    def market_days_old(self) -> int | None:
        return None if self.price_date is None else market_days_between(self.price_date, self.today)

    @cached_property
    def stale(self) -> bool:
        """Priced, but with a close older than the setting allows (cash never is)."""
        if self.is_cash or self.price_date is None:
            return False
        return self.market_days_old > settings.INVESTMENTS_STALE_MARKET_DAYS


@dataclass
class Slice:
    label: str
    value: Decimal
    color: str
    weight: Decimal | None = None


@dataclass
class Portfolio:
    positions: list[Position]
    today: datetime.date
    by_type: list[Slice] = field(default_factory=list)
    by_holding: list[Slice] = field(default_factory=list)

    @cached_property
    def value(self) -> Decimal:
        return sum((p.value for p in self.positions), ZERO)

    @cached_property
    def day_change(self) -> Decimal:
        return sum((p.day_change for p in self.positions), ZERO)

    @cached_property
    def day_change_percent(self) -> Decimal | None:
        return percent(self.day_change, self.value - self.day_change)

    @cached_property
    def cost_basis(self) -> Decimal:
        """Total cost of the holdings whose cost is known (others are left out of the gain)."""
        return sum((p.holding.cost_basis for p in self.positions if p.gain is not None), ZERO)

    @cached_property
    def gain(self) -> Decimal:
        return sum((p.gain for p in self.positions if p.gain is not None), ZERO)

    @cached_property
    def gain_percent(self) -> Decimal | None:
        return percent(self.gain, self.cost_basis)

    @cached_property
    def stale(self) -> list[Position]:
        return [p for p in self.positions if p.stale]

    @cached_property
    def unpriced(self) -> list[Position]:
        return [p for p in self.positions if not p.priced]

    @cached_property
    def missing_cost(self) -> int:
        return sum(1 for p in self.positions if p.holding.cost_basis is None)

    def chart(self, slices: list[Slice], label: str) -> dict:
        """Doughnut data for static/js/charts.js: amounts as strings, never floats."""
        return {"type": "doughnut", "labels": [s.label for s in slices],
                "datasets": [{"label": label, "data": [str(s.value) for s in slices],
                              "colors": [s.color for s in slices]}]}

    @cached_property
    def type_chart(self) -> dict:
        return self.chart(self.by_type, "By type")

    @cached_property
    def holding_chart(self) -> dict:
        return self.chart(self.by_holding, "By holding")


def _latest_closes(security_ids: set[int], today: datetime.date) -> dict[int, list[tuple]]:
    """Per security, its two latest (date, close, source), newest first (one per date: the
    last stored wins). One range read of the recent days over the covering (security, date,
    close, source) index, ranked in SQL so only the two latest days come back, serves nearly
    every security; the few without two closes there (stale or new ones) get one small
    indexed query each."""
    closes: dict[int, list[tuple]] = defaultdict(list)

    def take(rows) -> None:
        for security_id, day, close, source in rows:
            found = closes[security_id]
            if len(found) < 2 and (not found or found[-1][0] != day):
                found.append((day, close, source))

    recent = Price.objects.filter(security_id__in=security_ids, date__gte=today - datetime.timedelta(
        days=RECENT_DAYS), date__lte=today).annotate(rank=Window(
            DenseRank(), partition_by=F("security_id"), order_by=F("date").desc()))
    take(recent.filter(rank__lte=2).order_by("security_id", "-date", "-pk")
         .values_list("security_id", "date", "close", "source"))
    for security_id in [s for s in security_ids if len(closes[s]) < 2]:
        closes[security_id].clear()
        take(Price.objects.filter(security_id=security_id, date__lte=today).order_by("-date", "-pk")
             .values_list("security_id", "date", "close", "source")[:PRICE_SOURCES * 2])
    return closes


def build_portfolio(*, today: datetime.date | None = None, account_ids=None) -> Portfolio:
    """Every holding of an Account that exists (see `consistency`), valued."""
    today = today or timezone.localdate()
    # Only the fields shown: never load (and decrypt) access tokens to draw a table.
    accounts = Account.objects.only("name", "institution", "account_type").in_bulk(
        list(account_ids) if account_ids is not None else None)
    holdings = list(Holding.objects.of_accounts(accounts).exclude(quantity=0).select_related("security")
                    .defer("updated_at", "security__created_at"))
    closes = _latest_closes({h.security_id for h in holdings}, today)
    positions = []
    for h in holdings:
        latest = closes.get(h.security_id, [])
        price_date, price, source = latest[0] if latest else (None, None, "")
        positions.append(Position(holding=h, account=accounts[h.account_id], price=price,
                                  price_date=price_date, price_source=source,
                                  previous=latest[1][1] if len(latest) > 1 else None, today=today))
    positions.sort(key=lambda p: (-p.value, p.security.ticker or p.security.name))
    portfolio = Portfolio(positions=positions, today=today)
    total = portfolio.value
    for position in positions:
        position.weight = percent(position.value, total)
    portfolio.by_type = _by_type(portfolio)
    portfolio.by_holding = _by_holding(portfolio)
    return portfolio


def _by_type(portfolio: Portfolio) -> list[Slice]:
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for p in portfolio.positions:
        sums[p.security.security_type] += p.value
    slices = [Slice(SecurityType(kind).label, value, TYPE_COLORS[kind], percent(value, portfolio.value))
              for kind, value in sums.items() if value]
    return sorted(slices, key=lambda s: -s.value)


def _by_holding(portfolio: Portfolio) -> list[Slice]:
    """One slice per security (summed across accounts), the largest ten, then "Other"."""
    sums: dict[Security, Decimal] = defaultdict(lambda: ZERO)
    for p in portfolio.positions:
        sums[p.security] += p.value
    ranked = sorted(((s, v) for s, v in sums.items() if v), key=lambda sv: -sv[1])
    slices = [Slice(s.ticker or s.name, v, HOLDING_COLORS[i], percent(v, portfolio.value))
              for i, (s, v) in enumerate(ranked[:TOP_HOLDINGS])]
    rest = sum((v for _, v in ranked[TOP_HOLDINGS:]), ZERO)
    if rest:
        slices.append(Slice("Other", rest, HOLDING_COLORS[-1], percent(rest, portfolio.value)))
    return slices


def value_on(days: list[datetime.date]) -> dict[datetime.date, Decimal]:
    """The value of today's holdings at each day's latest close (of any age, any source).

    Quantities are today's: the history line shows how prices moved what is
    held now, not past trades. One query: per holding and day, a correlated
    subquery seeks the latest close on or before the day in the
    (security, -date) index.
    """
    holdings = Holding.objects.of_accounts(Account.objects.values_list("pk", flat=True)).exclude(quantity=0)
    closes = {f"close_{i}": Subquery(Price.objects.filter(security=OuterRef("security"), date__lte=day)
                                     .order_by("-date").values("close")[:1])
              for i, day in enumerate(days)}
    totals = dict.fromkeys(days, ZERO)
    for quantity, kind, *day_closes in holdings.annotate(**closes).values_list(
            "quantity", "security__security_type", *closes):
        for day, close in zip(days, day_closes, strict=True):
            if kind == SecurityType.CASH:
                totals[day] += quantity.quantize(CENT)
            elif close is not None:
                totals[day] += (quantity * close).quantize(CENT)
    return totals


def price_history(security: Security) -> dict:
    """Line-chart data of every close of `security` (one per day, newest source wins)."""
    by_day: dict[datetime.date, Decimal] = {}
    for day, close in Price.objects.filter(security=security).order_by("date", "pk") \
            .values_list("date", "close"):
        by_day[day] = close
    return {"labels": [d.isoformat() for d in by_day],
            "datasets": [{"label": security.ticker or security.name,
                          "data": [plain(c) for c in by_day.values()],
                          "colors": ["#1565c0"]}]}
