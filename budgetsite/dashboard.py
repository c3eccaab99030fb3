"""What the dashboard shows, each figure from one aggregate query or the budgets month.

This month's spending, budget, income and pace come from `budgets.month`
(the confirmed ledger's monthly summary, Transfers left out). Counts use the
status index (waiting rows are few), never a scan of the whole ledger.

Net worth is cash accounts + investments - what is owed on cards and loans.
Investments are the portfolio's value (investments.db) plus the balance of
any investment account that has no holdings there; investments.db is only
read when an investment account exists. Its history line walks balances
back from today: a past month-end balance is today's balance undone by the
transactions after it (one aggregate query), and investments are today's
holdings at that day's closes (`investments.portfolio.value_on`).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import CharField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Cast, Substr
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import Account, AccountType, SyncLog
from budgets.month import budget_month
from insights.ledger import ZERO
from insights.months import Month
from investments.models import Holding
from investments.portfolio import build_portfolio, value_on
from transactions.models import Status, Transaction

CASH_TYPES = (AccountType.CHECKING, AccountType.SAVINGS, AccountType.CASH)
CREDIT_TYPES = (AccountType.CREDIT_CARD, AccountType.LOAN)
HISTORY_MONTHS = 12


def _accounts_url() -> str:
    try:
        return reverse("account_list")
    except NoReverseMatch:
        return "/admin/accounts/account/"


def accounts_with_last_sync() -> list[Account]:
    """Every account, annotated with its latest sync's status, time and error (None: never synced)."""
    latest = SyncLog.objects.filter(account=OuterRef("pk")).order_by("-started_at", "-id")
    return list(Account.objects.annotate(
        last_sync_status=Subquery(latest.values("status")[:1]),
        last_sync_at=Subquery(latest.values("started_at")[:1]),
        sync_error=Subquery(latest.values("error_message")[:1]),
    ))


def _investment_accounts() -> dict[int, Account]:
    return Account.objects.filter(account_type=AccountType.INVESTMENT).only("balance_current").in_bulk()


def _unheld_balances(accounts: dict[int, Account]) -> Decimal:
    """Balances of investment accounts with no holdings (a linked account without the
    investments product, a brokerage tracked by its balance only)."""
    held = set(Holding.objects.of_accounts(accounts).values_list("account_id", flat=True).distinct())
    return sum((a.balance_current or ZERO for pk, a in accounts.items() if pk not in held), ZERO)


def net_worth(today: datetime.date | None = None) -> dict:
    """Cash accounts + investments - what is owed on cards and loans."""
    sums = Account.objects.aggregate(
        cash=Sum("balance_current", filter=Q(account_type__in=CASH_TYPES)),
        owed=Sum("balance_current", filter=Q(account_type__in=CREDIT_TYPES)),
    )
    cash, owed = sums["cash"] or ZERO, sums["owed"] or ZERO
    investments = ZERO
    accounts = _investment_accounts()
    if accounts:
        held = build_portfolio(today=today, account_ids=list(accounts)).value
        investments = held + _unheld_balances(accounts)
    return {"cash": cash, "investments": investments, "owed": owed, "total": cash + investments - owed}


def _later_sums(days: list[datetime.date]) -> list[tuple[Decimal, Decimal]]:
    """Per day: (cash-account amounts, card-and-loan amounts) of transactions dated after it.

    One grouped query (month x account) up to today, then sums walking back in Python: the
    earlier days are month ends, so "after the day" is "in a later month (up to today)";
    rows dated after today come from one small query of their own.
    """
    kind = {pk: ("cash" if t in CASH_TYPES else "owed") for pk, t in Account.objects.filter(
        balance_current__isnull=False, account_type__in=CASH_TYPES + CREDIT_TYPES)
        .values_list("pk", "account_type")}
    mine = Transaction.objects.filter(account_id__in=list(kind))
    rows = (mine.filter(date__gt=days[0], date__lte=days[-1])
            .values("account_id", month=Substr(Cast("date", CharField()), 1, 7))
            .annotate(total=Sum("amount")).values_list("month", "account_id", "total"))
    by_month: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for month, account_id, total in rows:
        by_month[month][kind[account_id]] += total
    future = {"cash": ZERO, "owed": ZERO}
    for account_id, total in mine.filter(date__gt=days[-1]).values_list("account_id").annotate(Sum("amount")):
        future[kind[account_id]] += total
    cash, owed = future["cash"], future["owed"]
    sums = [(cash, owed)]
    for day in reversed(days[1:]):  # the rows of `day`'s month are after the month end before it
        month = by_month.get(day.strftime("%Y-%m"), {})
        cash, owed = cash + month.get("cash", ZERO), owed + month.get("owed", ZERO)
        sums.append((cash, owed))
    return list(reversed(sums))


def net_worth_history(worth: dict, today: datetime.date) -> dict:
    """Line-chart data: net worth at the last HISTORY_MONTHS month ends and today (strings).

    It reads a year of transactions, so the dashboard loads it after the page
    (`investments.views.net_worth_line`) instead of making the page wait.
    """
    days = [Month.of(today).shift(-n).last for n in range(HISTORY_MONTHS, 0, -1)] + [today]
    later = _later_sums(days)
    accounts = _investment_accounts()
    invested = dict.fromkeys(days, ZERO)
    if accounts:
        unheld = _unheld_balances(accounts)
        invested = {d: v + unheld for d, v in value_on(days).items()}
    points = []
    for day, (cash_after, owed_after) in zip(days, later, strict=True):
        # Money out (amount > 0) after `day` lowered cash and raised what is owed since then.
        points.append(worth["cash"] + cash_after + invested[day] - (worth["owed"] - owed_after))
    return {"labels": [d.isoformat() for d in days],
            "datasets": [{"label": "Net worth", "data": [str(p) for p in points], "colors": ["#2e7d32"]}]}


def dashboard_context(today: datetime.date | None = None) -> dict:
    today = today or timezone.localdate()
    pending_review = Transaction.objects.filter(status=Status.PENDING_REVIEW).count()
    context = {
        "has_transactions": Transaction.objects.exists(),
        "stats": {"pending_review": pending_review},
        "accounts": accounts_with_last_sync(),
        "worth": net_worth(today),
        "accounts_url": _accounts_url(),
    }
    if context["has_transactions"]:
        month = budget_month(Month.of(today), today=today)
        context.update(
            month=month, over_pace=month.over_pace(5),
            staged=Transaction.objects.filter(status=Status.PENDING_SAVE).count(),
            recent=Transaction.objects.select_related("account", "category", "predicted_category")[:10],
        )
    return context
